"""API schemas and error mapping of the unemployment app (citizen and staff APIs)."""

from ninja import Schema

from shebao.kernel.rules.money import fen_to_yuan
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, api_errors_for, language
from shebao.unemployment import selectors
from shebao.unemployment.errors import UnemploymentError
from shebao.unemployment.services import SEPARATION_LABELS, STOP_LABELS

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors", "claim_out", "language", "parameter_out"]


def _y(fen: int | None) -> str:
    return str(fen_to_yuan(fen)) if fen is not None else ""


class PaymentOut(Schema):
    period: int
    kind: str
    amount: str
    status: str


class MedicalMonthOut(Schema):
    period: int
    base: str
    rate: str
    amount: str
    fund: str


class ChangeOut(Schema):
    action: str
    status: str
    from_period: int | None
    reason: str
    actor: str
    at: str


class ClaimOut(Schema):
    id: int
    reference: str
    person_id: int
    status: str
    separation: str
    registered_on: str
    contribution_months: int
    new_months: int
    carried_months: int
    entitlement_months: int
    first_period: int
    last_period: int
    paid_to: int
    extension_months: int
    retirement_period: int | None
    payable_months: int
    used_months: int
    remaining_months: int
    unused_months: int
    stop_reason: str
    stop_label: str
    separation_label: str
    stopped_from: int | None
    steps: list[dict]
    payments: list[PaymentOut] = []
    changes: list[ChangeOut] = []


def _label(labels: dict, code: str) -> str:
    return next((zh for key, (zh, _en) in labels.items() if key == code), code)


def claim_out(claim, *, detail: bool = False) -> dict:
    usage = selectors.claim_usage(claim)
    out = {
        "id": claim.pk, "reference": claim.reference, "person_id": claim.person_id, "status": claim.status,
        "separation": claim.separation, "registered_on": claim.registered_on.isoformat(),
        "contribution_months": claim.contribution_months, "new_months": claim.new_months,
        "carried_months": claim.carried_months, "entitlement_months": claim.entitlement_months,
        "first_period": claim.first_period, "last_period": claim.last_period, "paid_to": claim.paid_to,
        "extension_months": claim.extension_months, "retirement_period": claim.retirement_period,
        "payable_months": usage.payable_months, "used_months": usage.used_months,
        "remaining_months": usage.remaining_months, "unused_months": claim.unused_months,
        "stop_reason": claim.stop_reason, "stopped_from": claim.stopped_from,
        "stop_label": _label(STOP_LABELS, claim.stop_reason), "separation_label": _label(SEPARATION_LABELS, claim.separation),
        "steps": [{"from_period": p, "monthly": _y(fen)} for p, fen in claim.steps],
    }  # fmt: skip
    if detail:
        out["payments"] = [
            {"period": p.period, "kind": p.kind, "amount": _y(p.amount_fen), "status": p.status}
            for p in selectors.claim_payments(claim)
        ]
        out["changes"] = [
            {"action": c.action, "status": c.status, "from_period": c.from_period, "reason": c.reason,
             "actor": c.actor, "at": c.at.isoformat()}
            for c in selectors.claim_changes(claim=claim)
        ]  # fmt: skip
    return out


def medical_out(row) -> dict:
    return {"period": row.period, "base": _y(row.base_fen), "rate": f"{row.rate_ppm / 1_000_000:.6f}",
            "amount": _y(row.amount_fen), "fund": row.fund}  # fmt: skip


class MyUnemploymentOut(Schema):
    claims: list[ClaimOut]
    medical: list[MedicalMonthOut]


class ParameterOut(Schema):
    id: int
    jurisdiction: str
    valid_from: int
    valid_to: int | None
    minimum_wage: str
    dibao: str
    first: str
    later: str
    extension: str
    medical_base: str
    medical_rate: str
    source_doc: str


def parameter_out(row) -> dict:
    return {
        "id": row.pk, "jurisdiction": row.jurisdiction, "valid_from": row.valid_from, "valid_to": row.valid_to,
        "minimum_wage": _y(row.minimum_wage_fen), "dibao": _y(row.dibao_fen), "first": _y(row.first_fen),
        "later": _y(row.later_fen), "extension": _y(row.extension_fen), "medical_base": _y(row.medical_base_fen),
        "medical_rate": f"{row.medical_rate_ppm / 1_000_000:.6f}", "source_doc": row.source_doc,
    }  # fmt: skip


class ParameterIn(Schema):
    jurisdiction: str
    valid_from: str
    valid_to: str | None = None
    minimum_wage: str
    dibao: str
    first: str
    later: str
    extension: str
    medical_base: str
    medical_rate: str
    source_doc: str
    note: str = ""


class StopIn(Schema):
    reason: str
    from_period: str


class TransferOut(Schema):
    period: int
    recipients: int
    total: str
    computed_at: str


def transfer_out(row) -> dict:
    return {"period": row.period, "recipients": row.recipients, "total": _y(row.total_fen),
            "computed_at": row.computed_at.isoformat()}  # fmt: skip


api_errors = api_errors_for(UnemploymentError)
"""UnemploymentError → 400, AccessDenied → 403, NotFound → 404 ({field, message, message_en})."""
