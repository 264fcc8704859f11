"""The assessment's chunks on SQLite, pipelined: computing threads and one writer.

SQLite has one writer per database, so the sequential path computes and writes each
chunk in the writer's transaction: the computing ``SELECT`` (about 60 % of a chunk)
keeps everyone else out and uses one core. Here the work is split (ADR 0009 §8):

- **Computing threads** (one per CPU), each with its own connection, run the chunk's
  statement in autocommit against a consistent read snapshot of the register (WAL
  readers never wait for the writer) and write its lines and per-payer sums into a
  scratch database file of their own (``ATTACH``; no journal, no fsync: it is derived
  data). Python's sqlite3 releases the GIL while a statement runs, so threads compute
  in parallel.
- **The writer** (the calling thread) copies each finished chunk into the real tables
  in one transaction: delete the chunk's old normal lines, insert the scratch lines,
  replace the chunk's bill parts (the scratch sums, plus the sums of the chunk's lines
  of other kinds, read through the small partial index ``line_other_kinds``), and mark
  the chunk done. A chunk another process finished meanwhile is skipped.

The guarantees are those of the sequential path: each chunk is one transaction that
writes its lines and its done mark together, so kill -9 leaves whole chunks and a
rerun resumes; the lines are the same statement's output. Scratch files live in a
directory next to the database named after the run and the process id; a directory
left by a killed process is removed by the next pipelined run. Used only for a SQLite
database in a file, outside any enclosing transaction (``assessment_workers``).
"""

from __future__ import annotations

import os
import queue
import shutil
import threading
from collections.abc import Callable
from pathlib import Path

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from shebao.contributions.models import AssessmentChunk, AssessmentRun, BillPart, ContributionLine
from shebao.kernel.batchdb import batch_connection_tune

SCRATCH = "shebao_scratch"
LINE_COLUMNS = (
    "period, person_id, insurance, employer_id, region_code, kind, base_fen, "
    "employer_ppm, individual_ppm, employer_fen, individual_fen, run_id"
)
_SCRATCH_LINE = (
    f"CREATE TABLE {SCRATCH}.line (period INTEGER, person_id INTEGER, insurance TEXT, employer_id INTEGER, "
    "region_code TEXT, kind TEXT, base_fen INTEGER, employer_ppm INTEGER, individual_ppm INTEGER, "
    "employer_fen INTEGER, individual_fen INTEGER, run_id INTEGER)"
)


def usable() -> bool:
    """A SQLite database in a file (an in-memory one has no path a second connection
    could share) and no enclosing transaction."""
    return (
        connection.vendor == "sqlite" and not connection.in_atomic_block and not connection.is_in_memory_db()
    )


def _database_path() -> Path:
    return Path(connection.settings_dict["NAME"]).resolve()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def scratch_directory(run_id: int) -> Path:
    """A fresh scratch directory for this run and process; directories of this run left by
    processes that no longer exist (kill -9) are removed first."""
    db = _database_path()
    prefix = f".{db.name}.assess-{int(run_id)}-"
    for old in db.parent.glob(prefix + "*"):
        tail = old.name.removeprefix(prefix)
        if tail.isdigit() and not _alive(int(tail)):
            shutil.rmtree(old, ignore_errors=True)
    path = db.parent / f"{prefix}{os.getpid()}"
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir()
    return path


def _attach(cursor, path: Path) -> None:
    cursor.execute(f"ATTACH DATABASE %s AS {SCRATCH}", [str(path)])


def _detach(cursor) -> None:
    cursor.execute(f"DETACH DATABASE {SCRATCH}")


def compute(*, chunk_sql: str, sums_sql: str, params: dict, path: Path) -> None:
    """Compute one chunk into the scratch file ``path`` (this thread's own connection)."""
    with connection.cursor() as cursor:
        _attach(cursor, path)
        try:
            cursor.execute(f"PRAGMA {SCRATCH}.journal_mode = OFF")
            cursor.execute(f"PRAGMA {SCRATCH}.synchronous = OFF")
            cursor.execute(_SCRATCH_LINE)
            # One statement: its reads see one snapshot of the register.
            cursor.execute(chunk_sql, params)
            cursor.execute(f"CREATE TABLE {SCRATCH}.part AS {sums_sql}", params)
        finally:
            _detach(cursor)


def write(
    *,
    run: AssessmentRun,
    chunk: AssessmentChunk,
    path: Path,
    delete_sql: str,
    other_sums_sql: str,
    params: dict,
) -> int | None:
    """Copy a computed chunk into the real tables in one transaction; None when the
    chunk was already done (another process got there first)."""
    line, part = ContributionLine._meta.db_table, BillPart._meta.db_table
    part_columns = "chunk_id, payer_type, payer_id, kind, region_code, employer_fen, individual_fen, lines"
    with connection.cursor() as cursor:
        _attach(cursor, path)
        try:
            with transaction.atomic():
                if not AssessmentChunk.objects.filter(pk=chunk.pk, done_at__isnull=True).exists():
                    return None
                cursor.execute(delete_sql, params)
                cursor.execute(
                    f"INSERT INTO {line} ({LINE_COLUMNS}) SELECT {LINE_COLUMNS} FROM {SCRATCH}.line"  # noqa: S608
                )
                written = cursor.rowcount
                cursor.execute(f"DELETE FROM {part} WHERE chunk_id = %s", [chunk.pk])  # noqa: S608
                cursor.execute(
                    f"INSERT INTO {part} ({part_columns}) SELECT %(chunk)s, payer_type, payer_id, kind, "  # noqa: S608
                    f"region_code, er, ee, n FROM {SCRATCH}.part",
                    {"chunk": chunk.pk},
                )
                cursor.execute(
                    f"INSERT INTO {part} ({part_columns}) SELECT %(chunk)s, payer_type, payer_id, kind, "  # noqa: S608
                    f"region_code, er, ee, n FROM ({other_sums_sql}) s",
                    {**params, "chunk": chunk.pk},
                )
                AssessmentChunk.objects.filter(pk=chunk.pk).update(lines=written, done_at=timezone.now())
                AssessmentRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)
        finally:
            _detach(cursor)
    return written


def run_chunks(
    *,
    run: AssessmentRun,
    workers: int,
    chunk_sql: str,
    sums_sql: str,
    delete_sql: str,
    other_sums_sql: str,
    params_for: Callable[[AssessmentChunk], dict],
    progress: Callable[[AssessmentRun], None] | None,
) -> None:
    """Process the run's unfinished chunks: ``workers`` computing threads, this thread
    writing. Any error stops the threads and is raised here; the scratch directory is
    removed in every case."""
    chunks = list(run.chunks.filter(done_at__isnull=True).order_by("lo"))
    if not chunks:
        return
    scratch = scratch_directory(run.pk)
    todo: queue.SimpleQueue[AssessmentChunk] = queue.SimpleQueue()
    for chunk in chunks:
        todo.put(chunk)
    ready: queue.SimpleQueue[tuple[AssessmentChunk | None, Path | BaseException]] = queue.SimpleQueue()
    # Computed chunks waiting for the writer are bounded (disk, and no point running ahead).
    slots = threading.Semaphore(workers + 1)
    stop = threading.Event()

    def computing() -> None:
        try:
            batch_connection_tune()
            while not stop.is_set():
                while not slots.acquire(timeout=0.2):
                    if stop.is_set():
                        return
                try:
                    chunk = todo.get_nowait()
                except queue.Empty:
                    slots.release()
                    return
                path = scratch / f"chunk-{chunk.pk}.sqlite3"
                compute(chunk_sql=chunk_sql, sums_sql=sums_sql, params=params_for(chunk), path=path)
                ready.put((chunk, path))
        except BaseException as exc:  # handed to the writer, which raises it
            ready.put((None, exc))
        finally:
            connection.close()

    threads = [
        threading.Thread(target=computing, name=f"assess-{run.pk}-compute-{i}", daemon=True)
        for i in range(max(1, workers))
    ]
    try:
        for thread in threads:
            thread.start()
        for _ in chunks:
            chunk, item = ready.get()
            if chunk is None:
                raise item  # type: ignore[misc]
            assert isinstance(item, Path)
            write(run=run, chunk=chunk, path=item, delete_sql=delete_sql, other_sums_sql=other_sums_sql,
                  params=params_for(chunk))  # fmt: skip
            item.unlink(missing_ok=True)
            slots.release()
            if progress is not None:
                run.refresh_from_db()
                progress(run)
    finally:
        stop.set()
        for thread in threads:
            thread.join()
        shutil.rmtree(scratch, ignore_errors=True)
