"""Payroll API schemas and error mapping."""

from __future__ import annotations

import functools
from decimal import Decimal

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.kernel.rules.money import MoneyError, fen_to_yuan
from shebao.kernel.rules.periods import PeriodError
from shebao.payroll.services import PayrollError
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, language

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors", "yuan"]


def yuan(fen: int | None) -> Decimal | None:
    return fen_to_yuan(fen)


def _texts(request, exc) -> dict:
    en = exc.message_en
    return {"message": en if language(request).startswith("en") else exc.message_zh, "message_en": en}


def api_errors(view):
    """PayrollError (and the kernels' Money/PeriodError) → 400 naming the field (and row),
    AccessDenied → 403, NotFound → 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (PayrollError, MoneyError, PeriodError) as exc:
            out = {"field": exc.field, **_texts(request, exc)}
            if getattr(exc, "row", None) is not None:
                out["row"] = exc.row
            return Status(400, out)
        except AccessDenied as exc:
            return Status(403, {"field": "", **_texts(request, exc)})
        except NotFound as exc:
            return Status(404, {"field": "", **_texts(request, exc)})

    return wrapper


class RunIn(Schema):
    period: str


class RunOut(Schema):
    id: int
    period: str
    status: str
    chunks_total: int
    chunks_done: int
    payments: int
    payees: int
    total: Decimal
    backpay: Decimal
    recovered: Decimal
    started_at: str | None
    finished_at: str | None
    error: str


class BatchOut(Schema):
    id: int
    run_id: int
    period: str
    bank_code: str
    count: int
    total: Decimal
    checksum: str
    failed_count: int
    failed: Decimal
    returns_applied: bool


class RunDetailOut(RunOut):
    batches: list[BatchOut]


class PayeeIn(Schema):
    person_id: int
    benefit: str
    monthly_amount: str
    from_period: str
    bank_code: str
    account_number: str


class PayeeOut(Schema):
    id: int
    person_id: int
    region_code: str
    benefit: str
    monthly: Decimal
    from_period: str
    to_period: str | None
    status: str
    suspended_from: str | None
    resumed_from: str | None
    stop_reason: str
    bank_code: str
    account: str


class ChangeOut(Schema):
    action: str
    from_period: str | None
    monthly: Decimal | None
    status: str
    reason: str
    actor: str
    at: str


class PaymentOut(Schema):
    period: str
    kind: str
    amount: Decimal
    bank_code: str
    status: str


class PayeeDetailOut(PayeeOut):
    history: list[ChangeOut]
    payments: list[PaymentOut]


class AmountIn(Schema):
    monthly_amount: str
    from_period: str
    reason: str


class SuspendIn(Schema):
    from_period: str
    reason: str


class ResumeIn(Schema):
    from_period: str


class DeathIn(Schema):
    person_id: int
    death_date: str


class ReceivableOut(Schema):
    id: int
    person_id: int
    payee_id: int
    amount: Decimal
    recovered: Decimal
    outstanding: Decimal
    reason: str
    status: str
    offset_percent: Decimal


class OffsetIn(Schema):
    share_percent: str = "50"


class RepayIn(Schema):
    amount: str
    note: str = ""


def _p(v: int | None) -> str | None:
    return None if v is None else f"{int(v):06d}"


def run_out(run) -> dict:
    return {
        "id": run.pk,
        "period": _p(run.period),
        "status": run.status,
        "chunks_total": run.chunks_total,
        "chunks_done": run.chunks_done,
        "payments": run.payments,
        "payees": run.payees,
        "total": yuan(run.total_fen),
        "backpay": yuan(run.backpay_fen),
        "recovered": yuan(run.recovered_fen),
        "started_at": run.started_at.isoformat() if run.started_at else None,
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
        "error": run.error,
    }


def batch_out(b) -> dict:
    return {
        "id": b.pk,
        "run_id": b.run_id,
        "period": _p(b.period),
        "bank_code": b.bank_code,
        "count": b.count,
        "total": yuan(b.total_fen),
        "checksum": b.checksum,
        "failed_count": b.failed_count,
        "failed": yuan(b.failed_fen),
        "returns_applied": b.returns_applied_at is not None,
    }


def payee_out(p) -> dict:
    return {
        "id": p.pk,
        "person_id": p.person_id,
        "region_code": p.region_code,
        "benefit": p.benefit,
        "monthly": yuan(p.monthly_fen),
        "from_period": _p(p.from_period),
        "to_period": _p(p.to_period),
        "status": p.status,
        "suspended_from": _p(p.suspended_from),
        "resumed_from": _p(p.resumed_from),
        "stop_reason": p.stop_reason,
        "bank_code": p.bank_code,
        "account": p.account_masked,
    }


def change_out(c) -> dict:
    return {
        "action": c.action,
        "from_period": _p(c.from_period),
        "monthly": yuan(c.monthly_fen),
        "status": c.status,
        "reason": c.reason,
        "actor": c.actor,
        "at": c.at.isoformat(),
    }


def payment_out(m) -> dict:
    return {
        "period": _p(m.period),
        "kind": m.kind,
        "amount": yuan(m.amount_fen),
        "bank_code": m.bank_code,
        "status": m.status,
    }


def receivable_out(r) -> dict:
    return {
        "id": r.pk,
        "person_id": r.person_id,
        "payee_id": r.payee_id,
        "amount": yuan(r.amount_fen),
        "recovered": yuan(r.recovered_fen),
        "outstanding": yuan(r.amount_fen - r.recovered_fen),
        "reason": r.reason,
        "status": r.status,
        "offset_percent": Decimal(r.offset_ppm) / Decimal(10_000),
    }
