"""操作留痕: the one way to record a business write.

Call ``audit_record`` inside the service's ``transaction.atomic`` block, after the
write: the entry commits or rolls back with the change it describes. Appends are
serialised through ``AuditHead`` (row lock on PostgreSQL; SQLite transactions are
already serial), which keeps ``seq`` dense and the chain linear.
"""

from __future__ import annotations

import contextvars
import datetime as dt
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import connection, transaction
from django.utils import timezone

from shebao.kernel.models import AuditEntry, AuditHead, DataAccess
from shebao.kernel.rules.auditchain import GENESIS, canonical_json, entry_hash, scrub


@dataclass(frozen=True)
class AuditContext:
    request_id: str
    actor_id: int | None = None
    actor_label: str = ""
    post: str = ""
    region_code: str = ""


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "shebao_audit_context", default=None
)


def current_context() -> AuditContext:
    ctx = _context.get()
    if ctx is None:
        return AuditContext(request_id=f"cli-{uuid.uuid4().hex[:16]}", actor_label="system")
    return ctx


@contextmanager
def audit_context(
    *, request_id: str | None = None, actor=None, post: str = "", region_code: str = "", actor_label: str = ""
) -> Iterator[AuditContext]:
    """Set who is acting for the enclosed block (web request, API call, command)."""
    ctx = AuditContext(
        request_id=request_id or uuid.uuid4().hex,
        actor_id=getattr(actor, "pk", None),
        actor_label=actor_label
        or (actor.get_username() if actor is not None and hasattr(actor, "get_username") else ""),
        post=post,
        region_code=region_code,
    )
    token = _context.set(ctx)
    try:
        yield ctx
    finally:
        _context.reset(token)


def _actor_fields(actor, post: str = "") -> dict:
    ctx = current_context()
    if actor is None:
        return {
            "actor_id": ctx.actor_id,
            "actor_label": ctx.actor_label or "system",
            "post": post or ctx.post,
            "region_code": ctx.region_code,
        }
    return {
        "actor_id": getattr(actor, "pk", None),
        "actor_label": actor.get_username() if hasattr(actor, "get_username") else str(actor),
        "post": post or ctx.post,
        "region_code": ctx.region_code or getattr(actor, "region_code", "") or "",
    }


def audit_record(
    *,
    action: str,
    object_type: str = "",
    object_id: object = "",
    before: Mapping[str, object] | None = None,
    after: Mapping[str, object] | None = None,
    actor=None,
    post: str = "",
) -> AuditEntry:
    """Append one entry to the chain. Must run inside the caller's transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside transaction.atomic (same transaction as the write)"
        )
    batch = _batch.get()
    if batch is not None:
        head_seq, head_hash = batch.head()
    else:
        head = _lock_head()
        head_seq, head_hash = head.seq, head.hash
    now = timezone.now().astimezone(dt.UTC)
    entry = {
        "seq": head_seq + 1,
        "at": now.isoformat(timespec="microseconds"),
        **_actor_fields(actor, post),
        "action": action,
        "object_type": object_type,
        "object_id": str(object_id),
        "before": canonical_json(scrub(dict(before))) if before is not None else "",
        "after": canonical_json(scrub(dict(after))) if after is not None else "",
        "request_id": current_context().request_id,
    }
    digest = entry_hash(head_hash, entry)
    row = AuditEntry(
        seq=entry["seq"],
        at=now,
        actor_id=entry["actor_id"],
        actor_label=entry["actor_label"],
        post=entry["post"],
        region_code=entry["region_code"],
        action=action,
        object_type=object_type,
        object_id=entry["object_id"],
        before=entry["before"],
        after=entry["after"],
        request_id=entry["request_id"],
        prev_hash=head_hash,
        hash=digest,
    )
    if batch is not None:
        batch.add(row)
        return row
    row.save(force_insert=True)
    AuditHead.objects.filter(id=1).update(seq=entry["seq"], hash=digest)
    return row


def _lock_head() -> AuditHead:
    head, _ = AuditHead.objects.select_for_update().get_or_create(id=1, defaults={"seq": 0, "hash": GENESIS})
    return head


class _AuditBatch:
    def __init__(self) -> None:
        self.rows: list[AuditEntry] = []
        self._head: tuple[int, str] | None = None

    def head(self) -> tuple[int, str]:
        if self._head is None:
            locked = _lock_head()
            self._head = (locked.seq, locked.hash)
        return self._head

    def add(self, row: AuditEntry) -> None:
        self.rows.append(row)
        self._head = (row.seq, row.hash)


_batch: contextvars.ContextVar[_AuditBatch | None] = contextvars.ContextVar(
    "shebao_audit_batch", default=None
)


@contextmanager
def audit_batch(*, chunk: int = 1000) -> Iterator[None]:
    """Write the audit entries of a bulk operation together: the chain head is locked
    once and the entries are inserted with one multi-row INSERT per ``chunk`` when the
    block ends, instead of four statements per entry.

    Use it inside the operation's ``transaction.atomic`` and only where any error
    aborts the whole transaction (an all-or-nothing batch): entries recorded inside
    an inner savepoint that rolls back would otherwise still be written.
    """
    if not connection.in_atomic_block:
        raise RuntimeError("audit_batch must be used inside transaction.atomic")
    if _batch.get() is not None:  # nested: the outer batch writes everything
        yield
        return
    batch = _AuditBatch()
    token = _batch.set(batch)
    try:
        yield
    except BaseException:
        _batch.reset(token)
        raise
    _batch.reset(token)
    if not batch.rows or transaction.get_rollback():
        return
    AuditEntry.objects.bulk_create(batch.rows, batch_size=chunk)
    last = batch.rows[-1]
    AuditHead.objects.filter(id=1).update(seq=last.seq, hash=last.hash)


def chain_dict(row: AuditEntry) -> dict:
    """A stored entry → the dict the chain hashes (timestamps as UTC ISO text)."""
    return {
        "seq": row.seq,
        "at": row.at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "actor_id": row.actor_id,
        "actor_label": row.actor_label,
        "post": row.post,
        "region_code": row.region_code,
        "action": row.action,
        "object_type": row.object_type,
        "object_id": row.object_id,
        "before": row.before,
        "after": row.after,
        "request_id": row.request_id,
        "prev_hash": row.prev_hash,
        "hash": row.hash,
    }


def audit_verify_database(*, chunk: int = 5000):
    """Walk the whole chain in seq order, in chunks; return (count, first Break or None)."""
    from shebao.kernel.rules.auditchain import Break, verify_chain

    total = 0
    prev = GENESIS
    last_seq = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last_seq).order_by("seq")[:chunk])
        if not rows:
            break
        count, broken = verify_chain((chain_dict(r) for r in rows), start_seq=last_seq + 1, start_hash=prev)
        total += count
        if broken:
            return total, broken
        last_seq, prev = rows[-1].seq, rows[-1].hash
    head = AuditHead.objects.filter(id=1).first()
    if head and (head.seq != last_seq or head.hash != prev):
        return total, Break(
            last_seq + 1,
            f"head says seq {head.seq} but the chain ends at {last_seq} (entries removed at the end)",
        )
    return total, None


def data_access_record(
    *,
    subject_id: int,
    fields: str,
    purpose: str = "",
    channel: str = "",
    actor=None,
    post: str = "",
    subject_type: str = "person",
) -> None:
    """Log a read of personal data (not chained; see ``DataAccess``).

    One plain INSERT, written with a cursor because it sits on the hot path of every
    look-up (the ORM's create() cost ten times the statement itself, see bench/).
    """
    who = _actor_fields(actor, post)
    values = [
        timezone.now(),
        who["actor_id"],
        who["actor_label"][:150],
        str(who["post"])[:32],
        subject_type[:32],
        subject_id,
        fields[:200],
        purpose[:100],
        channel[:16],
        current_context().request_id[:64],
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            _DATA_ACCESS_INSERT, [connection.ops.adapt_datetimefield_value(values[0]), *values[1:]]
        )


_DATA_ACCESS_INSERT = (
    f'INSERT INTO "{DataAccess._meta.db_table}" '  # noqa: S608 - constant identifiers
    "(at, actor_id, actor_label, post, subject_type, subject_id, fields, purpose, channel, request_id) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)"
)
