"""Unemployment insurance benefits (失业保险金), rules.md §5.1–§5.4. Pure.

Eligibility: ≥ 12 months of contributions, an involuntary end of employment, registered as
unemployed. Duration by full contribution years (national maxima 12 / 18 / 24 months,
"满 n 年" inclusive), plus the unused remainder of an earlier entitlement, capped at 24.
The monthly amount lies between the local 低保 and the minimum wage. Payment stops on
re-employment, military service, emigration, a pension, or refusing suitable work.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from decimal import Decimal

from shebao.kernel.rules.money import round_yuan

from .errors import BenefitRuleError
from .retirement import month_index, period_of

MAX_MONTHS = 24
MIN_CONTRIBUTION_MONTHS = 12


class Separation(enum.StrEnum):
    """How the employment ended (实施规定 art. 13)."""

    CONTRACT_EXPIRED = "contract_expired"  # 劳动合同法 art. 44 (1)
    BANKRUPTCY = "bankruptcy"  # art. 44 (4)
    CLOSURE = "closure"  # art. 44 (5)
    DISMISSED = "dismissed"  # art. 39, 40, 41
    MUTUAL_BY_EMPLOYER = "mutual_by_employer"  # art. 36, proposed by the employer
    FORCED_RESIGNATION = "forced_resignation"  # art. 38
    OTHER_LEGAL = "other_legal"
    RESIGNED = "resigned"  # voluntary: not covered
    MUTUAL_BY_EMPLOYEE = "mutual_by_employee"  # voluntary: not covered


INVOLUNTARY = frozenset(
    s for s in Separation if s not in (Separation.RESIGNED, Separation.MUTUAL_BY_EMPLOYEE)
)


class StopReason(enum.StrEnum):
    REEMPLOYED = "reemployed"
    MILITARY = "military"
    EMIGRATED = "emigrated"
    PENSION = "pension"
    REFUSED_OFFER = "refused_offer"
    DIED = "died"


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str  # "" when eligible, otherwise the first unmet condition's field
    message_zh: str = ""
    message_en: str = ""


def eligibility(*, contribution_months: int, separation: object, registered: bool) -> Eligibility:
    if contribution_months < MIN_CONTRIBUTION_MONTHS:
        return Eligibility(
            False, "contribution_months", "累计缴费不满1年", "less than one year of contributions"
        )
    try:
        sep = Separation(str(separation))
    except ValueError:
        raise BenefitRuleError(
            field="separation", zh="离职原因无效", en="unknown separation reason"
        ) from None
    if sep not in INVOLUNTARY:
        return Eligibility(
            False, "separation", "非因本人意愿中断就业的才可领取", "the end of employment was voluntary"
        )
    if not registered:
        return Eligibility(False, "registered", "须先办理失业登记", "register as unemployed first")
    return Eligibility(True, "")


# national default: (months of contribution at least, benefit months)
NATIONAL_DURATION: tuple[tuple[int, int], ...] = ((12, 12), (60, 18), (120, 24))


def entitlement_months(
    contribution_months: int, table: tuple[tuple[int, int], ...] = NATIONAL_DURATION
) -> int:
    """Benefit months for this spell's contribution time (T34: 3 y → 12, 5 y → 18, 10 y → 24)."""
    months = 0
    for threshold, value in table:
        if contribution_months >= threshold:
            months = value
    return min(MAX_MONTHS, months)


def duration(
    contribution_months: int,
    carried_over: int = 0,
    table: tuple[tuple[int, int], ...] = NATIONAL_DURATION,
) -> int:
    """New entitlement + the unused remainder of the previous one, capped at 24 months."""
    if carried_over < 0:
        raise BenefitRuleError(
            field="carried_over", zh="结转月数不能为负", en="carried-over months cannot be negative"
        )
    return min(MAX_MONTHS, entitlement_months(contribution_months, table) + carried_over)


def end_period(start_period: int, months: int, statutory_retirement_period: int | None = None) -> int:
    """The last paid month; extended to the statutory retirement month when fewer than 12
    months would remain to it after the normal end (near-retirement rule, §5.2 🟡)."""
    if months <= 0:
        raise BenefitRuleError(field="months", zh="领取月数应大于0", en="months must be positive")
    last = month_index(start_period) + months - 1
    if statutory_retirement_period is not None:
        retire = month_index(statutory_retirement_period)
        if last < retire and retire - last <= 12:
            last = retire - 1
    return period_of(last)


@dataclass(frozen=True)
class Schedule:
    """The months a claim pays and at what amount (yuan) from which month."""

    first_period: int
    months: int  # the entitlement (new + carried over, capped at 24)
    normal_last_period: int  # the last month of the entitlement itself
    last_period: int  # with the near-retirement extension
    extension_months: int
    steps: tuple[tuple[int, Decimal], ...]  # (from period, monthly amount), oldest first


def schedule(
    *,
    first_period: int,
    months: int,
    amount_first: Decimal,
    amount_later: Decimal,
    amount_extension: Decimal,
    statutory_retirement_period: int | None = None,
) -> Schedule:
    """Months 1–12 at ``amount_first``, 13–24 at ``amount_later``; the near-retirement
    extension (``end_period``) at ``amount_extension``. Never past the month before the
    statutory retirement month: the pension starts then."""
    retire = statutory_retirement_period
    if retire is not None and first_period >= retire:
        raise BenefitRuleError(
            field="first_period",
            zh="已达法定退休年龄，应申领基本养老金",
            en="the statutory retirement age is reached: claim the pension instead",
        )
    last = end_period(first_period, months, retire)
    if retire is not None:
        last = min(last, period_of(month_index(retire) - 1))
    normal_last = min(period_of(month_index(first_period) + months - 1), last)
    normal = month_index(normal_last) - month_index(first_period) + 1
    extension = month_index(last) - month_index(normal_last)
    steps: list[tuple[int, Decimal]] = [(first_period, amount_first)]
    if normal > 12:
        steps.append((period_of(month_index(first_period) + 12), amount_later))
    if extension:
        steps.append((period_of(month_index(normal_last) + 1), amount_extension))
    merged = [steps[0]]
    for step in steps[1:]:
        if step[1] != merged[-1][1]:
            merged.append(step)
    return Schedule(first_period, months, normal_last, last, extension, tuple(merged))


def unused_months(months: int, first_period: int, stop_period: int) -> int:
    """Entitlement left when payment stops from ``stop_period`` (kept for a later claim)."""
    used = max(0, month_index(stop_period) - month_index(first_period))
    return max(0, months - used)


def check_amount(amount: Decimal, *, minimum_wage: Decimal, dibao: Decimal) -> Decimal:
    """§5.3: 低保 ≤ amount ≤ minimum wage (T38), returns the amount to the cent."""
    if dibao > minimum_wage:
        raise BenefitRuleError(
            field="dibao", zh="低保标准高于最低工资", en="the 低保 is above the minimum wage"
        )
    if amount > minimum_wage:
        raise BenefitRuleError(
            field="amount",
            zh=f"失业保险金不得高于最低工资标准 {minimum_wage}",
            en=f"above the minimum wage {minimum_wage}",
        )
    if amount < dibao:
        raise BenefitRuleError(
            field="amount",
            zh=f"失业保险金不得低于城市低保标准 {dibao}",
            en=f"below the minimum living allowance {dibao}",
        )
    return round_yuan(amount)


def monthly_amount(*, minimum_wage: Decimal, dibao: Decimal, ratio: Decimal = Decimal("0.9")) -> Decimal:
    """A share of the minimum wage (Guangdong: 90 %), never below the 低保 nor above the wage."""
    return check_amount(
        max(dibao, min(minimum_wage, round_yuan(minimum_wage * ratio))),
        minimum_wage=minimum_wage,
        dibao=dibao,
    )


def stops(events: set[str]) -> StopReason | None:
    """The first stop condition among the recorded events, if any."""
    for reason in StopReason:
        if reason.value in events:
            return reason
    return None
