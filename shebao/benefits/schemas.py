"""API schemas and error mapping of the benefits app (citizen and public APIs)."""

import functools
from decimal import Decimal, InvalidOperation

from ninja import Schema, Status

from shebao.accounts.access import AccessDenied
from shebao.benefits.errors import BenefitError
from shebao.benefits.rules.estimate import Assumptions
from shebao.kernel.rules.periods import Period, PeriodError
from shebao.register.schemas import ERRORS, ErrorOut, NotFound, language

__all__ = [
    "ERRORS",
    "ErrorOut",
    "NotFound",
    "api_errors",
    "assumptions_from",
    "decimal_field",
    "period_field",
]


def _error(request, exc, field: str = "") -> dict:
    zh = getattr(exc, "message_zh", str(exc))
    en = getattr(exc, "message_en", str(exc))
    return {"field": getattr(exc, "field", field), "message": en if language(request).startswith("en") else zh,
            "message_en": en}  # fmt: skip


def api_errors(view):
    """BenefitError (and period errors) → 400, AccessDenied → 403, NotFound → 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (BenefitError, PeriodError) as exc:
            return Status(400, _error(request, exc))
        except AccessDenied as exc:
            return Status(403, _error(request, exc))
        except NotFound as exc:
            return Status(404, _error(request, exc))

    return wrapper


def decimal_field(value: object, *, field: str, default: str | None = None) -> Decimal:
    if value in (None, ""):
        if default is None:
            raise BenefitError(field=field, zh="请填写此项", en=f"{field} is required")
        value = default
    try:
        number = Decimal(str(value).strip().replace(",", "").rstrip("%"))
    except InvalidOperation:
        raise BenefitError(field=field, zh="应为数字", en=f"{field} must be a number") from None
    if not number.is_finite():
        raise BenefitError(field=field, zh="应为数字", en=f"{field} must be a number")
    return number


def percent_field(value: object, *, field: str, default: str) -> Decimal:
    """A percentage as typed by a person (3 → 0.03)."""
    return decimal_field(value, field=field, default=default) / 100


def period_field(value: object, *, field: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return int(Period.parse(value, field=field))
    except PeriodError:
        raise BenefitError(field=field, zh="年月格式应为 2030-06", en="a month such as 2030-06") from None


def assumptions_from(
    *, wage_growth_pct=None, future_index=None, interest_rate_pct=None, retire_period=None
) -> Assumptions:
    return Assumptions(
        wage_growth=percent_field(wage_growth_pct, field="wage_growth_pct", default="3"),
        future_index=decimal_field(future_index, field="future_index", default="1.0"),
        interest_rate=percent_field(interest_rate_pct, field="interest_rate_pct", default="2.5"),
        retire_period=period_field(retire_period, field="retire_period"),
    )


class EstimateOut(Schema):
    retirement: dict
    retire_period: int
    eligible: bool
    required_months: int
    contribution_months: int
    index: str
    breakdown: dict
    assumptions: dict
    projection: list[dict]


class YearIn(Schema):
    year: int
    months: int = 12
    base: str  # mean monthly base, yuan
    average_wage: str  # S of that year, yuan


class PublicEstimateIn(Schema):
    birth: str  # YYYY-MM
    category: str = "male"
    region_code: str = "110000"
    current_period: str  # the last month of the record, YYYY-MM
    average_wage: str  # S now (monthly, yuan)
    account_balance: str = "0"
    deemed_months: int = 0
    years: list[YearIn] = []
    wage_growth_pct: str = "3"
    future_index: str = "1.0"
    interest_rate_pct: str = "2.5"
    retire_period: str = ""


class PensionRowOut(Schema):
    seq: int
    kind: str
    retire_period: int
    effective_period: int
    basic: str
    account: str
    transitional: str
    adjustment: str
    total: str
    contribution_months: int
    breakdown: dict
    created_at: str


def pension_row_out(row) -> dict:
    def y(fen: int) -> str:
        return str((Decimal(fen) / 100).quantize(Decimal("0.01")))

    return {"seq": row.seq, "kind": row.kind, "retire_period": row.retire_period,
            "effective_period": row.effective_period, "basic": y(row.basic_fen), "account": y(row.account_fen),
            "transitional": y(row.transitional_fen), "adjustment": y(row.adjustment_fen), "total": y(row.total_fen),
            "contribution_months": row.contribution_months, "breakdown": row.breakdown,
            "created_at": row.created_at.isoformat()}  # fmt: skip
