"""The register API: staff, citizen (me) and employer routers, with bearer tokens."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from openpyxl import Workbook

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.kernel.models import AuditEntry, DataAccess
from shebao.register import services
from shebao.register.models import Employment, Person
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id, new_uscc

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/staff/"


@pytest.fixture
def api(token_client, clerk):
    return token_client(clerk)


# --- authentication -------------------------------------------------------------------------


def test_token_required(client, person):
    assert (
        client.post(
            STAFF + "persons/lookup", {"id_number": person.id_number}, content_type="application/json"
        ).status_code
        == 401
    )
    bad = client.get(f"{STAFF}persons/{person.pk}", headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401


def test_openapi_lists_the_three_audiences(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/staff/persons/lookup", "/api/v1/me/", "/api/v1/employer/batch"):
        assert path in paths
    assert not any("id_number" in path for path in paths)  # never an ID number in a URL


# --- staff: persons -------------------------------------------------------------------------


def test_lookup_masked_and_logged(api, clerk, person):
    response = api.post(STAFF + "persons/lookup", {"id_number": person.id_number})
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == person.pk and body["id_masked"] == person.id_masked
    assert body["phone_masked"] == "139****5678" and body["bank_account_masked"] == "****0300"
    assert person.id_number not in response.content.decode()
    assert "13912345678" not in response.content.decode()
    log = DataAccess.objects.get()
    assert (log.subject_id, log.actor_id, log.channel, log.fields, log.post) == (
        person.pk,
        clerk.pk,
        "api",
        "masked",
        "reviewer",
    )


def test_lookup_is_one_indexed_read_and_one_insert(api, person):
    api.post(STAFF + "persons/lookup", {"id_number": person.id_number})  # warm up caches
    with CaptureQueriesContext(connection) as queries:
        assert api.post(STAFF + "persons/lookup", {"id_number": person.id_number}).status_code == 200
    person_reads = [q["sql"] for q in queries.captured_queries if 'FROM "register_person"' in q["sql"]]
    inserts = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("INSERT")]
    assert len(person_reads) == 1 and "id_blind" in person_reads[0]
    assert len(inserts) == 1 and "kernel_dataaccess" in inserts[0]
    assert len(queries.captured_queries) <= 5  # token, posts, person, insert (+ savepoint-free)


def test_lookup_not_found_and_fifteen_digits(api, make_person):
    assert api.post(STAFF + "persons/lookup", {"id_number": new_id()}).status_code == 404
    person = make_person("110105491231002")
    assert api.post(STAFF + "persons/lookup", {"id_number": "110105491231002"}).json()["id"] == person.pk
    assert api.post(STAFF + "persons/lookup", {"id_number": "garbage"}).status_code == 404
    assert not DataAccess.objects.filter(subject_id=0).exists()


def test_lookup_out_of_region_and_non_staff(token_client, staff, make_user, person):
    other = token_client(staff(Post.REVIEWER, DONGCHENG))
    assert other.post(STAFF + "persons/lookup", {"id_number": person.id_number}).status_code == 403
    citizen = token_client(make_user(kind=UserKind.CITIZEN, person_id=person.pk))
    assert citizen.post(STAFF + "persons/lookup", {"id_number": person.id_number}).status_code == 403
    assert not DataAccess.objects.exists()


def test_register_change_reveal_history(api, person):
    number = new_id()
    created = api.post(
        STAFF + "persons",
        {
            "id_number": number,
            "name": "周八",
            "hukou_region": CHAOYANG,
            "hukou_type": "rural",
            "phone": "13700000000",
        },
    )
    assert created.status_code == 201, created.content
    pid = created.json()["person"]["id"]
    assert created.json()["warnings"] == [] and number not in created.content.decode()
    duplicate = api.post(
        STAFF + "persons",
        {"id_number": number, "name": "周八", "hukou_region": CHAOYANG, "hukou_type": "rural"},
    )
    assert duplicate.status_code == 400
    assert duplicate.json() == {
        "field": "id_number",
        "message": "该证件号码已登记",
        "message_en": "this ID number is already registered",
        "row": None,
    }
    english = api.post(
        STAFF + "persons",
        {"id_number": "12", "name": "x", "hukou_region": CHAOYANG, "hukou_type": "urban"},
        headers={"Accept-Language": "en"},
    )
    assert english.status_code == 400 and english.json()["message"] == english.json()["message_en"]
    changed = api.patch(f"{STAFF}persons/{pid}", {"address": "朝阳路1号"})
    assert changed.status_code == 200 and changed.json()["address"] == "朝阳路1号"
    assert api.patch(f"{STAFF}persons/{pid}", {"hukou_region": "999999"}).json()["field"] == "hukou_region"
    revealed = api.post(f"{STAFF}persons/{pid}/reveal", {"field": "id_number"})
    assert revealed.json() == {"field": "id_number", "value": number}
    history = api.get(f"{STAFF}persons/{pid}/history").json()
    assert [h["action"] for h in history] == ["person.reveal", "person.change", "person.register"]
    assert history[1]["after"] == {"address": "朝阳路1号"}
    assert api.get(f"{STAFF}persons/{pid}").status_code == 200
    log = api.get(f"{STAFF}persons/{pid}/access-log").json()
    assert {item["kind"] for item in log} == {"read", "reveal"}


def test_person_forbidden_and_missing(token_client, staff, person):
    other = token_client(staff(Post.REVIEWER, DONGCHENG))
    for path in (
        f"persons/{person.pk}",
        f"persons/{person.pk}/history",
        f"persons/{person.pk}/access-log",
        "persons/99999",
    ):
        assert other.get(STAFF + path).status_code == 403
    assert other.post(f"{STAFF}persons/{person.pk}/reveal", {"field": "phone"}).status_code == 403
    assert other.patch(f"{STAFF}persons/{person.pk}", {"address": "x"}).status_code == 403
    front = token_client(staff(Post.FRONT_DESK, CHAOYANG))
    assert front.post(f"{STAFF}persons/{person.pk}/reveal", {"field": "phone"}).status_code == 403
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


# --- staff: employers and employments --------------------------------------------------------


def test_employer_endpoints(api, employer):
    assert [e["id"] for e in api.get(STAFF + "employers?q=示例").json()] == [employer.pk]
    assert api.get(f"{STAFF}employers/{employer.pk}").json()["contact_phone_masked"] == "138****1234"
    created = api.post(
        STAFF + "employers",
        {
            "uscc": new_uscc(),
            "name": "新单位",
            "employer_type": "enterprise",
            "region_code": CHAOYANG,
            "risk_class": 4,
            "registered_on": "2020-01-01",
        },
    )
    assert created.status_code == 201 and created.json()["risk_class"] == 4
    bad = api.post(
        STAFF + "employers",
        {"uscc": "123", "name": "x", "employer_type": "enterprise", "region_code": CHAOYANG, "risk_class": 1},
    )
    assert bad.status_code == 400 and bad.json()["field"] == "uscc"
    eid = created.json()["id"]
    assert api.patch(f"{STAFF}employers/{eid}", {"industry": "软件"}).json()["industry"] == "软件"
    cancelled = api.post(f"{STAFF}employers/{eid}/cancel", {"cancelled_on": "2026-01-01", "reason": "注销"})
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"


def test_employment_endpoints(api, employer, person):
    hired = api.post(
        STAFF + "employments",
        {
            "employer_id": employer.pk,
            "person_id": person.pk,
            "start_date": "2024-01-02",
            "monthly_wage": 8800.5,
        },
    )
    assert hired.status_code == 201, hired.content
    assert hired.json()["monthly_wage"] == "8800.50"
    again = api.post(
        STAFF + "employments",
        {"employer_id": employer.pk, "person_id": person.pk, "start_date": "2024-02-02"},
    )
    assert again.status_code == 400 and "减员" in again.json()["message"]
    base = f"{STAFF}persons/{person.pk}/enrolments/"
    suspended = api.post(base + "pension/suspend", {"from_period": "202403", "reason": "停保"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert (
        api.post(base + "pension/resume", {"from_period": "202405", "reason": "复保"}).json()["status"]
        == "active"
    )
    assert (
        api.post(base + "pension/terminate", {"from_period": "202406", "reason": "x"}).json()["status"]
        == "terminated"
    )
    assert api.post(base + "pension/explode", {"from_period": "202406", "reason": "x"}).status_code == 404
    assert api.post(base + "dental/suspend", {"from_period": "202406", "reason": "x"}).status_code == 422
    enrolments = api.get(f"{STAFF}persons/{person.pk}/enrolments").json()
    assert len(enrolments) == 8 and enrolments[0]["employer_name"] in ("", "北京示例科技有限公司")
    separated = api.post(
        f"{STAFF}employments/{hired.json()['id']}/separate", {"end_date": "2024-08-31", "reason": "辞职"}
    )
    assert separated.status_code == 200 and separated.json()["end_date"] == "2024-08-31"
    flexible = api.post(
        f"{STAFF}persons/{person.pk}/flexible",
        {"start_date": "2024-09-01", "insurances": ["pension", "injury"]},
    )
    assert flexible.status_code == 400 and flexible.json()["field"] == "insurances"
    assert api.post(f"{STAFF}persons/{person.pk}/flexible", {"start_date": "2024-09-01"}).status_code == 201


# --- citizen ----------------------------------------------------------------------------------


def test_me_endpoints(token_client, make_user, staff, person, make_person, clerk):
    me = token_client(make_user(kind=UserKind.CITIZEN, person_id=person.pk))
    body = me.get("/api/v1/me/").json()
    assert body["id"] == person.pk and body["id_masked"] == person.id_masked
    assert me.get("/api/v1/me/enrolments").json() == []
    services.person_reveal(actor=clerk, person_id=person.pk, field="phone")
    log = me.get("/api/v1/me/access-log").json()
    assert len(log) == 1 and log[0]["kind"] == "reveal" and log[0]["actor_label"] == clerk.username
    assert me.get("/api/v1/me/employments").status_code == 200
    # other kinds of user have no "me"
    assert token_client(staff(Post.REVIEWER, CHAOYANG)).get("/api/v1/me/").status_code == 403
    assert token_client(make_user(kind=UserKind.CITIZEN)).get("/api/v1/me/").status_code == 403
    # and a citizen cannot reach staff endpoints for anyone, themselves included
    other = make_person(name="别人")
    assert me.get(f"{STAFF}persons/{other.pk}").status_code == 403
    assert me.get(f"{STAFF}persons/{person.pk}").status_code == 403


# --- employer ---------------------------------------------------------------------------------


def _xlsx(rows) -> bytes:
    workbook = Workbook()
    workbook.active.append(["证件号码", "姓名", "入职日期", "月工资"])
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_employer_endpoints_for_operator(token_client, make_user, employer, other_employer, person, system):
    op = token_client(make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk))
    assert op.get("/api/v1/employer/").json()["id"] == employer.pk
    hired = op.post(
        "/api/v1/employer/hires",
        {"id_number": person.id_number, "name": "张三", "start_date": "2024-01-01", "monthly_wage": "9000"},
    )
    assert hired.status_code == 201, hired.content
    new_number = new_id()
    assert (
        op.post(
            "/api/v1/employer/hires", {"id_number": new_number, "name": "孙九", "start_date": "2024-01-01"}
        ).status_code
        == 201
    )
    roster = op.get("/api/v1/employer/staff").json()
    assert {r["name"] for r in roster} == {"张三", "孙九"}
    assert all("*" in r["id_masked"] for r in roster) and new_number not in str(roster)
    separated = op.post(
        "/api/v1/employer/separations", {"id_number": new_number, "end_date": "2024-03-31", "reason": "辞职"}
    )
    assert separated.status_code == 200
    assert len(op.get("/api/v1/employer/staff").json()) == 1
    assert len(op.get("/api/v1/employer/staff?include_past=true").json()) == 2
    wrong = op.post(
        "/api/v1/employer/separations", {"id_number": new_number, "end_date": "2024-03-31", "reason": "辞职"}
    )
    assert wrong.status_code == 400
    # the operator may look at their own staff's record through "persons" only as staff can: not at all
    assert op.get(f"{STAFF}persons/{person.pk}").status_code == 403
    # another employer's operator sees nothing of this one
    other = token_client(make_user(kind=UserKind.EMPLOYER, employer_id=other_employer.pk))
    assert {r["name"] for r in other.get("/api/v1/employer/staff").json()} == set()
    assert (
        token_client(make_user(kind=UserKind.CITIZEN, person_id=person.pk))
        .get("/api/v1/employer/staff")
        .status_code
        == 403
    )


def test_employer_batch_upload(token_client, make_user, employer):
    op = token_client(make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk))
    good = SimpleUploadedFile(
        "b.xlsx", _xlsx([[new_id(), "甲", "2024-03-01", 8000], [new_id(), "乙", "2024-03-01", 8000]])
    )
    response = op.post("/api/v1/employer/batch", {"kind": "hire"}, files={"file": good})
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "processed": 2, "errors": [], "warnings": []}
    bad = SimpleUploadedFile(
        "b.xlsx", _xlsx([[new_id(), "丙", "2024-03-01", 8000], [new_id(), "丁", "2024-03-01", "oops"]])
    )
    response = op.post("/api/v1/employer/batch", {"kind": "hire"}, files={"file": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["errors"][0]["row"] == 3 and body["errors"][0]["field"] == "月工资"
    assert not Person.objects.filter(name="丙").exists()
    fake = SimpleUploadedFile("b.xlsx", b"not a workbook")
    assert (
        op.post("/api/v1/employer/batch", {"kind": "hire"}, files={"file": fake}).json()["errors"][0]["field"]
        == "file"
    )
    assert (
        op.post(
            "/api/v1/employer/batch", {"kind": "fire"}, files={"file": SimpleUploadedFile("b.xlsx", b"x")}
        ).status_code
        == 400
    )
    assert Employment.objects.count() == 2
