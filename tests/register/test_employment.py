"""Hire and separation (增员 / 减员), flexible workers, enrolment transitions."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.models import AuditEntry
from shebao.register import selectors, services
from shebao.register.errors import RegisterError
from shebao.register.models import Employment, Enrolment, Person
from shebao.register.rules.codes import Insurance
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

pytestmark = pytest.mark.django_db


def hire(actor, employer, person, start="2024-01-15", **kwargs):
    return services.employment_hire(
        actor=actor, employer_id=employer.pk, person_id=person.pk, start_date=start, **kwargs
    )


def statuses(person):
    return {
        ins.value: (row.status, row.start_period) if row else None
        for ins, row in selectors.person_current_status(person_id=person.pk).items()
    }


def test_hire_opens_five_enrolments_and_moves_jurisdiction(clerk, employer, make_person):
    person = make_person(region=DONGCHENG)
    employment = hire(clerk, employer, person, monthly_wage="12000.50")
    assert (employment.kind, employment.monthly_wage_fen, employment.end_date) == ("employee", 1200050, None)
    assert statuses(person) == {i.value: ("active", 202401) for i in Insurance}
    assert Enrolment.objects.filter(employer=employer).count() == 5
    person.refresh_from_db()
    assert person.region_code == CHAOYANG  # managed by the employer's district now
    after = json.loads(AuditEntry.objects.get(action="employment.hire").after)
    assert after["monthly_wage"] == "12000.5" and len(after["enrolments"]) == 5
    assert after["person"] == {"region_code": CHAOYANG}


def test_hire_subset_of_insurances(clerk, employer, person):
    hire(clerk, employer, person, insurances=[Insurance.PENSION, "medical"])
    assert statuses(person)["injury"] is None and statuses(person)["pension"] == ("active", 202401)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"start": "2999-01-01"}, "start_date"),
        ({"start": "yesterday"}, "start_date"),
        ({"start": "2019-06-01"}, "start_date"),  # before the employer was registered
        ({"monthly_wage": "0"}, "monthly_wage"),
        ({"monthly_wage": "-5"}, "monthly_wage"),
        ({"monthly_wage": "10000000"}, "monthly_wage"),
        ({"monthly_wage": "1.001"}, "monthly_wage"),
        ({"insurances": ["dental"]}, "insurances"),
    ],
)
def test_hire_bad_input(clerk, employer, person, kwargs, field):
    with pytest.raises(RegisterError) as info:
        hire(clerk, employer, person, **kwargs)
    assert info.value.field == field
    assert not Employment.objects.exists() and not Enrolment.objects.exists()


def test_child_cannot_be_hired(clerk, employer, make_person):
    child = make_person(new_id(born=dt.date(2012, 3, 1)), registered_on=dt.date(2020, 1, 1))
    with pytest.raises(RegisterError) as info:
        hire(clerk, employer, child, start="2024-01-01")
    assert "16" in info.value.message_zh


def test_second_active_employment_refused_naming_the_first(clerk, employer, other_employer, person, system):
    hire(clerk, employer, person)
    with pytest.raises(RegisterError) as info:
        hire(system, other_employer, person, start="2024-03-01")
    assert "北京示例科技有限公司" in info.value.message_zh and "2024-01-15" in info.value.message_zh
    assert Employment.objects.count() == 1


def test_separate_suspends_and_rehire_continues(clerk, employer, other_employer, person, system):
    first = hire(clerk, employer, person)
    services.employment_separate(
        actor=clerk, employment_id=first.pk, end_date="2024-06-10", reason="合同到期"
    )
    first.refresh_from_db()
    assert (first.end_date, first.end_reason) == (dt.date(2024, 6, 10), "合同到期")
    assert statuses(person) == {i.value: ("suspended", 202407) for i in Insurance}
    assert Person.objects.get(pk=person.pk).life_status == "unemployed"
    # hired elsewhere in the same month: the new enrolment starts after the month paid by the old employer
    second = hire(system, other_employer, person, start="2024-06-20")
    assert statuses(person) == {i.value: ("active", 202407) for i in Insurance}
    assert Person.objects.get(pk=person.pk).life_status == "employed"
    pension = [
        (r.status, r.start_period, r.end_period, r.employer_id)
        for r in selectors.person_enrolments(person_id=person.pk)
        if r.insurance == "pension"
    ]
    assert pension == [
        ("active", 202407, None, other_employer.pk),
        ("suspended", 202407, 202406, None),
        ("active", 202401, 202406, employer.pk),
    ]
    assert [e.pk for e in selectors.person_employments(person_id=person.pk)] == [second.pk, first.pk]


def test_overlapping_employment_refused(clerk, employer, other_employer, person, system):
    first = hire(clerk, employer, person)
    services.employment_separate(actor=clerk, employment_id=first.pk, end_date="2024-06-10", reason="辞职")
    with pytest.raises(RegisterError) as info:
        hire(system, other_employer, person, start="2024-05-01")
    assert info.value.field == "start_date" and "重叠" in info.value.message_zh


@pytest.mark.parametrize(
    ("end", "reason", "field"),
    [("2023-12-31", "x", "end_date"), ("2999-01-01", "x", "end_date"), ("2024-06-01", "", "reason")],
)
def test_separate_bad_input(clerk, employer, person, end, reason, field):
    employment = hire(clerk, employer, person)
    with pytest.raises(RegisterError) as info:
        services.employment_separate(actor=clerk, employment_id=employment.pk, end_date=end, reason=reason)
    assert info.value.field == field
    employment.refresh_from_db()
    assert employment.end_date is None


def test_separate_twice_refused(clerk, employer, person):
    employment = hire(clerk, employer, person)
    services.employment_separate(
        actor=clerk, employment_id=employment.pk, end_date="2024-02-01", reason="辞职"
    )
    with pytest.raises(RegisterError):
        services.employment_separate(
            actor=clerk, employment_id=employment.pk, end_date="2024-03-01", reason="辞职"
        )


# --- flexible workers ------------------------------------------------------------------------


def test_flexible_worker_pension_and_medical(clerk, person):
    employment = services.flexible_register(actor=clerk, person_id=person.pk, start_date="2024-02-01")
    assert (employment.kind, employment.employer_id) == ("flexible", None)
    got = statuses(person)
    assert got["pension"] == got["medical"] == ("active", 202402)
    assert got["injury"] is got["maternity"] is got["unemployment"] is None
    assert AuditEntry.objects.filter(action="flexible.register").count() == 1


@pytest.mark.parametrize("insurance", ["injury", "maternity", "unemployment"])
def test_flexible_worker_refused_other_insurances(clerk, person, insurance):
    with pytest.raises(RegisterError) as info:
        services.flexible_register(
            actor=clerk, person_id=person.pk, start_date="2024-02-01", insurances=["pension", insurance]
        )
    assert info.value.field == "insurances"
    assert not Employment.objects.exists()


def test_flexible_worker_cannot_resume_injury(clerk, employer, person):
    employment = hire(clerk, employer, person)
    services.employment_separate(
        actor=clerk, employment_id=employment.pk, end_date="2024-03-31", reason="辞职"
    )
    services.flexible_register(actor=clerk, person_id=person.pk, start_date="2024-04-01")
    assert statuses(person)["pension"] == ("active", 202404)
    assert statuses(person)["injury"] == ("suspended", 202404)
    with pytest.raises(RegisterError) as info:
        services.enrolment_resume(
            actor=clerk, person_id=person.pk, insurance="injury", from_period="202405", reason="恢复"
        )
    assert "灵活就业" in info.value.message_zh


def test_flexible_separation(clerk, person):
    employment = services.flexible_register(actor=clerk, person_id=person.pk, start_date="2024-02-01")
    services.employment_separate(
        actor=clerk, employment_id=employment.pk, end_date="2024-08-31", reason="就业"
    )
    assert statuses(person)["pension"] == ("suspended", 202409)


# --- enrolment transitions -------------------------------------------------------------------


def test_suspend_resume_terminate_history(clerk, employer, person):
    hire(clerk, employer, person)
    services.enrolment_suspend(
        actor=clerk, person_id=person.pk, insurance="pension", from_period="202403", reason="停薪留职"
    )
    services.enrolment_resume(
        actor=clerk, person_id=person.pk, insurance=Insurance.PENSION, from_period="2024-09", reason="复工"
    )
    services.enrolment_terminate(
        actor=clerk, person_id=person.pk, insurance="pension", from_period="202501", reason="出国定居"
    )
    rows = [
        (r.status, r.start_period, r.end_period, r.employer_id, r.reason)
        for r in selectors.person_enrolments(person_id=person.pk)
        if r.insurance == "pension"
    ]
    assert rows == [
        ("terminated", 202501, None, None, "出国定居"),
        ("active", 202409, 202412, employer.pk, "复工"),
        ("suspended", 202403, 202408, employer.pk, "停薪留职"),
        ("active", 202401, 202402, employer.pk, "增员"),
    ]
    history = selectors.record_history(object_type="person", object_id=person.pk)
    assert [e.action for e in history] == [
        "enrolment.terminate",
        "enrolment.resume",
        "enrolment.suspend",
        "employment.hire",
        "person.register",
    ]
    before = json.loads(history[0].before)
    assert before["status"] == "active" and before["end_period"] is None
    # terminated is final
    with pytest.raises(RegisterError) as info:
        services.enrolment_resume(
            actor=clerk, person_id=person.pk, insurance="pension", from_period="202502", reason="x"
        )
    assert "终止" in info.value.message_zh


def test_overlapping_enrolment_refused(clerk, employer, person):
    hire(clerk, employer, person)
    services.enrolment_suspend(
        actor=clerk, person_id=person.pk, insurance="medical", from_period="202406", reason="停保"
    )
    with pytest.raises(RegisterError) as info:
        services.enrolment_resume(
            actor=clerk, person_id=person.pk, insurance="medical", from_period="202405", reason="x"
        )
    assert info.value.field == "from_period" and "重叠" in info.value.message_zh
    with pytest.raises(RegisterError) as info:
        services.enrolment_terminate(
            actor=clerk, person_id=person.pk, insurance="pension", from_period="202312", reason="x"
        )
    assert "重叠" in info.value.message_zh
    assert Enrolment.objects.count() == 6  # five from the hire + the suspension


@pytest.mark.parametrize(
    ("insurance", "period", "reason", "field"),
    [
        ("dental", "202403", "x", "insurance"),
        ("pension", "2024-13", "x", "from_period"),
        ("pension", "banana", "x", "from_period"),
        ("pension", "209912", "x", "from_period"),
        ("pension", "202403", "", "reason"),
    ],
)
def test_transition_bad_input(clerk, employer, person, insurance, period, reason, field):
    hire(clerk, employer, person)
    with pytest.raises(RegisterError) as info:
        services.enrolment_suspend(
            actor=clerk, person_id=person.pk, insurance=insurance, from_period=period, reason=reason
        )
    assert info.value.field == field


def test_transition_without_enrolment_or_employment(clerk, person):
    with pytest.raises(RegisterError):
        services.enrolment_suspend(
            actor=clerk, person_id=person.pk, insurance="pension", from_period="202403", reason="x"
        )


def test_resume_after_separation_needs_employment(clerk, employer, person):
    employment = hire(clerk, employer, person)
    services.employment_separate(
        actor=clerk, employment_id=employment.pk, end_date="2024-03-31", reason="辞职"
    )
    with pytest.raises(RegisterError) as info:
        services.enrolment_resume(
            actor=clerk, person_id=person.pk, insurance="pension", from_period="202405", reason="x"
        )
    assert "增员" in info.value.message_zh


def test_deceased_cannot_resume(clerk, employer, person):
    hire(clerk, employer, person)
    services.enrolment_suspend(
        actor=clerk, person_id=person.pk, insurance="pension", from_period="202403", reason="x"
    )
    Person.objects.filter(pk=person.pk).update(life_status="deceased", death_date=dt.date(2024, 12, 1))
    with pytest.raises(RegisterError) as info:
        services.enrolment_resume(
            actor=clerk, person_id=person.pk, insurance="pension", from_period="202404", reason="x"
        )
    assert "死亡" in info.value.message_zh


# --- who may do it ---------------------------------------------------------------------------


def test_employment_rights(staff, make_user, employer, other_employer, person, audit_ctx):
    outsider = staff(Post.REVIEWER, DONGCHENG)
    with pytest.raises(AccessDenied):
        hire(outsider, employer, person)
    operator = make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk)
    employment = hire(operator, employer, person)
    assert AuditEntry.objects.get(action="employment.hire").actor_id == operator.pk
    other_operator = make_user(kind=UserKind.EMPLOYER, employer_id=other_employer.pk)
    with pytest.raises(AccessDenied):
        services.employment_separate(
            actor=other_operator, employment_id=employment.pk, end_date="2024-02-01", reason="x"
        )
    with pytest.raises(AccessDenied):  # employer operators do not touch enrolments directly
        services.enrolment_suspend(
            actor=operator, person_id=person.pk, insurance="pension", from_period="202402", reason="x"
        )
    with pytest.raises(AccessDenied):
        services.flexible_register(actor=operator, person_id=person.pk, start_date="2024-01-01")
    citizen = make_user(kind=UserKind.CITIZEN, person_id=person.pk)
    with pytest.raises(AccessDenied):
        services.employment_separate(
            actor=citizen, employment_id=employment.pk, end_date="2024-02-01", reason="x"
        )
    with pytest.raises(AccessDenied):
        services.employment_separate(actor=operator, employment_id=999999, end_date="2024-02-01", reason="x")
    services.employment_separate(
        actor=operator, employment_id=employment.pk, end_date="2024-02-01", reason="辞职"
    )


def test_hire_by_id_number_registers_new_person(clerk, employer):
    number = new_id(born=dt.date(1999, 9, 9))
    employment = services.employment_hire_by_id_number(
        actor=clerk,
        employer_id=employer.pk,
        id_number=number,
        name="赵六",
        start_date="2024-05-01",
        monthly_wage=7000,
    )
    person = Person.objects.get(pk=employment.person_id)
    assert (person.name, person.hukou_region, person.hukou_type, person.region_code) == (
        "赵六",
        CHAOYANG,
        "urban",
        CHAOYANG,
    )
    assert [e.action for e in AuditEntry.objects.order_by("seq")][-2:] == [
        "person.register",
        "employment.hire",
    ]
    with pytest.raises(RegisterError) as info:  # known person, different name
        services.employment_separate_by_id_number(
            actor=clerk,
            employer_id=employer.pk,
            id_number=number,
            end_date="2024-06-01",
            reason="x",
            name="赵七",
        )
    assert info.value.field == "name"
    services.employment_separate_by_id_number(
        actor=clerk, employer_id=employer.pk, id_number=number, end_date="2024-06-01", reason="辞职"
    )
    with pytest.raises(RegisterError) as info:
        services.employment_separate_by_id_number(
            actor=clerk, employer_id=employer.pk, id_number=number, end_date="2024-07-01", reason="x"
        )
    assert "没有在职" in info.value.message_zh


def test_roster(clerk, employer, make_person):
    a, b = make_person(name="甲"), make_person(name="乙")
    hire(clerk, employer, a)
    e = hire(clerk, employer, b)
    services.employment_separate(
        actor=clerk, employment_id=e.pk, end_date=timezone.localdate(), reason="辞职"
    )
    assert [p.name for _, p in selectors.employer_roster(employer_id=employer.pk)] == ["甲"]
    assert {p.name for _, p in selectors.employer_roster(employer_id=employer.pk, active_only=False)} == {
        "甲",
        "乙",
    }


def test_database_itself_refuses_a_second_open_employment_or_enrolment(
    clerk, employer, other_employer, person
):
    """The partial unique indexes hold even if a service check were bypassed."""
    from django.db import IntegrityError, transaction

    hire(clerk, employer, person)
    with pytest.raises(IntegrityError), transaction.atomic():
        Employment.objects.create(
            person=person, kind="employee", employer=other_employer, start_date=dt.date(2024, 5, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(person=person, insurance="pension", status="active", start_period=202405)
