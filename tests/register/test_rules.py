"""Pure register rules: field cleaning and enrolment transitions (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from shebao.kernel.rules.periods import Period
from shebao.register.errors import RegisterError, from_kernel
from shebao.register.rules.codes import EmploymentKind, EnrolmentStatus, Insurance
from shebao.register.rules.enrolment import (
    OpenState,
    Transition,
    clean_insurances,
    plan_enrol,
    plan_transition,
)
from shebao.register.rules.validation import (
    check_not_future,
    clean_bank_account,
    clean_card_number,
    clean_name,
    clean_phone,
    clean_region_format,
    clean_risk_class,
    clean_wage,
    mask_account,
    mask_phone,
    normalise_id_for_lookup,
    parse_date,
)

P = Period.parse
NOW = P("202611")


def test_register_error_carries_field_row_and_both_languages():
    err = RegisterError(field="name", zh="姓名不能为空", en="the name is required")
    assert (err.field, err.row, err.message(), err.message("en")) == (
        "name",
        None,
        "姓名不能为空",
        "the name is required",
    )
    located = err.at_row(7, field="姓名")
    assert located.row == 7 and located.field == "姓名"
    assert located.as_dict("en") == {
        "field": "姓名",
        "message": "the name is required",
        "message_en": "the name is required",
        "row": 7,
    }


def test_from_kernel_keeps_texts():
    from shebao.kernel.rules.money import MoneyError

    err = from_kernel(MoneyError(field="amount", zh="金额不是数字", en="not a number"), field="monthly_wage")
    assert (err.field, err.message_zh, err.message_en) == ("monthly_wage", "金额不是数字", "not a number")


@pytest.mark.parametrize("value", ["0", "-1", "10000000", "12.345", "abc", 0])
def test_wage_bounds_refused(value):
    with pytest.raises(RegisterError) as info:
        clean_wage(value)
    assert info.value.field == "monthly_wage"


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0.01", "0.01"), ("9999999.99", "9999999.99"), (8000, "8000"), ("8,000.50", "8000.50")],
)
def test_wage_accepted(value, expected):
    assert clean_wage(value) == Decimal(expected)


def test_phone_and_bank_formats():
    assert clean_phone("138-0000 1234") == "13800001234"
    assert clean_phone("") == ""
    assert clean_phone("010-65001234") == "01065001234"
    for bad in ("1380000123x", "12000001234", "123"):
        with pytest.raises(RegisterError) as info:
            clean_phone(bad)
        assert info.value.field == "phone"
    assert clean_bank_account("6222 0202 0011 2233 445") == "6222020200112233445"
    with pytest.raises(RegisterError):
        clean_bank_account("62-22-ab")


def test_masks():
    assert mask_phone("13812341234") == "138****1234"
    assert mask_phone("01065001234") == "010****1234"
    assert mask_account("6222020200112233445") == "****3445"
    assert mask_phone("") == mask_account("") == ""


def test_name_region_card_and_risk_class():
    assert clean_name(" 李四 ") == "李四"
    with pytest.raises(RegisterError):
        clean_name("")
    with pytest.raises(RegisterError):
        clean_name("张3")
    assert clean_name("北京3号公司", allow_digits=True) == "北京3号公司"
    with pytest.raises(RegisterError) as info:
        clean_region_format("11010", field="hukou_region")
    assert info.value.field == "hukou_region" and "6位数字" in info.value.message_zh
    assert clean_card_number("a1234567b") == "A1234567B"
    with pytest.raises(RegisterError):
        clean_card_number("12345")
    assert clean_risk_class("8") == 8
    for bad in ("0", "9", "1.5", ""):
        with pytest.raises(RegisterError):
            clean_risk_class(bad)


def test_dates():
    assert parse_date("2024/3/5", field="start_date") == dt.date(2024, 3, 5)
    assert parse_date(dt.datetime(2024, 3, 5), field="start_date") == dt.date(2024, 3, 5)
    with pytest.raises(RegisterError) as info:
        parse_date("2024-02-30", field="start_date")
    assert info.value.field == "start_date"
    with pytest.raises(RegisterError) as info:
        check_not_future(dt.date(2030, 1, 1), today=dt.date(2026, 1, 1), field="end_date")
    assert "晚于今天" in info.value.message_zh


def test_lookup_normalisation():
    assert normalise_id_for_lookup("110105491231002") == "11010519491231002X"
    assert normalise_id_for_lookup(" 11010519491231002x ") == "11010519491231002X"
    assert normalise_id_for_lookup("１１０１０５１９４９１２３１００２Ｘ") == "11010519491231002X"
    assert normalise_id_for_lookup("张三") is None
    assert normalise_id_for_lookup("1" * 200) is None


# --- enrolment transitions ---------------------------------------------------------------

ACTIVE = OpenState(EnrolmentStatus.ACTIVE, P("202401"))
SUSPENDED = OpenState(EnrolmentStatus.SUSPENDED, P("202403"))
TERMINATED = OpenState(EnrolmentStatus.TERMINATED, P("202405"))


@pytest.mark.parametrize(
    ("action", "current", "target"),
    [
        (Transition.SUSPEND, ACTIVE, EnrolmentStatus.SUSPENDED),
        (Transition.RESUME, SUSPENDED, EnrolmentStatus.ACTIVE),
        (Transition.TERMINATE, ACTIVE, EnrolmentStatus.TERMINATED),
        (Transition.TERMINATE, SUSPENDED, EnrolmentStatus.TERMINATED),
    ],
)
def test_allowed_transitions(action, current, target):
    got = plan_transition(
        action=action, insurance=Insurance.PENSION, current=current, from_period=P("202406"), latest=NOW
    )
    assert got == target


@pytest.mark.parametrize(
    ("action", "current"),
    [
        (Transition.SUSPEND, SUSPENDED),
        (Transition.SUSPEND, TERMINATED),
        (Transition.RESUME, ACTIVE),
        (Transition.RESUME, TERMINATED),
        (Transition.TERMINATE, TERMINATED),
        (Transition.SUSPEND, None),
    ],
)
def test_refused_transitions(action, current):
    with pytest.raises(RegisterError) as info:
        plan_transition(
            action=action, insurance=Insurance.PENSION, current=current, from_period=P("202406"), latest=NOW
        )
    assert info.value.field == "insurance"


def test_transition_may_not_overlap_or_lie_in_the_future():
    with pytest.raises(RegisterError) as info:
        plan_transition(
            action=Transition.RESUME,
            insurance=Insurance.MEDICAL,
            current=SUSPENDED,
            from_period=P("202402"),
            latest=NOW,
        )
    assert info.value.field == "from_period" and "重叠" in info.value.message_zh
    with pytest.raises(RegisterError) as info:
        plan_transition(
            action=Transition.SUSPEND,
            insurance=Insurance.MEDICAL,
            current=ACTIVE,
            from_period=P("202612"),
            latest=NOW,
        )
    assert "晚于本月" in info.value.message_zh


def test_plan_enrol():
    assert plan_enrol(insurance=Insurance.PENSION, current=None, wanted=P("202401")) == P("202401")
    assert plan_enrol(insurance=Insurance.PENSION, current=SUSPENDED, wanted=P("202406")) == P("202406")
    # the month in which the previous job ended belongs to the previous employer
    assert plan_enrol(insurance=Insurance.PENSION, current=SUSPENDED, wanted=P("202402")) == P("202403")
    with pytest.raises(RegisterError) as info:
        plan_enrol(insurance=Insurance.PENSION, current=ACTIVE, wanted=P("202406"))
    assert "不能重复参保" in info.value.message_zh


def test_flexible_workers_pension_and_medical_only():
    assert clean_insurances(None, kind=EmploymentKind.FLEXIBLE) == (Insurance.PENSION, Insurance.MEDICAL)
    assert clean_insurances(None, kind=EmploymentKind.EMPLOYEE) == tuple(Insurance)
    for refused in (Insurance.INJURY, Insurance.MATERNITY, Insurance.UNEMPLOYMENT):
        with pytest.raises(RegisterError) as info:
            clean_insurances(["pension", refused], kind=EmploymentKind.FLEXIBLE)
        assert refused.label_zh in info.value.message_zh
    with pytest.raises(RegisterError):
        clean_insurances([], kind=EmploymentKind.EMPLOYEE)
    with pytest.raises(RegisterError):
        clean_insurances(["dental"], kind=EmploymentKind.EMPLOYEE)
    assert clean_insurances(["pension", "pension"], kind=EmploymentKind.EMPLOYEE) == (Insurance.PENSION,)
