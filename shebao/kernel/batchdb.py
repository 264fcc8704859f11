"""Connection and transaction settings for the set-based batches (assessment, interest
crediting, payroll).

Both are no-ops where they do not apply, so the batches call them unconditionally.
"""

from __future__ import annotations

from django.db import connection


def batch_connection_tune() -> None:
    """SQLite: a page cache big enough for the line index and in-memory temp B-trees for
    this (batch) connection (PRAGMAs cannot change inside a transaction)."""
    if connection.vendor == "sqlite" and not connection.in_atomic_block:
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")  # 256 MiB
            cursor.execute("PRAGMA temp_store = MEMORY")


def batch_transaction_tune() -> None:
    """PostgreSQL, for the current batch transaction only: hash and sort in memory rather
    than spilling the per-person CTEs and the aggregates to disk; no JIT compilation
    (each chunk's statement is planned afresh and JIT costs more than it saves at this
    size); a plan made for each chunk's own bounds even when psycopg has prepared the
    statement (a connection runs a chunk statement many times, ADR 0012: a generic plan
    for "any id range" could read a whole table per chunk); and do not wait for the WAL
    flush at each chunk's commit (a crash loses at most the last chunks, which are then
    not marked done and are redone: the run stays exact)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SET LOCAL jit = off")
            cursor.execute("SET LOCAL plan_cache_mode = force_custom_plan")
            cursor.execute("SET LOCAL synchronous_commit = off")
