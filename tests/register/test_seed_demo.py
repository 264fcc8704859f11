"""The demo city generator: ``manage.py seed_demo`` and ``shebao.register.bulk``."""

from __future__ import annotations

import io
from collections import Counter

import pytest
from django.core.management import CommandError, call_command
from django.db.models import Count, Q

from shebao.accounts.models import StaffPost, User
from shebao.accounts.rules import totp
from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.audit import audit_verify_database
from shebao.kernel.crypto import blind_index, decrypt
from shebao.kernel.models import AuditEntry, Division
from shebao.kernel.rules.identifiers import IdType, mask_id_number, parse_person_id, parse_uscc
from shebao.register import bulk
from shebao.register.management.commands.seed_demo import DEMO_PASSWORD, DEMO_TOTP_SECRET
from shebao.register.models import Employer, Employment, Enrolment, Person
from shebao.register.rules.codes import (
    FLEXIBLE_INSURANCES,
    EmployerType,
    EmploymentKind,
    EnrolmentStatus,
    Insurance,
    LifeStatus,
)

pytestmark = pytest.mark.django_db

PERSONS, EMPLOYERS = 300, 20


def seed(**options) -> str:
    out = io.StringIO()
    call_command(
        "seed_demo",
        persons=PERSONS,
        employers=EMPLOYERS,
        verbosity=0,
        stdout=out,
        stderr=io.StringIO(),
        **options,
    )
    return out.getvalue()


@pytest.fixture
def seeded(db):
    seed()


def test_counts_and_mix(seeded):
    assert Person.objects.count() == PERSONS
    assert Employer.objects.count() == EMPLOYERS
    assert Employment.objects.count() == PERSONS  # one employment row each
    life = Counter(Person.objects.values_list("life_status", flat=True))
    assert life[LifeStatus.EMPLOYED] > PERSONS // 2
    assert life[LifeStatus.RETIRED] > 0 and life[LifeStatus.UNEMPLOYED] > 0
    assert Employment.objects.filter(kind=EmploymentKind.FLEXIBLE).exists()
    assert set(Person.objects.values_list("sex", flat=True)) == {"M", "F"}


def test_id_numbers_are_valid_encrypted_and_indexed(seeded):
    for person in Person.objects.order_by("id")[:60]:
        number = person.id_number  # decrypted by the field
        parsed = parse_person_id(number, person.id_type)
        assert parsed.number == number
        assert parsed.birth_date == person.birth_date
        assert parsed.sex == person.sex  # sequence parity matches the recorded sex
        assert person.id_blind == blind_index(number, purpose="person.id_number")
        assert person.id_masked == mask_id_number(number)
        if person.id_type == IdType.RESIDENT:
            assert number[:6] == person.hukou_region
    assert Person.objects.values("id_blind").distinct().count() == PERSONS


def test_personal_data_is_encrypted_at_rest(seeded):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id, id_number, phone, bank_account FROM register_person ORDER BY id")
        rows = cur.fetchall()
    assert all(stored.count("$") == 1 for _, stored, _, _ in rows)
    for pk, stored, phone, account in rows[:40]:
        person = Person.objects.get(pk=pk)
        assert decrypt(stored, aad="person.id_number") == person.id_number
        if phone:
            assert decrypt(phone, aad="person.phone") == person.phone
            assert len(person.phone) == 11 and person.phone.startswith("1")
        if account:
            digits = decrypt(account, aad="person.bank_account")
            total = sum(
                int(d) if i % 2 == 0 else (2 * int(d) - 9 if int(d) > 4 else 2 * int(d))
                for i, d in enumerate(reversed(digits))
            )
            assert total % 10 == 0  # Luhn-valid card number


def test_employers_are_valid_and_cover_every_type_and_risk_class(seeded):
    employers = list(Employer.objects.all())
    assert {e.employer_type for e in employers} == {t.value for t in EmployerType}
    assert {e.risk_class for e in employers} == set(range(1, 9))
    districts = {d.code for d in bulk.city_map("110000").districts}
    for employer in employers:
        parsed = parse_uscc(employer.uscc)
        assert parsed.region_code == employer.region_code
        assert not parsed.warnings
        assert employer.region_code in districts
        assert employer.bank_account and employer.contact_phone  # decrypt through the field


def test_every_employee_has_one_active_primary_employment_in_its_district(seeded):
    employed = Person.objects.filter(life_status=LifeStatus.EMPLOYED)
    open_primary = Count(
        "employments", filter=Q(employments__end_date__isnull=True, employments__is_primary=True)
    )
    assert set(employed.annotate(n=open_primary).values_list("n", flat=True)) == {1}
    for job in Employment.objects.filter(kind=EmploymentKind.EMPLOYEE, end_date__isnull=True).select_related(
        "person", "employer"
    ):
        assert job.person.region_code == job.employer.region_code
        assert 2_540_00 <= job.monthly_wage_fen <= 200_000_00
        assert job.start_date >= job.employer.registered_on


def test_enrolments_follow_the_employment_rules(seeded):
    # one open row per person and insurance (also a database constraint)
    per_key = (
        Enrolment.objects.filter(end_period__isnull=True)
        .values("person", "insurance")
        .annotate(n=Count("id"))
    )
    assert {row["n"] for row in per_key} == {1}
    assert not Enrolment.objects.filter(end_period__lt=0).exists()
    for row in Enrolment.objects.exclude(end_period__isnull=True):
        assert row.end_period >= row.start_period - 1
    everything = {i.value for i in Insurance}
    for job in Employment.objects.filter(kind=EmploymentKind.EMPLOYEE, end_date__isnull=True):
        rows = Enrolment.objects.filter(person_id=job.person_id)
        assert {r.insurance for r in rows} == everything
        start = job.start_date.year * 100 + job.start_date.month
        assert all(
            r.status == EnrolmentStatus.ACTIVE
            and r.employer_id == job.employer_id
            and r.start_period == start
            for r in rows
        )


def test_flexible_workers_have_pension_and_medical_only(seeded):
    flexible = Employment.objects.filter(kind=EmploymentKind.FLEXIBLE).values_list("person_id", flat=True)
    assert flexible
    rows = Enrolment.objects.filter(person_id__in=list(flexible))
    assert {r.insurance for r in rows} == {i.value for i in FLEXIBLE_INSURANCES}
    assert not rows.filter(
        insurance__in=[Insurance.INJURY, Insurance.MATERNITY, Insurance.UNEMPLOYMENT]
    ).exists()
    assert all(r.employer_id is None and r.status == EnrolmentStatus.ACTIVE for r in rows)


def test_retirees_pension_is_terminated_and_medical_continues(seeded):
    retirees = list(Person.objects.filter(life_status=LifeStatus.RETIRED))
    assert retirees
    for person in retirees:
        job = Employment.objects.get(person=person)
        assert job.end_reason == "退休" and job.end_date is not None
        age_at_retirement = job.end_date.year - person.birth_date.year
        assert age_at_retirement in (50, 55, 60)
        pension = Enrolment.objects.get(person=person, insurance=Insurance.PENSION, end_period__isnull=True)
        assert pension.status == EnrolmentStatus.TERMINATED and pension.reason == "退休"
        medical = Enrolment.objects.get(person=person, insurance=Insurance.MEDICAL, end_period__isnull=True)
        assert medical.status == EnrolmentStatus.ACTIVE and medical.employer_id is None
        closed = Enrolment.objects.get(person=person, insurance=Insurance.PENSION, end_period__isnull=False)
        assert closed.end_period + 1 == pension.start_period or closed.end_period % 100 == 12


def test_unemployed_are_suspended_after_separation(seeded):
    person = Person.objects.filter(life_status=LifeStatus.UNEMPLOYED).first()
    job = Employment.objects.get(person=person)
    assert job.end_date is not None and job.end_reason
    open_rows = Enrolment.objects.filter(person=person, end_period__isnull=True)
    assert {r.status for r in open_rows} == {EnrolmentStatus.SUSPENDED}
    assert all(r.reason == f"减员：{job.end_reason}" and r.employer_id is None for r in open_rows)


def test_demo_users_of_every_post_and_audience(seeded):
    posts = set(StaffPost.objects.filter(user__username__startswith="demo.").values_list("post", flat=True))
    assert posts == {p.value for p in Post}
    kinds = set(User.objects.values_list("kind", flat=True))
    assert kinds == {k.value for k in UserKind}
    citizen = User.objects.get(kind=UserKind.CITIZEN)
    person = Person.objects.get(pk=citizen.person_id)
    assert person.life_status == LifeStatus.EMPLOYED
    operator = User.objects.get(username="demo.employer")
    assert Employment.objects.filter(
        person=person, employer_id=operator.employer_id, end_date__isnull=True
    ).exists()
    for user in User.objects.all():
        assert user.check_password(DEMO_PASSWORD) and not user.must_change_password
        if user.kind == UserKind.STAFF:
            assert user.totp_confirmed and user.totp_secret == DEMO_TOTP_SECRET


def test_demo_logins_prints_every_user_and_the_current_code(seeded):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    for username in ("demo.front_desk", "demo.reviewer", "demo.auditor", "demo.fund", "demo.admin"):
        assert username in text
    for username in ("demo.employer", "demo.agent", "demo.partner", "citizen-"):
        assert username in text
    assert DEMO_PASSWORD in text and DEMO_TOTP_SECRET in text
    import time

    codes = {totp.code_at(DEMO_TOTP_SECRET, timestamp=time.time() + d) for d in (-30, 0)}
    assert any(code in text for code in codes)


def test_one_audit_entry_for_the_batch_and_the_chain_verifies(seeded):
    entry = AuditEntry.objects.get(action="demo.seed")
    assert f'"persons":{PERSONS}' in entry.after and f'"employers":{EMPLOYERS}' in entry.after
    assert AuditEntry.objects.filter(action__startswith="person.").count() == 0
    count, broken = audit_verify_database()
    assert broken is None and count == AuditEntry.objects.count()


def test_if_empty_is_a_no_op_the_second_time(seeded):
    entries = AuditEntry.objects.count()
    message = seed(if_empty=True)
    assert "nothing seeded" in message
    assert Person.objects.count() == PERSONS and AuditEntry.objects.count() == entries


def test_refuses_a_non_empty_register_without_append(seeded):
    with pytest.raises(CommandError, match="--append"):
        seed()
    assert Person.objects.count() == PERSONS


def test_append_adds_unique_persons_and_keeps_the_constraints(seeded):
    seed(append=True, seed=2026)  # the same seed: the numbers must still not collide
    assert Person.objects.count() == 2 * PERSONS
    assert Person.objects.values("id_blind").distinct().count() == 2 * PERSONS
    assert User.objects.filter(username="demo.admin").count() == 1
    assert AuditEntry.objects.filter(action="demo.seed").count() == 2
    assert audit_verify_database()[1] is None


def test_same_seed_same_city(db):
    seed(no_users=True)
    first = list(Person.objects.order_by("id").values_list("id_blind", "name", "birth_date", "region_code"))
    Enrolment.objects.all().delete()
    Employment.objects.all().delete()
    Person.objects.all().delete()
    Employer.objects.all().delete()
    seed(no_users=True)
    again = list(Person.objects.order_by("id").values_list("id_blind", "name", "birth_date", "region_code"))
    assert again == first


def test_builtin_districts_when_the_division_table_is_empty(db):
    Division.objects.all().delete()
    city = bulk.city_map("110000")
    assert city.source == "builtin"
    assert [d.code for d in city.districts][:2] == ["110101", "110102"] and len(city.districts) == 16
    with pytest.raises(ValueError, match="110000"):
        bulk.city_map("310000")
    err = io.StringIO()
    call_command("seed_demo", persons=50, employers=5, verbosity=0, stdout=io.StringIO(), stderr=err)
    assert "built-in" in err.getvalue()
    assert set(Person.objects.values_list("region_code", flat=True)) <= {d.code for d in city.districts}


def test_persons_need_an_employer(db):
    with pytest.raises(CommandError, match="employer"):
        call_command("seed_demo", persons=10, employers=0, verbosity=0, stdout=io.StringIO())
    assert not Person.objects.exists()


def _indexes(table: str) -> dict:
    from django.db import connection

    with connection.cursor() as cur:
        found = connection.introspection.get_constraints(cur, table)
    return {name: (c["columns"], c["unique"], c["foreign_key"]) for name, c in found.items()}


def test_large_load_path_forks_and_rebuilds_indexes(db):
    """The path a million-person load takes, on a small scale: the generator in a forked
    process, several chunks, secondary indexes and keys dropped and rebuilt."""
    tables = [m._meta.db_table for m in (Person, Employment, Enrolment)]
    before = {t: _indexes(t) for t in tables}
    report = bulk.seed_register(
        persons=1200, employers=30, city_code="110000", chunk=500, workers=1, rebuild_indexes=True
    )
    assert "forked generator" in report.strategy and "indexes rebuilt" in report.strategy
    assert (report.persons, report.employments) == (1200, 1200)
    assert report.enrolments == Enrolment.objects.count()
    assert (
        report.stats.employees + report.stats.flexible + report.stats.unemployed + report.stats.retired
        == 1200
    )
    assert {t: _indexes(t) for t in tables} == before
    assert Person.objects.values("id_blind").distinct().count() == 1200
    ids = list(Person.objects.order_by("id").values_list("id", flat=True))
    assert ids == list(range(ids[0], ids[0] + 1200))  # reserved in one block
