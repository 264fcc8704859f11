"""Enrolment state rules (参保状态): which transitions are allowed, from which period,
and which insurances a kind of employment may carry. Pure: no Django.

An enrolment is a chain of state intervals per (person, insurance); the last one is
open. A transition from period P closes the open interval at P-1 and opens a new
one at P, so P may not lie before the open interval's start (that would overlap
history) nor after the current month.

    参保缴费 (active) ──suspend──▶ 暂停缴费 (suspended) ──resume──▶ active
         └────────────terminate──────────┴──▶ 终止 (terminated; final — a new
                                                     hire opens a new interval)
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass

from shebao.kernel.rules.periods import Period
from shebao.register.errors import RegisterError
from shebao.register.rules.codes import FLEXIBLE_INSURANCES, EmploymentKind, EnrolmentStatus, Insurance

STATUS_ZH = {
    EnrolmentStatus.ACTIVE: "参保缴费",
    EnrolmentStatus.SUSPENDED: "暂停缴费",
    EnrolmentStatus.TERMINATED: "终止参保",
}
STATUS_EN = {
    EnrolmentStatus.ACTIVE: "active",
    EnrolmentStatus.SUSPENDED: "suspended",
    EnrolmentStatus.TERMINATED: "terminated",
}
INSURANCE_EN = {
    Insurance.PENSION: "pension",
    Insurance.MEDICAL: "medical",
    Insurance.UNEMPLOYMENT: "unemployment",
    Insurance.INJURY: "work-injury",
    Insurance.MATERNITY: "maternity",
}


class Transition(enum.StrEnum):
    SUSPEND = "suspend"
    RESUME = "resume"
    TERMINATE = "terminate"


SOURCES: dict[Transition, frozenset[EnrolmentStatus]] = {
    Transition.SUSPEND: frozenset({EnrolmentStatus.ACTIVE}),
    Transition.RESUME: frozenset({EnrolmentStatus.SUSPENDED}),
    Transition.TERMINATE: frozenset({EnrolmentStatus.ACTIVE, EnrolmentStatus.SUSPENDED}),
}
TARGET: dict[Transition, EnrolmentStatus] = {
    Transition.SUSPEND: EnrolmentStatus.SUSPENDED,
    Transition.RESUME: EnrolmentStatus.ACTIVE,
    Transition.TERMINATE: EnrolmentStatus.TERMINATED,
}
_ACTION_ZH = {Transition.SUSPEND: "暂停缴费", Transition.RESUME: "恢复缴费", Transition.TERMINATE: "终止参保"}


@dataclass(frozen=True)
class OpenState:
    """The open (current) interval of one insurance."""

    status: EnrolmentStatus
    start_period: Period


def check_from_period(
    *, insurance: Insurance, current: OpenState, from_period: Period, field: str = "from_period"
) -> Period:
    """A new interval may start at the open one's start (it then supersedes it) or later."""
    if from_period < current.start_period:
        raise RegisterError(
            field=field,
            zh=(
                f"{insurance.label_zh}：所属期 {from_period} 早于当前状态（{STATUS_ZH[current.status]}）"
                f"的开始所属期 {current.start_period}，会与已有参保记录重叠"
            ),
            en=(
                f"{INSURANCE_EN[insurance]} insurance: period {from_period} is before the start "
                f"({current.start_period}) of the current {STATUS_EN[current.status]} interval; "
                "it would overlap the existing record"
            ),
        )
    return from_period


def plan_transition(
    *,
    action: Transition,
    insurance: Insurance,
    current: OpenState | None,
    from_period: Period,
    latest: Period,
) -> EnrolmentStatus:
    """Check a suspend / resume / terminate; return the new status."""
    if from_period > latest:
        raise RegisterError(
            field="from_period",
            zh=f"所属期 {from_period} 晚于本月 {latest}，不能办理将来的业务",
            en=f"the period {from_period} is after the current month {latest}",
        )
    if current is None:
        raise RegisterError(
            field="insurance",
            zh=f"该人员没有{insurance.label_zh}参保记录，不能{_ACTION_ZH[action]}",
            en=f"the person has no {INSURANCE_EN[insurance]} insurance enrolment to {action}",
        )
    if current.status not in SOURCES[action]:
        zh = f"{insurance.label_zh}当前为“{STATUS_ZH[current.status]}”，不能{_ACTION_ZH[action]}"
        en = f"{INSURANCE_EN[insurance]} insurance is {STATUS_EN[current.status]}; cannot {action} it"
        if current.status == EnrolmentStatus.TERMINATED and action == Transition.RESUME:
            zh += "；已终止的参保须重新办理参保登记"
            en += "; a terminated enrolment needs a new registration"
        raise RegisterError(field="insurance", zh=zh, en=en)
    check_from_period(insurance=insurance, current=current, from_period=from_period)
    return TARGET[action]


def plan_enrol(*, insurance: Insurance, current: OpenState | None, wanted: Period) -> Period:
    """Start period of a new active interval (hire, flexible registration).

    Refused while the insurance is already active (no overlapping active
    enrolments). After a suspension or termination the new interval starts at
    the wanted period, or at the start of the open interval if that is later:
    the month in which a previous job ended is paid by the previous employer.
    """
    if current is None:
        return wanted
    if current.status == EnrolmentStatus.ACTIVE:
        raise RegisterError(
            field="insurances",
            zh=f"该人员{insurance.label_zh}已在参保缴费状态（自 {current.start_period} 起），不能重复参保",
            en=(
                f"the person is already actively enrolled in {INSURANCE_EN[insurance]} insurance "
                f"(since {current.start_period}); enrolments may not overlap"
            ),
        )
    return max(wanted, current.start_period)


def clean_insurances(
    insurances: Iterable[Insurance | str] | None, *, kind: EmploymentKind, field: str = "insurances"
) -> tuple[Insurance, ...]:
    """The insurances to open for an employment; flexible workers: pension and medical only."""
    if insurances is None:
        return tuple(Insurance) if kind == EmploymentKind.EMPLOYEE else FLEXIBLE_INSURANCES
    chosen: list[Insurance] = []
    for item in insurances:
        try:
            value = Insurance(str(item).strip())
        except ValueError:
            raise RegisterError(
                field=field, zh=f"险种“{str(item)[:20]}”无效", en=f"unknown insurance {str(item)[:20]!r}"
            ) from None
        if value not in chosen:
            chosen.append(value)
    if not chosen:
        raise RegisterError(field=field, zh="至少选择一个险种", en="choose at least one insurance")
    if kind == EmploymentKind.FLEXIBLE:
        for value in chosen:
            if value not in FLEXIBLE_INSURANCES:
                raise RegisterError(
                    field=field,
                    zh=f"灵活就业人员不能参加{value.label_zh}（只能参加养老保险和医疗保险）",
                    en=(
                        f"a flexible worker cannot enrol in {INSURANCE_EN[value]} insurance "
                        "(pension and medical only)"
                    ),
                )
    return tuple(chosen)
