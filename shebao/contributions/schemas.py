"""API shapes of contributions (django-ninja) and the error mapping shared by the three
audience routers (``api_staff``, ``api_employer``, ``api_citizen``).

Conventions: money leaves as decimal strings in yuan (``"1260.00"``), periods as
``"YYYYMM"`` strings, rates as percent strings (``"9.8%"``). Inputs arrive as text (or
JSON numbers) and are parsed by the services, so a bad value gets the contributions'
own bilingual 400 naming the field rather than a bare 422. No ID number ever leaves.
"""

from __future__ import annotations

import datetime as dt
import functools
from decimal import Decimal

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.contributions.codes import ParamKind
from shebao.contributions.rules.errors import ContributionRuleError
from shebao.contributions.rules.rates import percent_text
from shebao.contributions.services import ContributionError
from shebao.kernel.rules.money import MoneyError, fen_to_yuan
from shebao.kernel.rules.periods import Period, PeriodError, period_range
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, language

__all__ = ["ERRORS", "ErrorOut", "NotFound", "api_errors", "error_dict", "parse_period"]


# --- errors -----------------------------------------------------------------------------


def error_dict(exc, lang: str) -> dict:
    """``{field, message, message_en[, row]}`` of any error with bilingual texts."""
    zh = getattr(exc, "message_zh", str(exc))
    en = getattr(exc, "message_en", str(exc))
    out: dict = {"field": getattr(exc, "field", ""), "message": en if lang.startswith("en") else zh, "message_en": en}
    row = getattr(exc, "row", None)
    if row is not None:
        out["row"] = row
    return out


def api_errors(view):
    """Map ContributionError (and the kernels' MoneyError, PeriodError, rule errors) → 400,
    AccessDenied → 403, NotFound → 404, each as ``{field, message, message_en}``."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (ContributionError, ContributionRuleError, MoneyError, PeriodError) as exc:
            return Status(400, error_dict(exc, language(request)))
        except AccessDenied as exc:
            return Status(403, {"field": "", **_texts(request, exc)})
        except NotFound as exc:
            return Status(404, {"field": "", **_texts(request, exc)})

    return wrapper


def _texts(request, exc) -> dict:
    en = exc.message_en
    return {"message": en if language(request).startswith("en") else exc.message_zh, "message_en": en}


def parse_period(value: object, *, field: str = "period") -> int:
    """"YYYYMM" (or an int) → int, or a ContributionError naming ``field``."""
    try:
        return int(Period.parse(value, field=field))
    except PeriodError as exc:
        raise ContributionError(field=exc.field, zh=exc.message_zh, en=exc.message_en) from None


MAX_PERIODS = 120  # ten years of months per request


def periods_between(first: object, last: object) -> list[int]:
    """Every period from ``first`` to ``last`` inclusive (at most ten years)."""
    start, end = parse_period(first, field="from_period"), parse_period(last, field="to_period")
    if end < start:
        raise ContributionError(field="to_period", zh="截止所属期早于起始所属期", en="to_period is before from_period")
    first_p, last_p = Period.from_int(start), Period.from_int(end)
    if first_p.months_until(last_p) > MAX_PERIODS:
        raise ContributionError(
            field="to_period", zh=f"一次最多查询 {MAX_PERIODS} 个月", en=f"at most {MAX_PERIODS} months at a time"
        )
    return [int(p) for p in period_range(first_p, last_p)]


# --- formatting -------------------------------------------------------------------------


def yuan(fen: int | None) -> str | None:
    """Integer fen → "1260.00" (None stays None)."""
    amount = fen_to_yuan(fen)
    return None if amount is None else f"{amount:.2f}"


def period_text(period: int | None) -> str | None:
    return None if period is None else f"{int(period):06d}"


def rate(ppm: int) -> str:
    return percent_text(int(ppm))


def parameter_display(kind: str, value: int) -> str:
    """A parameter value in its unit for people: yuan, percent, or the plain number."""
    unit = ParamKind(kind).unit
    if unit == "fen":
        return yuan(value) or ""
    if unit == "ppm":
        return rate(value)
    if unit == "percent":
        return f"{value}%"
    return str(value)


# --- output -----------------------------------------------------------------------------


class ParameterOut(Schema):
    id: int
    kind: str
    label: str
    key: str
    jurisdiction: str
    valid_from: str
    valid_to: str | None
    value: int
    unit: str
    display: str
    source_doc: str
    note: str


def parameter_out(row) -> dict:
    kind = ParamKind(row.kind)
    return {
        "id": row.pk,
        "kind": kind.value,
        "label": kind.label_zh,
        "key": row.key,
        "jurisdiction": row.jurisdiction,
        "valid_from": period_text(row.valid_from),
        "valid_to": period_text(row.valid_to),
        "value": row.value,
        "unit": kind.unit,
        "display": parameter_display(kind, row.value),
        "source_doc": row.source_doc,
        "note": row.note,
    }


class RateSheetOut(Schema):
    period: str
    region_code: str
    base_floor: str
    base_ceiling: str
    reference_wage: str
    employer_rates: dict[str, str]
    individual_rates: dict[str, str]
    individual_fixed: dict[str, str]
    injury_rates: dict[str, str]
    flexible_rates: dict[str, str]
    account_credit_rate: str
    due_day: int
    base_year_start: int
    flexible_grades: list[int]


def rate_sheet_out(sheet) -> dict:
    return {
        "period": period_text(sheet.period),
        "region_code": sheet.region_code,
        "base_floor": yuan(sheet.floor_fen),
        "base_ceiling": yuan(sheet.ceiling_fen),
        "reference_wage": yuan(sheet.reference_wage_fen),
        "employer_rates": {k: rate(v) for k, v in sheet.employer_ppm.items()},
        "individual_rates": {k: rate(v) for k, v in sheet.individual_ppm.items()},
        "individual_fixed": {k: yuan(v) for k, v in sheet.individual_fixed_fen.items() if v},
        "injury_rates": {str(k): rate(v) for k, v in sheet.injury_ppm.items()},
        "flexible_rates": {k: rate(v) for k, v in sheet.flexible_ppm.items()},
        "account_credit_rate": rate(sheet.account_credit_ppm),
        "due_day": sheet.due_day,
        "base_year_start": sheet.base_year_start,
        "flexible_grades": list(sheet.grades),
    }


class RunOut(Schema):
    id: int
    period: str
    region_code: str
    status: str
    chunk_size: int
    chunks_total: int
    chunks_done: int
    progress_pct: int
    lines: int
    bills: int
    employer_total: str
    individual_total: str
    total: str
    requested_by: str
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    error: str


def run_out(run) -> dict:
    done = 100 if run.status == "done" else (100 * run.chunks_done // run.chunks_total if run.chunks_total else 0)
    return {
        "id": run.pk,
        "period": period_text(run.period),
        "region_code": run.region_code,
        "status": run.status,
        "chunk_size": run.chunk_size,
        "chunks_total": run.chunks_total,
        "chunks_done": run.chunks_done,
        "progress_pct": done,
        "lines": run.lines,
        "bills": run.bills,
        "employer_total": yuan(run.employer_fen),
        "individual_total": yuan(run.individual_fen),
        "total": yuan(run.employer_fen + run.individual_fen),
        "requested_by": run.requested_by,
        "created_at": run.created_at,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "error": run.error,
    }


class RunStartedOut(Schema):
    id: int
    status: str
    period: str
    region_code: str
    chunks_total: int


class BillOut(Schema):
    id: int
    period: str
    payer_type: str
    payer_id: int
    kind: str
    region_code: str
    employer_amount: str
    individual_amount: str
    total: str
    paid: str
    outstanding: str
    lines: int
    status: str
    due_date: dt.date


def bill_out(bill) -> dict:
    return {
        "id": bill.pk,
        "period": period_text(bill.period),
        "payer_type": bill.payer_type,
        "payer_id": bill.payer_id,
        "kind": bill.kind,
        "region_code": bill.region_code,
        "employer_amount": yuan(bill.employer_fen),
        "individual_amount": yuan(bill.individual_fen),
        "total": yuan(bill.total_fen),
        "paid": yuan(bill.paid_fen),
        "outstanding": yuan(max(bill.total_fen - bill.paid_fen, 0)),
        "lines": bill.lines,
        "status": bill.status,
        "due_date": bill.due_date,
    }


class LineOut(Schema):
    period: str
    person_id: int | None
    insurance: str
    employer_id: int | None
    kind: str
    base: str | None
    employer_rate: str
    individual_rate: str
    employer_amount: str
    individual_amount: str
    total: str


def line_out(line) -> dict:
    return {
        "period": period_text(line.period),
        "person_id": line.person_id,
        "insurance": line.insurance,
        "employer_id": line.employer_id,
        "kind": line.kind,
        "base": yuan(line.base_fen),
        "employer_rate": rate(line.employer_ppm),
        "individual_rate": rate(line.individual_ppm),
        "employer_amount": yuan(line.employer_fen),
        "individual_amount": yuan(line.individual_fen),
        "total": yuan(line.employer_fen + line.individual_fen),
    }


class DeclaredOut(Schema):
    person_id: int
    wage: str
    base: str


class DeclarationOut(Schema):
    base_year: int
    declared: int
    rows: list[DeclaredOut]


def declaration_out(base_year: int, rows) -> dict:
    return {
        "base_year": int(base_year),
        "declared": len(rows),
        "rows": [{"person_id": r.person_id, "wage": yuan(r.wage_fen), "base": yuan(r.base_fen)} for r in rows],
    }


class DeclarationUploadOut(Schema):
    ok: bool
    processed: int
    errors: list[ErrorOut]


class MonthlyOut(Schema):
    employer_id: int
    period: str
    headcount: int
    declared_at: dt.datetime
    declared_by: str


def monthly_out(obj) -> dict:
    return {
        "employer_id": obj.employer_id,
        "period": period_text(obj.period),
        "headcount": obj.headcount,
        "declared_at": obj.declared_at,
        "declared_by": obj.declared_by,
    }


class GradeOut(Schema):
    person_id: int
    grade_pct: int
    effective_period: str


def grade_out(obj) -> dict:
    return {"person_id": obj.person_id, "grade_pct": obj.grade_pct, "effective_period": period_text(obj.effective_period)}


# --- input ------------------------------------------------------------------------------

Amount = Decimal | int | str
PeriodIn = int | str


class ParameterIn(Schema):
    kind: str
    key: str = ""
    jurisdiction: str
    valid_from: PeriodIn
    valid_to: PeriodIn | None = None
    value: int | str  # in the kind's unit: fen, ppm, percent, day, month or code
    source_doc: str
    note: str = ""


class RunIn(Schema):
    period: PeriodIn
    region_code: str
    chunk_size: int | None = None


class DeclarationRowIn(Schema):
    id_number: str
    wage: Amount


class DeclarationIn(Schema):
    base_year: int | str
    rows: list[DeclarationRowIn]


class MonthlyIn(Schema):
    period: PeriodIn


class GradeIn(Schema):
    grade_pct: int | str


# --- generic read models ------------------------------------------------------------------
# The read models of history, arrears and collection are frozen dataclasses; ``plain``
# renders them with this module's conventions: ``*_fen`` → yuan text without the suffix,
# ``period`` / ``*_period`` → "YYYYMM", ``Decimal`` yuan → "0.00", a ``rate`` → percent.


def plain(value, key: str = ""):
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {}
        for f in dataclasses.fields(value):
            name = f.name[:-4] if f.name.endswith("_fen") else f.name
            out[name] = plain(getattr(value, f.name), f.name)
        return out
    if isinstance(value, dict):
        return {str(k): plain(v, str(k)) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v, key) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int) and key.endswith("_fen"):
        return yuan(value)
    if isinstance(value, int) and (key == "period" or key.endswith("_period")):
        return period_text(value)
    if isinstance(value, Decimal):
        if key == "rate":
            return f"{(value * 100).normalize():f}%"
        return f"{value:.2f}"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    return value


def payment_out(p) -> dict:
    return {
        "id": p.pk,
        "source": p.source,
        "external_ref": p.external_ref,
        "kind": p.kind,
        "reverses": p.reverses_id,
        "payer_type": p.payer_type,
        "payer_id": p.payer_id,
        "amount": yuan(p.amount_fen),
        "allocated": yuan(p.allocated_fen),
        "credit": yuan(p.amount_fen - p.allocated_fen) if p.kind == "payment" else "0.00",
        "paid_on": p.paid_on.isoformat(),
        "period": period_text(p.period),
        "import_batch": p.import_batch,
    }


class PaymentIn(Schema):
    source: str
    external_ref: str
    payer_type: str
    payer_id: int
    amount: Amount
    paid_on: str
    period: PeriodIn | None = None


class ReversalIn(Schema):
    external_ref: str
    reason: str


class FineIn(Schema):
    payer_type: str
    payer_id: int
    amount: Amount
    reason: str
    decision_ref: str
    decided_on: str


class BackPayEmployerIn(Schema):
    employer_id: int
    person_id: int
    first_period: PeriodIn
    last_period: PeriodIn
    wage: Amount
    evidence: str


class BackPayFlexibleIn(Schema):
    person_id: int
    first_period: PeriodIn
    last_period: PeriodIn
    grade_pct: int | str


class CreditsIn(Schema):
    period: PeriodIn
    region_code: str


class InterestIn(Schema):
    year: int | str
    region_code: str | None = None


def parse_date(value: object, *, field: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise ContributionError(field=field, zh="日期格式应为 YYYY-MM-DD", en="the date must be YYYY-MM-DD") from None
