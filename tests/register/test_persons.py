"""Person registration and change (个人参保登记 / 信息变更), incl. rules.md T01–T04."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.accounts.rules.permissions import Post
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.identifiers import id_check_character, make_person_id
from shebao.register import selectors, services
from shebao.register.errors import RegisterError
from shebao.register.models import Person
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

pytestmark = pytest.mark.django_db


def register(actor, number, **fields):
    defaults = {"name": "王五", "hukou_region": CHAOYANG, "hukou_type": "urban"}
    return services.person_register(actor=actor, id_number=number, **{**defaults, **fields})


# --- rules.md §11 identifier cases through the service ------------------------------------


def test_t01_check_x_female_birth_date(system):
    person = register(system, "11010519491231002X").person
    assert (person.sex, person.birth_date, person.id_masked) == (
        "F",
        dt.date(1949, 12, 31),
        "110105********002X",
    )
    assert person.id_number == "11010519491231002X"


def test_t02_abolished_county_accepted_without_warning(system):
    result = register(system, "440524188001010014")
    assert result.person.birth_date == dt.date(1880, 1, 1)
    assert result.warnings == []


def test_t03_fifteen_digits_converted_then_duplicate(system):
    result = register(system, "110105491231002")
    assert result.person.id_number == "11010519491231002X"
    assert any("15位" in w for w in result.warnings)
    with pytest.raises(RegisterError) as info:
        register(system, "11010519491231002x")
    assert (info.value.field, info.value.message_zh) == ("id_number", "该证件号码已登记")
    assert Person.objects.count() == 1


def test_t04_code_created_after_birth_is_accepted(system):
    result = register(system, "500101196001011236")
    assert result.person.birth_date == dt.date(1960, 1, 1)
    assert result.warnings == []


def test_address_code_that_never_existed_warns_but_registers(system):
    result = register(system, make_person_id("123456", dt.date(1990, 1, 1), 11))
    assert Person.objects.filter(pk=result.person.pk).exists()
    assert len(result.warnings) == 1 and "地址码" in result.warnings[0]
    entry = AuditEntry.objects.get(action="person.register")
    assert "地址码" in json.loads(entry.after)["warnings"][0]


# --- refused input --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "code_text"),
    [
        ("12345", "18位"),
        ("110105194912310021", "校验码"),  # wrong check character (should be X)
        ("11010519491331002" + id_check_character("11010519491331002"), "有效日期"),
        ("ABCDEFGHIJKLMNOPQR", "前17位"),
        ("", "不能为空"),
    ],
)
def test_malformed_ids_refused(system, number, code_text):
    with pytest.raises(RegisterError) as info:
        register(system, number)
    assert info.value.field == "id_number"
    assert code_text in info.value.message_zh
    assert info.value.message_en
    assert not Person.objects.exists()


def test_future_birth_date_refused(system):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    with pytest.raises(RegisterError) as info:
        register(system, make_person_id("110105", tomorrow, 11))
    assert info.value.field == "id_number" and "晚于今天" in info.value.message_zh


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"hukou_region": "999999"}, "hukou_region"),
        ({"hukou_region": "11010"}, "hukou_region"),
        ({"hukou_region": "110103"}, "hukou_region"),  # abolished: not a current household region
        ({"region_code": "990000"}, "region_code"),
        ({"hukou_type": "martian"}, "hukou_type"),
        ({"name": ""}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"phone": "12345"}, "phone"),
        ({"bank_account": "abc"}, "bank_account"),
        ({"id_type": "foreign_pr"}, "id_number"),
        ({"id_type": "passport"}, "id_type"),
        ({"registered_on": "2999-01-01"}, "registered_on"),
        ({"registered_on": "1950-01-01"}, "registered_on"),  # before birth
    ],
)
def test_bad_fields_refused_naming_the_field(system, fields, field):
    with pytest.raises(RegisterError) as info:
        register(system, new_id(born=dt.date(1980, 1, 1)), **fields)
    assert info.value.field == field
    assert info.value.message_zh and info.value.message_en
    assert not Person.objects.exists()
    assert not AuditEntry.objects.filter(action="person.register").exists()


def test_register_audited_with_masked_values(system):
    number = new_id()
    person = register(system, number, phone="13912345678", bank_account="6217000010002000300").person
    entry = AuditEntry.objects.get(action="person.register", object_id=str(person.pk))
    after = json.loads(entry.after)
    assert after["phone"] == "139****5678"
    assert after["bank_account"] == "****0300"
    assert after["id_masked"] == person.id_masked
    assert number not in entry.after and "13912345678" not in entry.after


def test_region_code_defaults_to_hukou_and_can_differ(system):
    a = register(system, new_id()).person
    b = register(system, new_id(), region_code=DONGCHENG).person
    assert (a.region_code, b.region_code) == (CHAOYANG, DONGCHENG)


# --- permissions ----------------------------------------------------------------------------


def test_staff_registers_only_in_their_region(staff, divisions, audit_ctx):
    clerk = staff(Post.FRONT_DESK, CHAOYANG)
    assert register(clerk, new_id()).person.region_code == CHAOYANG
    with pytest.raises(AccessDenied):
        register(clerk, new_id(), hukou_region=DONGCHENG)
    auditor = staff(Post.AUDITOR, "110000")  # can view, cannot write
    with pytest.raises(AccessDenied):
        register(auditor, new_id())
    entry = AuditEntry.objects.get(action="person.register")
    assert entry.post == "front_desk" and entry.actor_id == clerk.pk


def test_citizen_cannot_register(make_user, divisions, audit_ctx):
    from shebao.accounts.rules.permissions import UserKind

    with pytest.raises(AccessDenied):
        register(make_user(kind=UserKind.CITIZEN), new_id())


# --- change -------------------------------------------------------------------------------


def test_change_records_before_and_after(clerk, person):
    services.person_change(
        actor=clerk,
        person_id=person.pk,
        changes={
            "name": "张三丰",
            "phone": "13700001111",
            "card_number": "a12345678",
            "card_status": "normal",
        },
    )
    person.refresh_from_db()
    assert (person.name, person.phone, person.card_number) == ("张三丰", "13700001111", "A12345678")
    entry = AuditEntry.objects.get(action="person.change")
    assert json.loads(entry.before) == {
        "name": "张三",
        "phone": "139****5678",
        "card_number": "",
        "card_status": "none",
    }
    assert json.loads(entry.after)["phone"] == "137****1111"
    history = selectors.record_history(object_type="person", object_id=person.pk)
    assert [e.action for e in history] == ["person.change", "person.register"]


def test_change_without_difference_writes_nothing(clerk, person):
    services.person_change(actor=clerk, person_id=person.pk, changes={"name": "张三"})
    assert not AuditEntry.objects.filter(action="person.change").exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"id_number": "11010519491231002X"}, "id_number"),
        ({"sex": "M"}, "sex"),
        ({"hukou_region": "000000"}, "hukou_region"),
        ({"life_status": "deceased"}, "death_date"),
        ({"death_date": "2020-01-01"}, "death_date"),
        ({"life_status": "deceased", "death_date": "2999-01-01"}, "death_date"),
        ({"life_status": "deceased", "death_date": "1900-01-01"}, "death_date"),
        ({"card_status": "eaten"}, "card_status"),
    ],
)
def test_bad_changes_refused(clerk, person, changes, field):
    with pytest.raises(RegisterError) as info:
        services.person_change(actor=clerk, person_id=person.pk, changes=changes)
    assert info.value.field == field
    assert not AuditEntry.objects.filter(action="person.change").exists()


def test_change_region_needs_rights_in_both_regions(staff, person, audit_ctx):
    local = staff(Post.REVIEWER, CHAOYANG)
    with pytest.raises(AccessDenied):
        services.person_change(actor=local, person_id=person.pk, changes={"region_code": DONGCHENG})
    city = staff(Post.REVIEWER, "110000")
    services.person_change(actor=city, person_id=person.pk, changes={"region_code": DONGCHENG})
    person.refresh_from_db()
    assert person.region_code == DONGCHENG
    with pytest.raises(AccessDenied):  # no longer in the local clerk's region
        services.person_change(actor=local, person_id=person.pk, changes={"address": "x"})


def test_death_ends_employment_and_terminates_enrolments(clerk, person, employer):
    employment = services.employment_hire(
        actor=clerk,
        employer_id=employer.pk,
        person_id=person.pk,
        start_date="2024-01-02",
        monthly_wage="9000",
    )
    services.person_change(
        actor=clerk, person_id=person.pk, changes={"life_status": "deceased", "death_date": "2024-05-10"}
    )
    employment.refresh_from_db()
    assert (employment.end_date, employment.end_reason) == (dt.date(2024, 5, 10), "死亡")
    status = selectors.person_current_status(person_id=person.pk)
    assert {row.status for row in status.values()} == {"terminated"}
    assert {row.start_period for row in status.values()} == {202406}
    # a deceased person is neither hired nor re-enrolled
    with pytest.raises(RegisterError) as info:
        services.employment_hire(
            actor=clerk, employer_id=employer.pk, person_id=person.pk, start_date="2024-07-01"
        )
    assert "死亡" in info.value.message_zh
    with pytest.raises(RegisterError):
        services.flexible_register(actor=clerk, person_id=person.pk, start_date="2024-07-01")


# --- reveal ---------------------------------------------------------------------------------


def test_reveal_is_audited_and_needs_the_permission(clerk, staff, person):
    number = services.person_reveal(actor=clerk, person_id=person.pk, field="id_number")
    assert number == person.id_number
    assert services.person_reveal(actor=clerk, person_id=person.pk, field="phone") == "13912345678"
    entries = AuditEntry.objects.filter(action="person.reveal", object_id=str(person.pk))
    assert entries.count() == 2 and number not in entries.first().after
    log = selectors.person_access_log(person_id=person.pk)
    assert [item.kind for item in log] == ["reveal", "reveal"]
    front_desk = staff(Post.FRONT_DESK, CHAOYANG)  # no PERSON_REVEAL
    with pytest.raises(AccessDenied):
        services.person_reveal(actor=front_desk, person_id=person.pk, field="id_number")
    with pytest.raises(RegisterError):
        services.person_reveal(actor=clerk, person_id=person.pk, field="name_of_cat")


# --- selectors ------------------------------------------------------------------------------


def test_lookup_by_number_and_search(clerk, staff, make_person):
    number = "110105491231002"
    person = make_person(number, name="李雷")
    make_person(name="李梅")
    make_person(name="韩梅梅", region=DONGCHENG)
    assert selectors.person_by_id_number(id_number=number) == person
    assert selectors.person_by_id_number(id_number="11010519491231002x") == person
    assert selectors.person_by_id_number(id_number="not a number") is None
    assert [p.name for p in selectors.person_search(user=clerk, query="李")] == ["李梅", "李雷"]
    assert selectors.person_search(user=clerk, query="11010519491231002X") == [person]
    assert selectors.person_search(user=clerk, query="韩") == []  # other district
    assert [p.name for p in selectors.person_search(user=staff(Post.AUDITOR, "110000"), query="韩")] == [
        "韩梅梅"
    ]
    assert selectors.person_search(user=staff(Post.FUND_ACCOUNTANT, "110000"), query="李") == []
