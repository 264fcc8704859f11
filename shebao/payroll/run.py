"""The monthly payroll (养老金社会化发放): set-based SQL in person-id chunks, idempotent
and resumable, the same design as the contribution assessment (ADR 0009).

1. ``payroll_start`` records the run and its chunks [lo, hi) over the payees' person ids
   (or returns the unfinished run of the period).
2. ``payroll_execute`` processes each chunk in its own transaction: delete the chunk's
   payments and offsets of the period, release the adjustments it had settled, then
   insert the normal payments, the back-pay and reissues due, and the recovery offsets
   (negative payments, with a Recovery row each), update the chunk's receivables and
   mark the chunk done. A killed run leaves whole chunks only; running again skips the
   chunks marked done. A rerun of a finished period rewrites identical payments.
3. One BankBatch per bank as sums over the period's payments (so a batch total is the sum
   of its payments by construction) and its bank file; run totals; the audit entry.

On PostgreSQL the chunks are shared among worker connections (SKIP LOCKED claims).
No Python loop touches a payee except the bank-file writer (it must decrypt accounts).
"""

from __future__ import annotations

import binascii
import contextlib
import csv
import hashlib
import io
import os
import queue
import threading
from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Max, Min
from django.utils import timezone

from shebao.accounts.rules.permissions import Perm
from shebao.kernel.audit import audit_record
from shebao.kernel.batchdb import batch_connection_tune, batch_transaction_tune
from shebao.kernel.crypto import keyring
from shebao.kernel.rules.periods import Period
from shebao.payroll import hooks
from shebao.payroll.codes import BANKS, RunStatus
from shebao.payroll.files import bank_dir
from shebao.payroll.models import (
    Adjustment,
    BankBatch,
    Payee,
    Payment,
    PayrollChunk,
    PayrollRun,
    Receivable,
    Recovery,
)
from shebao.payroll.services import PayrollError, _grant, _post, parse_period

DEFAULT_CHUNK = 100_000
Progress = Callable[[PayrollRun], None]

PAYEE = Payee._meta.db_table
PAYMENT = Payment._meta.db_table
ADJ = Adjustment._meta.db_table
REC = Receivable._meta.db_table
RCV = Recovery._meta.db_table

_RANGE = "person_id >= %(lo)s AND person_id < %(hi)s"

# Identifiers are model table names; every value is bound.
_STEPS = [
    f"DELETE FROM {PAYMENT} WHERE period = %(period)s AND {_RANGE}",  # noqa: S608
    f"DELETE FROM {RCV} WHERE kind = 'offset' AND period = %(period)s AND {_RANGE}",  # noqa: S608
    f"UPDATE {ADJ} SET settled_period = NULL WHERE settled_period = %(period)s AND {_RANGE}",  # noqa: S608
    # The month's amount of every payee in pay this period.
    f"""INSERT INTO {PAYMENT} (run_id, period, person_id, payee_id, kind, amount_fen, bank_code, status, ref_id)
    SELECT %(run)s, %(period)s, p.person_id, p.id, 'normal',
           CASE WHEN %(period)s >= p.amount_from THEN p.monthly_fen ELSE p.prev_monthly_fen END,
           p.bank_code, 'sent', NULL
    FROM {PAYEE} p
    WHERE p.person_id >= %(lo)s AND p.person_id < %(hi)s
      AND p.from_period <= %(period)s AND (p.to_period IS NULL OR p.to_period >= %(period)s)
      AND NOT (p.suspended_from IS NOT NULL AND %(period)s >= p.suspended_from
               AND (p.resumed_from IS NULL OR %(period)s < p.resumed_from))""",  # noqa: S608
    # Back-pay and reissues due by this period.
    f"""INSERT INTO {PAYMENT} (run_id, period, person_id, payee_id, kind, amount_fen, bank_code, status, ref_id)
    SELECT %(run)s, %(period)s, a.person_id, a.payee_id, a.kind, a.amount_fen, p.bank_code, 'sent', a.id
    FROM {ADJ} a JOIN {PAYEE} p ON p.id = a.payee_id
    WHERE a.person_id >= %(lo)s AND a.person_id < %(hi)s AND a.settled_period IS NULL
      AND a.due_period <= %(period)s AND a.held = %(false)s""",  # noqa: S608
    f"""UPDATE {ADJ} SET settled_period = %(period)s
    WHERE person_id >= %(lo)s AND person_id < %(hi)s AND settled_period IS NULL
      AND due_period <= %(period)s AND held = %(false)s""",  # noqa: S608
    # Offsets: at most the receivable's share of the month's normal payment, at most what
    # is still outstanding (offsets of this period were deleted above).
    f"""INSERT INTO {RCV} (receivable_id, person_id, kind, period, amount_fen, note, at)
    SELECT x.id, x.person_id, 'offset', %(period)s,
           CASE WHEN x.outstanding < x.cap THEN x.outstanding ELSE x.cap END, '', %(now)s
    FROM (
      SELECT r.id, r.person_id, (n.amount_fen * r.offset_ppm) / 1000000 AS cap,
             r.amount_fen - COALESCE((SELECT SUM(v.amount_fen) FROM {RCV} v WHERE v.receivable_id = r.id), 0)
               AS outstanding
      FROM {REC} r JOIN {PAYMENT} n ON n.period = %(period)s AND n.person_id = r.person_id
                                     AND n.payee_id = r.payee_id AND n.kind = 'normal'
      WHERE r.person_id >= %(lo)s AND r.person_id < %(hi)s AND r.offset_ppm > 0
    ) x
    WHERE x.outstanding > 0 AND x.cap > 0""",  # noqa: S608
    f"""INSERT INTO {PAYMENT} (run_id, period, person_id, payee_id, kind, amount_fen, bank_code, status, ref_id)
    SELECT %(run)s, %(period)s, v.person_id, r.payee_id, 'recovery', -v.amount_fen, p.bank_code, 'sent', r.id
    FROM {RCV} v JOIN {REC} r ON r.id = v.receivable_id JOIN {PAYEE} p ON p.id = r.payee_id
    WHERE v.kind = 'offset' AND v.period = %(period)s AND v.person_id >= %(lo)s AND v.person_id < %(hi)s""",  # noqa: S608
    f"""UPDATE {REC} SET
      recovered_fen = COALESCE((SELECT SUM(v.amount_fen) FROM {RCV} v WHERE v.receivable_id = {REC}.id), 0),
      status = CASE
        WHEN COALESCE((SELECT SUM(v.amount_fen) FROM {RCV} v WHERE v.receivable_id = {REC}.id), 0) >= amount_fen
          THEN 'recovered'
        WHEN offset_ppm > 0 THEN 'offsetting' ELSE 'open' END
    WHERE person_id >= %(lo)s AND person_id < %(hi)s""",  # noqa: S608
]


@transaction.atomic
def payroll_start(*, actor, period: object, chunk_size: int = DEFAULT_CHUNK) -> PayrollRun:
    """Record a run of ``period`` (or return its unfinished run)."""
    p = parse_period(period)
    region = settings.SHEBAO_CITY_CODE
    grant = _grant(actor, (Perm.PAYROLL_RUN,), region)
    if isinstance(chunk_size, bool) or not 1 <= int(chunk_size) <= 1_000_000:
        raise PayrollError(field="chunk_size", zh="分块大小不合理", en="implausible chunk size")
    runs = PayrollRun.objects.select_for_update().filter(period=p)
    if runs.filter(status=RunStatus.CLOSED).exists():
        raise PayrollError(
            field="period",
            zh="该月银行回盘已导入，发放已关闭",
            en="the bank returns of this period are applied: it is closed",
        )
    unfinished = (
        runs.filter(status__in=[RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.FAILED])
        .order_by("-id")
        .first()
    )
    if unfinished is not None:
        return unfinished
    before = hooks.run_before_start(period=int(p))  # e.g. deaths recorded in the register
    run = PayrollRun.objects.create(
        period=p,
        region_code=region,
        chunk_size=int(chunk_size),
        requested_by=actor.get_username() if hasattr(actor, "get_username") else "system",
        created_at=timezone.now(),
    )
    bounds = Payee.objects.aggregate(lo=Min("person_id"), hi=Max("person_id"))
    if bounds["lo"] is not None:
        lo, hi = bounds["lo"], bounds["hi"]
        PayrollChunk.objects.bulk_create(
            PayrollChunk(run=run, lo=start, hi=min(start + run.chunk_size, hi + 1))
            for start in range(lo, hi + 1, run.chunk_size)
        )
    run.chunks_total = run.chunks.count()
    run.save(update_fields=["chunks_total"])
    audit_record(
        action="payroll.start",
        object_type="payroll_run",
        object_id=run.pk,
        after={
            "period": p,
            "chunks": run.chunks_total,
            **({"before_start": before} if any(before.values()) else {}),
        },
        actor=actor,
        post=_post(grant),
    )
    return run


def _params(run: PayrollRun, chunk: PayrollChunk) -> dict:
    return {
        "lo": chunk.lo,
        "hi": chunk.hi,
        "period": run.period,
        "run": run.pk,
        "now": timezone.now(),
        "false": False,
    }


def _run_chunk(run: PayrollRun, chunk: PayrollChunk) -> None:
    params = _params(run, chunk)
    with transaction.atomic():
        batch_transaction_tune()
        with connection.cursor() as cursor:
            for sql in _STEPS:
                cursor.execute(sql, params)
        PayrollChunk.objects.filter(pk=chunk.pk).update(done_at=timezone.now())
        PayrollRun.objects.filter(pk=run.pk).update(chunks_done=F("chunks_done") + 1)


def _claim_and_run(run: PayrollRun) -> bool:
    with transaction.atomic():
        chunk = (
            PayrollChunk.objects.select_for_update(skip_locked=True)
            .filter(run_id=run.pk, done_at__isnull=True)
            .order_by("lo")
            .first()
        )
        if chunk is None:
            return False
        _run_chunk(run, chunk)
    return True


def payroll_workers(requested: int | None = None) -> int:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, min(int(requested or os.cpu_count() or 1), 8))


def _parallel(run: PayrollRun, workers: int, progress: Progress | None) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            while not errors and _claim_and_run(run):
                pass
        except BaseException as exc:  # re-raised below
            errors.append(exc)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, name=f"payroll-{run.pk}-{i}", daemon=True) for i in range(workers)
    ]
    for thread in threads:
        thread.start()
    while any(t.is_alive() for t in threads):
        for thread in threads:
            thread.join(timeout=0.5)
        if progress is not None:
            run.refresh_from_db()
            progress(run)
    if errors:
        raise errors[0]


def _yuan(fen: int) -> str:
    sign, fen = ("-", -fen) if fen < 0 else ("", fen)
    return f"{sign}{fen // 100}.{fen % 100:02d}"


# One file line per payee and bank with a positive net amount in the period, read chunk
# by chunk along the (period, person_id) index; the database writes the amount and the
# reference, Python only decrypts the account. Sums are cast back to BIGINT (PostgreSQL
# sums bigints as numeric, which psycopg would turn into Decimal).
def _net_sql() -> str:
    if connection.vendor == "postgresql":
        cents = "RIGHT('0' || CAST(n.net %% 100 AS TEXT), 2)"
    else:
        cents = "substr('0' || (n.net %% 100), -2)"
    return f"""SELECT n.bank_code, n.net, p.account,
       CAST(n.net / 100 AS TEXT) || '.' || {cents} || ',' || %(prefix)s || CAST(n.payee_id AS TEXT)
FROM (SELECT payee_id, bank_code, CAST(SUM(amount_fen) AS BIGINT) AS net
      FROM {PAYMENT} WHERE period = %(period)s AND person_id >= %(lo)s AND person_id < %(hi)s
      GROUP BY payee_id, bank_code) n
JOIN {PAYEE} p ON p.id = n.payee_id AND p.person_id >= %(lo)s AND p.person_id < %(hi)s
WHERE n.net > 0"""  # noqa: S608 - constant identifiers


_TOTALS = f"""SELECT COUNT(*), CAST(COALESCE(SUM(amount_fen), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN kind IN ('backpay', 'reissue') THEN amount_fen ELSE 0 END), 0) AS BIGINT),
    CAST(COALESCE(SUM(CASE WHEN kind = 'recovery' THEN -amount_fen ELSE 0 END), 0) AS BIGINT)
FROM {PAYMENT} WHERE period = %(period)s"""  # noqa: S608 - constant identifiers


def _decryptor() -> Callable[[str], str]:
    """The kernel's AES-GCM decryption of ``payee.account`` values without the per-call
    overhead (a million accounts per payroll); same format, same keys, same checks."""
    ring = keyring()
    keys, aad = ring.keys, b"payee.account"

    def decrypt(stored: str) -> str:
        kid, _, payload = stored.partition("$")
        key = keys.get(kid)
        if key is None:
            return ring.decrypt(stored, aad="payee.account")  # raises the kernel's error
        raw = binascii.a2b_base64(payload)
        return key.decrypt(raw[:12], raw[12:], aad).decode("utf-8")

    return decrypt


class _BankFile:
    """CSV, UTF-8: header; one line per account (the payee's net amount of the period);
    a totals line; a line with the SHA-256 of all the bytes before it."""

    def __init__(self, folder: Path, run: PayrollRun, bank: str) -> None:
        self.bank = bank
        self.name = f"payroll-{run.period}-{bank}-run{run.pk}.csv"
        self.path = folder / self.name
        self.tmp = folder / (self.name + ".part")
        self.out = open(self.tmp, "wb")  # noqa: SIM115 - closed in close()
        self.digest = hashlib.sha256()
        # Every field is ASCII digits, letters, "." or "-": no CSV quoting is ever needed.
        self.lines: list[str] = ["bank,account,amount,reference\n"]
        self.count = 0
        self.total = 0

    def flush(self) -> None:
        data = "".join(self.lines).encode("utf-8")
        self.lines.clear()
        self.digest.update(data)
        self.out.write(data)

    def close(self) -> str:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerow(
            ["TOTAL", self.count, _yuan(self.total), BANKS.get(self.bank, self.bank)]
        )
        self.lines.append(buf.getvalue())
        self.flush()
        checksum = self.digest.hexdigest()
        self.out.write(f"SHA256,{checksum}\n".encode("ascii"))
        self.out.close()
        os.replace(self.tmp, self.path)
        return checksum


def _fetch_net(period: int, lo: int, hi: int) -> list[tuple]:
    with transaction.atomic():
        batch_transaction_tune()
        with connection.cursor() as cursor:
            cursor.execute(_net_sql(), {"period": period, "lo": lo, "hi": hi, "prefix": f"P{period}-"})
            return cursor.fetchall()


def _net_rows(period: int, bounds: list[tuple[int, int]]):
    """The chunks' net lines in order. Outside a transaction a second connection reads
    the next chunk while this thread writes the files (the database and Python overlap
    on two cores); inside one (tests) they are read here."""
    if connection.in_atomic_block:
        for lo, hi in bounds:
            yield _fetch_net(period, lo, hi)
        return
    out: queue.Queue = queue.Queue(maxsize=2)
    stop = threading.Event()

    def produce() -> None:
        try:
            for lo, hi in bounds:
                if stop.is_set():
                    break
                out.put(_fetch_net(period, lo, hi))
            out.put(None)
        except BaseException as exc:  # handed to the consumer
            out.put(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=produce, name="payroll-files", daemon=True)
    thread.start()
    try:
        while (item := out.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):
                out.get(timeout=0.1)
        thread.join()


def _finish(run: PayrollRun) -> None:
    """Bank batches and files in one pass over the period's payments (chunk by chunk),
    so a batch's count and total are by construction those of its file lines, and the
    run's totals the sums of its payments."""
    folder = bank_dir()
    folder.mkdir(parents=True, exist_ok=True)
    files: dict[str, _BankFile] = {}
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {PAYMENT}")  # fresh statistics after a million inserts
    span = run.chunks.aggregate(lo=Min("lo"), hi=Max("hi"))
    bounds = [(c.lo, c.hi) for c in run.chunks.order_by("lo")]
    # Payments of persons outside the chunks' span (none unless payees came in meanwhile).
    bounds += [(-(2**62), span["lo"] or 0), (span["hi"] or 0, 2**62)]
    with transaction.atomic(), connection.cursor() as cursor:
        batch_transaction_tune()
        cursor.execute(_TOTALS, {"period": run.period})
        payments, total, backpay, recovered = (int(v) for v in cursor.fetchone())
    decrypt = _decryptor()
    try:
        for rows in _net_rows(run.period, bounds):
            for bank, net, account, tail in rows:
                f = files.get(bank)
                if f is None:
                    f = files[bank] = _BankFile(folder, run, bank)
                f.lines.append(f"{bank},{decrypt(account)},{tail}\n")
                f.count += 1
                f.total += net
            for f in files.values():
                f.flush()
        totals = {
            "payments": payments,
            "payees": sum(f.count for f in files.values()),
            "total": total,
            "backpay": backpay,
            "recovered": recovered,
        }
        checksums = {bank: f.close() for bank, f in files.items()}
    finally:
        for f in files.values():
            if not f.out.closed:
                f.out.close()
    now = timezone.now()
    with transaction.atomic():
        BankBatch.objects.filter(run_id=run.pk).delete()
        BankBatch.objects.bulk_create(
            BankBatch(
                run_id=run.pk,
                period=run.period,
                bank_code=bank,
                count=f.count,
                total_fen=f.total,
                file_name=f.name,
                checksum=checksums[bank],
                created_at=now,
            )
            for bank, f in sorted(files.items())
        )
        PayrollRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE,
            finished_at=now,
            payments=totals["payments"],
            payees=totals["payees"],
            total_fen=totals["total"],
            backpay_fen=totals["backpay"],
            recovered_fen=totals["recovered"],
            error="",
        )
        audit_record(
            action="payroll.done",
            object_type="payroll_run",
            object_id=run.pk,
            after={
                "period": run.period,
                "payments": totals["payments"],
                "payees": totals["payees"],
                "total_fen": totals["total"],
                "backpay_fen": totals["backpay"],
                "recovered_fen": totals["recovered"],
                "batches": {bank: [f.count, f.total] for bank, f in sorted(files.items())},
            },
        )


def payroll_execute(
    *, run_id: int, progress: Progress | None = None, workers: int | None = None
) -> PayrollRun:
    """Process the run's remaining chunks, then bank batches, files and totals."""
    run = PayrollRun.objects.get(pk=run_id)
    if run.status in (RunStatus.DONE, RunStatus.CLOSED):
        return run
    batch_connection_tune()
    PayrollRun.objects.filter(pk=run.pk).update(
        status=RunStatus.RUNNING, started_at=run.started_at or timezone.now()
    )
    try:
        n = payroll_workers(workers)
        if n > 1:
            _parallel(run, n, progress)
        else:
            for chunk in run.chunks.filter(done_at__isnull=True).order_by("lo"):
                _run_chunk(run, chunk)
                if progress is not None:
                    run.refresh_from_db()
                    progress(run)
        _finish(run)
    except Exception as exc:
        PayrollRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        raise
    run.refresh_from_db()
    return run


def payroll_run(
    *,
    actor,
    period: object,
    chunk_size: int = DEFAULT_CHUNK,
    progress: Progress | None = None,
    workers: int | None = None,
) -> PayrollRun:
    """Start (or resume) and execute the payroll of ``period`` in this process."""
    run = payroll_start(actor=actor, period=period, chunk_size=chunk_size)
    return payroll_execute(run_id=run.pk, progress=progress, workers=workers)


def next_period_of(period: int) -> int:
    return int(Period.from_int(period) + 1)
