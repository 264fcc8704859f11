"""No plaintext personal identifier anywhere in the database, and the concurrent
double-hire guard (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import close_old_connections, connection

from shebao.kernel.audit import audit_context, data_access_record
from shebao.register import services
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.errors import RegisterError
from shebao.register.models import Employment, Person
from tests.register.conftest import CHAOYANG, new_id, new_uscc

ID_A = "11010519491231002X"
ID_B_15 = "110105700101123"  # stored as its 18-digit form
PHONE = "13987654321"
BANK = "6217000099998888777"
EMPLOYER_PHONE = "13600001111"
EMPLOYER_BANK = "6222333344445555666"


def dump_database() -> str:
    """Every row of every table as text (what a stolen backup would show)."""
    chunks = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608 - table names from introspection
            chunks.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(chunks)


@pytest.mark.django_db
def test_database_dump_contains_no_plaintext_identifier(clerk, system):
    a = services.person_register(
        actor=clerk,
        id_number=ID_A,
        name="甲",
        hukou_region=CHAOYANG,
        hukou_type="urban",
        phone=PHONE,
        bank_account=BANK,
    ).person
    b = services.person_register(
        actor=clerk, id_number=ID_B_15, name="乙", hukou_region=CHAOYANG, hukou_type="urban"
    ).person
    employer = services.employer_register(
        actor=clerk,
        uscc=new_uscc(),
        name="单位",
        employer_type="enterprise",
        region_code=CHAOYANG,
        risk_class=1,
        contact_phone=EMPLOYER_PHONE,
        bank_account=EMPLOYER_BANK,
        registered_on=dt.date(2020, 1, 1),
    )
    services.employment_hire(
        actor=clerk, employer_id=employer.pk, person_id=a.pk, start_date="2024-01-01", monthly_wage=8000
    )
    services.employment_hire_by_id_number(
        actor=clerk, employer_id=employer.pk, id_number=new_id(), name="丙", start_date="2024-01-01"
    )
    services.person_change(
        actor=clerk, person_id=a.pk, changes={"phone": "13511112222", "bank_account": "6217000011110000999"}
    )
    services.employer_change(actor=clerk, employer_id=employer.pk, changes={"contact_phone": "13622223333"})
    for field in ("id_number", "phone", "bank_account"):
        assert services.person_reveal(actor=clerk, person_id=a.pk, field=field)
    data_access_record(subject_id=b.pk, fields="masked", purpose="test", channel="web", actor=clerk)

    dump = dump_database()
    b18 = Person.objects.get(pk=b.pk).id_number
    assert len(b18) == 18 and b18.startswith("11010519700101")
    secrets = [
        ID_A,
        ID_A.lower(),
        b18,
        ID_B_15,
        PHONE,
        BANK,
        EMPLOYER_PHONE,
        EMPLOYER_BANK,
        "13511112222",
        "6217000011110000999",
        "13622223333",
    ]
    for secret in secrets:
        assert secret not in dump, f"plaintext {secret[:4]}… found in the database dump"
    # the dump is real: masked forms and names are there
    for visible in ("110105********002X", "甲", "139****4321", "****8777"):
        assert visible in dump


def test_dump_helper_would_see_plaintext(db):
    """The dump test can fail: a plaintext value written to a plain column shows up."""
    Person.objects.create(
        id_type="resident",
        id_number="x",
        id_blind="b",
        id_masked="m",
        name=ID_A,  # deliberately misplaced
        sex="F",
        birth_date=dt.date(1949, 12, 31),
        hukou_region=CHAOYANG,
        region_code=CHAOYANG,
        hukou_type="urban",
        registered_on=dt.date(2020, 1, 1),
    )
    assert ID_A in dump_database()


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif("connection.vendor != 'postgresql'", reason="needs concurrent transactions (PostgreSQL)")
def test_concurrent_double_hire_exactly_one_wins(divisions):
    with audit_context(request_id="concurrency-test", actor_label="pytest"):
        person = services.person_register(
            actor=SYSTEM_ACTOR, id_number=new_id(), name="抢", hukou_region=CHAOYANG, hukou_type="urban"
        ).person
        employers = [
            services.employer_register(
                actor=SYSTEM_ACTOR,
                uscc=new_uscc(),
                name=f"单位{i}",
                employer_type="enterprise",
                region_code=CHAOYANG,
                risk_class=1,
                registered_on=dt.date(2020, 1, 1),
            )
            for i in range(2)
        ]
    barrier = threading.Barrier(2)
    outcomes: list[str] = []
    lock = threading.Lock()

    def hire(employer):
        try:
            barrier.wait(timeout=10)
            with audit_context(request_id=f"hire-{employer.pk}", actor_label="pytest"):
                services.employment_hire(
                    actor=SYSTEM_ACTOR, employer_id=employer.pk, person_id=person.pk, start_date="2024-01-01"
                )
            result = "ok"
        except RegisterError as exc:
            result = f"refused: {exc.message_zh}"
        except Exception as exc:  # noqa: BLE001 - report anything else as a failure
            result = f"error: {exc!r}"
        finally:
            close_old_connections()
            connection.close()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=hire, args=(e,)) for e in employers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(o.split(":")[0] for o in outcomes) == ["ok", "refused"], outcomes
    assert Employment.objects.filter(person=person, end_date__isnull=True).count() == 1
    refused = next(o for o in outcomes if o.startswith("refused"))
    assert "尚未减员" in refused
