"""Employer registration, change and cancellation (单位登记), incl. rules.md T05–T07."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.identifiers import make_uscc
from shebao.register import selectors, services
from shebao.register.errors import RegisterError
from shebao.register.models import Employer
from tests.register.conftest import CHAOYANG, DONGCHENG, new_uscc

pytestmark = pytest.mark.django_db


def register(actor, uscc, **fields):
    defaults = {"name": "测试单位", "employer_type": "enterprise", "region_code": CHAOYANG, "risk_class": 1}
    return services.employer_register(actor=actor, uscc=uscc, **{**defaults, **fields})


def test_t05_uscc_valid(system):
    employer = register(system, "91110000600037341L")
    assert employer.uscc == "91110000600037341L" and employer.status == "active"
    assert json.loads(AuditEntry.objects.get(action="employer.register").after)["warnings"] == []


def test_t06_agricultural_collective_uscc_valid(system):
    assert register(system, "N2110105MA00000074").uscc == "N2110105MA00000074"


def test_t07_embedded_org_code_mismatch_only_warns(system):
    # T07: the org code 60003734? has check 1; with 2 the USCC's own check still holds.
    uscc = make_uscc("91110000600037342")
    employer = register(system, uscc)
    warnings = json.loads(AuditEntry.objects.get(object_id=str(employer.pk)).after)["warnings"]
    assert len(warnings) == 1 and "组织机构代码" in warnings[0]


@pytest.mark.parametrize(
    ("uscc", "fields", "field"),
    [
        ("91110000600037341A", {}, "uscc"),  # wrong check character
        ("9111000060003734", {}, "uscc"),
        ("Z1110000600037341L", {}, "uscc"),
        (None, {"region_code": "999999"}, "region_code"),
        (None, {"region_code": "1101"}, "region_code"),
        (None, {"risk_class": 9}, "risk_class"),
        (None, {"risk_class": 0}, "risk_class"),
        (None, {"employer_type": "pirate"}, "employer_type"),
        (None, {"name": " "}, "name"),
        (None, {"contact_phone": "call me"}, "contact_phone"),
        (None, {"bank_account": "12"}, "bank_account"),
        (None, {"registered_on": "2999-12-31"}, "registered_on"),
    ],
)
def test_bad_input_refused(system, uscc, fields, field):
    with pytest.raises(RegisterError) as info:
        register(system, uscc or new_uscc(), **fields)
    assert info.value.field == field and info.value.message_zh and info.value.message_en
    assert not Employer.objects.exists()


def test_duplicate_uscc(system):
    register(system, "91110000600037341L")
    with pytest.raises(RegisterError) as info:
        register(system, "91110000600037341l", name="另一个")
    assert (info.value.field, info.value.message_zh) == ("uscc", "该统一社会信用代码已登记")


def test_staff_region_and_post(staff, divisions, audit_ctx):
    clerk = staff(Post.FRONT_DESK, CHAOYANG)
    register(clerk, new_uscc())
    with pytest.raises(AccessDenied):
        register(clerk, new_uscc(), region_code=DONGCHENG)
    with pytest.raises(AccessDenied):
        register(staff(Post.FUND_ACCOUNTANT, "110000"), new_uscc())


def test_change_history_masks_phone_and_bank(clerk, employer):
    services.employer_change(
        actor=clerk,
        employer_id=employer.pk,
        changes={
            "name": "北京示例科技股份有限公司",
            "risk_class": "3",
            "contact_phone": "13911112222",
            "bank_account": "6222000011112222",
        },
    )
    employer.refresh_from_db()
    assert (employer.name, employer.risk_class, employer.contact_phone) == (
        "北京示例科技股份有限公司",
        3,
        "13911112222",
    )
    entry = AuditEntry.objects.get(action="employer.change")
    assert json.loads(entry.before) == {
        "name": "北京示例科技有限公司",
        "risk_class": 2,
        "contact_phone": "138****1234",
        "bank_account": "****3445",
    }
    assert "13911112222" not in entry.after and "6222000011112222" not in entry.after
    assert [e.action for e in selectors.record_history(object_type="employer", object_id=employer.pk)] == [
        "employer.change",
        "employer.register",
    ]


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"uscc": "x"}, "uscc"),
        ({"status": "cancelled"}, "status"),
        ({"risk_class": 12}, "risk_class"),
        ({"region_code": "000000"}, "region_code"),
    ],
)
def test_bad_change_refused(clerk, employer, changes, field):
    with pytest.raises(RegisterError) as info:
        services.employer_change(actor=clerk, employer_id=employer.pk, changes=changes)
    assert info.value.field == field


def test_cancel_refused_with_active_staff_then_allowed(clerk, employer, person):
    employment = services.employment_hire(
        actor=clerk, employer_id=employer.pk, person_id=person.pk, start_date="2024-01-01"
    )
    with pytest.raises(RegisterError) as info:
        services.employer_cancel(
            actor=clerk, employer_id=employer.pk, cancelled_on="2024-12-31", reason="歇业"
        )
    assert "1 名在职人员" in info.value.message_zh
    services.employment_separate(
        actor=clerk, employment_id=employment.pk, end_date="2024-11-30", reason="单位歇业"
    )
    services.employer_cancel(actor=clerk, employer_id=employer.pk, cancelled_on="2024-12-31", reason="歇业")
    employer.refresh_from_db()
    assert (employer.status, employer.cancelled_on) == ("cancelled", dt.date(2024, 12, 31))
    with pytest.raises(RegisterError):  # twice
        services.employer_cancel(
            actor=clerk, employer_id=employer.pk, cancelled_on="2024-12-31", reason="歇业"
        )
    # a cancelled employer cannot hire
    with pytest.raises(RegisterError) as info:
        services.employment_hire(
            actor=clerk, employer_id=employer.pk, person_id=person.pk, start_date="2025-02-01"
        )
    assert info.value.field == "employer" and "已注销" in info.value.message_zh


@pytest.mark.parametrize(
    ("day", "reason"), [("2999-01-01", "歇业"), ("2019-12-31", "歇业"), ("2024-01-01", "")]
)
def test_cancel_bad_input(clerk, employer, day, reason):
    with pytest.raises(RegisterError):
        services.employer_cancel(actor=clerk, employer_id=employer.pk, cancelled_on=day, reason=reason)


def test_employer_search_scoped(clerk, staff, employer, other_employer):
    assert selectors.employer_search(user=clerk, query="示例") == [employer]
    assert selectors.employer_search(user=clerk, query=employer.uscc.lower()) == [employer]
    assert selectors.employer_search(user=clerk, query="上海") == []
    assert selectors.employer_search(user=staff(Post.FUND_ACCOUNTANT, "310000"), query="") == [other_employer]
