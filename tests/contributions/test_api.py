"""The contributions API: staff, employer and citizen routers with bearer tokens, each
endpoint with good and bad input and the access rules of its audience."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from openpyxl import Workbook

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions.codes import RunStatus
from shebao.contributions.models import AssessmentRun, MonthlyDeclaration, Parameter, WageDeclaration
from shebao.register import services as register
from tests.contributions.conftest import PERIOD, make_person_direct
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id

pytestmark = pytest.mark.django_db

STAFF = "/api/v1/staff/contributions/"
EMPLOYER = "/api/v1/employer/contributions/"
ME = "/api/v1/me/contributions/"
_ON_POSTGRES = django_settings.DATABASES["default"]["ENGINE"].endswith("postgresql")
IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def reviewer(token_client, staff, params):
    return token_client(staff(Post.REVIEWER, CHAOYANG))


@pytest.fixture
def accountant(token_client, staff, params):
    return token_client(staff(Post.FUND_ACCOUNTANT, "110000"))


@pytest.fixture
def operator(token_client, make_user, employer):
    return token_client(make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk))


def _xlsx(rows, header=("证件号码", "姓名", "上年度月平均工资")) -> bytes:
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --- the document --------------------------------------------------------------------------


def test_openapi_lists_the_contribution_paths(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in (
        "/api/v1/staff/contributions/parameters",
        "/api/v1/staff/contributions/rate-sheet",
        "/api/v1/staff/contributions/runs",
        "/api/v1/staff/contributions/runs/{run_id}",
        "/api/v1/staff/contributions/bills",
        "/api/v1/employer/contributions/declarations",
        "/api/v1/employer/contributions/declarations/excel",
        "/api/v1/employer/contributions/monthly-declarations",
        "/api/v1/employer/contributions/bills",
        "/api/v1/me/contributions/lines",
        "/api/v1/me/contributions/grade",
    ):
        assert path in paths, path
    assert not any("id_number" in path for path in paths)


def test_token_required(client, params):
    assert client.get(STAFF + "parameters").status_code == 401
    assert client.get(EMPLOYER + "bills").status_code == 401
    assert client.get(ME + "bills").status_code == 401


# --- staff: parameters and rate sheets -----------------------------------------------------------


def test_parameter_list_filters_and_formats(reviewer):
    response = reviewer.get(STAFF + "parameters?kind=employer_rate&jurisdiction=110000")
    assert response.status_code == 200
    rows = {r["key"]: r for r in response.json()}
    assert rows["pension"]["value"] == 160_000 and rows["pension"]["display"] == "16%"
    assert rows["pension"]["valid_from"] == "201905" and rows["pension"]["unit"] == "ppm"
    assert {r["kind"] for r in response.json()} == {"employer_rate"}
    floor = reviewer.get(STAFF + "parameters?kind=base_floor").json()
    assert any(r["display"] == "7162.00" for r in floor)
    assert reviewer.get(STAFF + "parameters?jurisdiction=999999").json() == []


def test_parameter_add_only_by_the_administrator(token_client, staff, reviewer, params):
    payload = {
        "kind": "late_fee_daily", "jurisdiction": "110000", "valid_from": "202701", "value": 400,
        "source_doc": "京人社发〔2026〕1号",
    }
    refused = reviewer.post(STAFF + "parameters", payload)
    assert refused.status_code == 403 and refused.json()["message_en"] == "your post does not allow this"
    admin = token_client(staff(Post.ADMIN, "110000"))
    created = admin.post(STAFF + "parameters", payload)
    assert created.status_code == 201, created.content
    assert created.json()["display"] == "0.04%" and created.json()["valid_from"] == "202701"
    assert Parameter.objects.filter(kind="late_fee_daily", valid_from=202701).exists()
    # the administrator lists parameters without CONTRIBUTION_VIEW
    assert admin.get(STAFF + "parameters?kind=late_fee_daily").status_code == 200
    # an administrator of another province may not touch Beijing's
    assert token_client(staff(Post.ADMIN, "310000")).post(STAFF + "parameters", payload).status_code == 403


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "bonus"}, "kind"),
        ({"valid_from": "2027-13"}, "valid_from"),
        ({"valid_from": "202713"}, "valid_from"),
        ({"value": -5}, "value"),
        ({"value": "lots"}, "value"),
        ({"jurisdiction": "11"}, "jurisdiction"),
        ({"source_doc": ""}, "source_doc"),
    ],
)
def test_parameter_add_bad_input_names_the_field(token_client, staff, params, change, field):
    admin = token_client(staff(Post.ADMIN, "110000"))
    payload = {
        "kind": "late_fee_daily", "jurisdiction": "110000", "valid_from": "202701", "value": 400,
        "source_doc": "京人社发〔2026〕1号", **change,
    }
    response = admin.post(STAFF + "parameters", payload)
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and response.json()["message"] and response.json()["message_en"]


def test_rate_sheet(reviewer):
    response = reviewer.get(STAFF + f"rate-sheet?region_code={CHAOYANG}&period=202601")
    assert response.status_code == 200, response.content
    sheet = response.json()
    assert (sheet["period"], sheet["base_floor"], sheet["base_ceiling"]) == ("202601", "7162.00", "35811.00")
    assert sheet["employer_rates"]["pension"] == "16%" and sheet["employer_rates"]["medical"] == "9.8%"
    assert sheet["injury_rates"]["2"] == "0.4%" and sheet["individual_fixed"] == {"medical": "3.00"}
    assert 60 in sheet["flexible_grades"]
    bad = reviewer.get(STAFF + f"rate-sheet?region_code={CHAOYANG}&period=2026-1")
    assert bad.status_code == 400 and bad.json()["field"] == "period"
    assert reviewer.get(STAFF + "rate-sheet?region_code=1101&period=202601").json()["field"] == "region_code"
    missing = reviewer.get(STAFF + "rate-sheet?region_code=310101&period=202601")
    assert missing.status_code == 400 and missing.json()["field"] == "parameters"


def test_citizens_and_operators_are_not_staff(token_client, make_user, person, operator, params):
    citizen = token_client(make_user(kind=UserKind.CITIZEN, person_id=person.pk))
    for client in (citizen, operator):
        assert client.get(STAFF + "parameters").status_code == 403
        assert client.get(STAFF + f"rate-sheet?region_code={CHAOYANG}&period=202601").status_code == 403
        assert client.get(STAFF + "runs").status_code == 403


# --- staff: assessment runs ----------------------------------------------------------------------


def test_run_started_through_the_api_and_watched(accountant, employer, hire, settings):
    settings.TASKS = IMMEDIATE
    hire(employer, wage="12000")
    response = accountant.post(STAFF + "runs", {"period": "202601", "region_code": "110000"})
    assert response.status_code == 202, response.content
    run_id = response.json()["id"]
    detail = accountant.get(f"{STAFF}runs/{run_id}").json()
    assert detail["status"] == "done" and detail["chunks_done"] == detail["chunks_total"] == 1
    assert detail["progress_pct"] == 100 and (detail["lines"], detail["bills"]) == (5, 1)
    # T10: individual 960 + 243 + 60, employer 1920 + 1176 + 60 + 48 + 96
    assert (detail["individual_total"], detail["employer_total"], detail["total"]) == ("1263.00", "3300.00", "4563.00")
    assert detail["period"] == "202601" and accountant.get(STAFF + "runs").json()[0]["id"] == run_id


def test_run_start_access_and_bad_input(token_client, staff, accountant, params, settings):
    settings.TASKS = IMMEDIATE
    for post in (Post.FRONT_DESK, Post.REVIEWER, Post.AUDITOR, Post.ADMIN):
        denied = token_client(staff(post, "110000")).post(STAFF + "runs", {"period": "202601", "region_code": "110000"})
        assert denied.status_code == 403, post
    district = token_client(staff(Post.FUND_ACCOUNTANT, DONGCHENG))
    assert district.post(STAFF + "runs", {"period": "202601", "region_code": "110000"}).status_code == 403
    bad = accountant.post(STAFF + "runs", {"period": "202613", "region_code": "110000"})
    assert bad.status_code == 400 and bad.json()["field"] == "period"
    assert accountant.post(STAFF + "runs", {"period": "202601", "region_code": "11"}).json()["field"] == "region"
    no_sheet = accountant.post(STAFF + "runs", {"period": "201001", "region_code": "110000"})
    assert no_sheet.status_code == 400 and no_sheet.json()["field"] == "parameters"
    assert not AssessmentRun.objects.exists()


def test_runs_are_seen_in_their_region_only(token_client, staff, accountant, assess, employer, hire):
    hire(employer)
    run = assess(region="110000")
    city = token_client(staff(Post.AUDITOR, "110000"))
    assert city.get(f"{STAFF}runs/{run.pk}").status_code == 200
    district = token_client(staff(Post.REVIEWER, DONGCHENG))
    assert district.get(f"{STAFF}runs/{run.pk}").status_code == 403
    assert district.get(STAFF + "runs").json() == []
    shanghai = token_client(staff(Post.FUND_ACCOUNTANT, "310000"))
    assert shanghai.get(STAFF + "runs").json() == []
    assert accountant.get(f"{STAFF}runs/{run.pk + 1000}").status_code == 404


# The worker closes connections that are inside a transaction (close_old_connections): on
# PostgreSQL the test must commit for real; the in-memory SQLite test database is never closed.
@pytest.mark.django_db(transaction=_ON_POSTGRES)
def test_run_enqueued_on_the_database_queue_and_worked_by_db_worker(token_client, staff, employer, hire, settings):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    hire(employer)
    accountant = token_client(staff(Post.FUND_ACCOUNTANT, "110000"))
    response = accountant.post(STAFF + "runs", {"period": "202601", "region_code": "110000"})
    assert response.status_code == 202
    run_id = response.json()["id"]
    assert accountant.get(f"{STAFF}runs/{run_id}").json()["status"] == RunStatus.QUEUED
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay")
    detail = accountant.get(f"{STAFF}runs/{run_id}").json()
    assert detail["status"] == RunStatus.DONE and detail["bills"] == 1 and detail["total"] == "4563.00"


# --- staff: bills and lines ----------------------------------------------------------------------


def test_staff_bills_and_lines(token_client, staff, reviewer, employer, hire, assess):
    p = hire(employer)
    assess()
    bills = reviewer.get(STAFF + f"bills?payer_type=employer&payer_id={employer.pk}")
    assert bills.status_code == 200, bills.content
    (bill,) = bills.json()
    assert (bill["period"], bill["total"], bill["paid"], bill["outstanding"], bill["status"]) == (
        "202601", "4563.00", "0.00", "4563.00", "open",
    )
    assert bill["due_date"] == "2026-02-15" or bill["due_date"] > "2026-02-15"
    lines = reviewer.get(f"{STAFF}persons/{p.pk}/lines?from_period=202512&to_period=202602").json()
    pension = next(line for line in lines if line["insurance"] == "pension")
    assert (pension["base"], pension["employer_rate"], pension["individual_amount"]) == ("12000.00", "16%", "960.00")
    assert {line["period"] for line in lines} == {"202601"}
    # bad input
    assert reviewer.get(STAFF + f"bills?payer_type=boss&payer_id={employer.pk}").json()["field"] == "payer_type"
    reversed_range = reviewer.get(f"{STAFF}persons/{p.pk}/lines?from_period=202602&to_period=202512")
    assert reversed_range.status_code == 400 and reversed_range.json()["field"] == "to_period"
    too_long = reviewer.get(f"{STAFF}persons/{p.pk}/lines?from_period=200001&to_period=202601")
    assert too_long.status_code == 400
    assert reviewer.get(f"{STAFF}persons/{p.pk}/lines?from_period=x&to_period=202601").json()["field"] == "from_period"
    # another district's staff and a post without CONTRIBUTION_VIEW see nothing
    for other in (token_client(staff(Post.REVIEWER, DONGCHENG)), token_client(staff(Post.ADMIN, "110000"))):
        assert other.get(STAFF + f"bills?payer_type=employer&payer_id={employer.pk}").status_code == 403
        assert other.get(f"{STAFF}persons/{p.pk}/lines?from_period=202601&to_period=202601").status_code == 403
    assert reviewer.get(STAFF + "bills?payer_type=employer&payer_id=987654").status_code == 403


# --- employer ------------------------------------------------------------------------------------


def test_employer_declares_by_json(operator, employer, hire):
    a, b = hire(employer), hire(employer)
    response = operator.post(
        EMPLOYER + "declarations",
        {"base_year": 2025, "rows": [{"id_number": a.id_number, "wage": "5000"}, {"id_number": b.id_number, "wage": 13000.5}]},
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["declared"] == 2 and a.id_number not in response.content.decode()
    assert {(r["person_id"], r["wage"], r["base"]) for r in body["rows"]} == {
        (a.pk, "5000.00", "7162.00"), (b.pk, "13000.50", "13000.50"),
    }


@pytest.mark.parametrize(
    ("row", "field"),
    [({"wage": "-1"}, "wage"), ({"wage": "abc"}, "wage"), ({"id_number": "unknown"}, "id_number")],
)
def test_employer_declaration_bad_rows(operator, employer, hire, row, field):
    a = hire(employer)
    rows = [{"id_number": a.id_number, "wage": "9000"}, {"id_number": a.id_number, "wage": "9000", **row}]
    if field == "wage":
        rows = rows[1:]
    response = operator.post(EMPLOYER + "declarations", {"base_year": "2025", "rows": rows})
    assert response.status_code == 400, response.content
    assert response.json()["field"] == field and response.json()["row"] == len(rows)
    assert not WageDeclaration.objects.exists()


def test_employer_declaration_refusals(operator, employer, other_employer, hire, system):
    a = hire(employer)
    outsider = hire(other_employer)
    unknown = operator.post(EMPLOYER + "declarations", {"base_year": 2025, "rows": [{"id_number": new_id(), "wage": 1}]})
    assert unknown.json()["field"] == "id_number"
    not_mine = operator.post(EMPLOYER + "declarations", {"base_year": 2025, "rows": [{"id_number": outsider.id_number, "wage": 1}]})
    assert not_mine.status_code == 400 and not_mine.json()["field"] == "person"
    year = operator.post(EMPLOYER + "declarations", {"base_year": 1900, "rows": [{"id_number": a.id_number, "wage": 1}]})
    assert year.json()["field"] == "base_year"
    assert operator.post(EMPLOYER + "declarations", {"base_year": 2025, "rows": []}).json()["field"] == "rows"
    assert not WageDeclaration.objects.exists()


def test_employer_declares_by_excel(operator, employer, hire):
    a, b = hire(employer), hire(employer)
    good = SimpleUploadedFile("d.xlsx", _xlsx([[a.id_number, None, 9000], [b.id_number, None, "12000"]]))
    response = operator.post(EMPLOYER + "declarations/excel", {"base_year": "2025"}, files={"file": good})
    assert response.status_code == 200, response.content
    assert response.json() == {"ok": True, "processed": 2, "errors": []}
    assert WageDeclaration.objects.count() == 2


def test_employer_excel_lists_every_row_error(operator, employer, hire):
    a, b = hire(employer), hire(employer)
    bad = SimpleUploadedFile(
        "d.xlsx", _xlsx([[a.id_number, None, -3], [b.id_number, None, 9000], [new_id(), None, 9000]])
    )
    response = operator.post(EMPLOYER + "declarations/excel", {"base_year": "2025"}, files={"file": bad})
    assert response.status_code == 400
    body = response.json()
    assert body["ok"] is False and body["processed"] == 0
    assert [(e["row"], e["field"]) for e in body["errors"]] == [(2, "上年度月平均工资"), (4, "证件号码")]
    assert body["errors"][0]["message"].startswith("第2行") and body["errors"][0]["message_en"].startswith("row 2")
    assert not WageDeclaration.objects.exists()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"not a workbook", "not an Excel workbook"),
        (_xlsx([["x", 1]], header=("证件号码", "月薪资")), "not recognised"),
        (_xlsx([["x", "=A1*2"]], header=("证件号码", "工资")), "formula"),
    ],
    ids=["not-xlsx", "wrong-columns", "formula"],
)
def test_employer_excel_hostile_or_wrong_files(operator, params, data, expected):
    response = operator.post(
        EMPLOYER + "declarations/excel", {"base_year": "2025"}, files={"file": SimpleUploadedFile("d.xlsx", data)}
    )
    assert response.status_code == 400
    (error,) = response.json()["errors"]
    assert error["field"] == "file" and expected in error["message_en"]


def test_employer_excel_oversized(operator, params, settings):
    settings.SHEBAO_MAX_UPLOAD_BYTES = 1024
    big = SimpleUploadedFile("d.xlsx", _xlsx([[new_id(), None, 9000]] * 40) + b"\0" * 2048)
    response = operator.post(EMPLOYER + "declarations/excel", {"base_year": "2025"}, files={"file": big})
    assert response.status_code == 400 and "too large" in response.json()["errors"][0]["message_en"]


def test_employer_template(operator, params):
    response = operator.get(EMPLOYER + "declarations/template")
    assert response.status_code == 200 and response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response.content.startswith(b"PK")


def test_monthly_declaration(operator, employer, hire):
    hire(employer)
    response = operator.post(EMPLOYER + "monthly-declarations", {"period": "202602"})
    assert response.status_code == 201, response.content
    assert response.json()["period"] == "202602" and response.json()["headcount"] == 1
    assert MonthlyDeclaration.objects.filter(employer_id=employer.pk, period=202602).exists()
    bad = operator.post(EMPLOYER + "monthly-declarations", {"period": "2026/02"})
    assert bad.status_code == 400 and bad.json()["field"] == "period"


def test_employer_sees_only_its_own_bills(token_client, make_user, operator, employer, other_employer, hire, assess):
    hire(employer)
    assess()
    (bill,) = operator.get(EMPLOYER + "bills").json()
    assert bill["payer_id"] == employer.pk and bill["total"] == "4563.00"
    other = token_client(make_user(kind=UserKind.EMPLOYER, employer_id=other_employer.pk))
    assert other.get(EMPLOYER + "bills").json() == []
    # an operator cannot reach the staff bill list of an employer, their own included
    assert operator.get(STAFF + f"bills?payer_type=employer&payer_id={employer.pk}").status_code == 403


def test_employer_endpoints_refuse_other_kinds(token_client, make_user, reviewer, person, params):
    citizen = token_client(make_user(kind=UserKind.CITIZEN, person_id=person.pk))
    unbound = token_client(make_user(kind=UserKind.EMPLOYER))
    for client in (citizen, reviewer, unbound):
        assert client.get(EMPLOYER + "bills").status_code == 403
        assert client.post(EMPLOYER + "monthly-declarations", {"period": "202602"}).status_code == 403
        assert client.post(EMPLOYER + "declarations", {"base_year": 2025, "rows": []}).status_code == 403


# --- citizen -------------------------------------------------------------------------------------


def test_citizen_sees_own_lines_only(token_client, make_user, employer, hire, assess):
    me, neighbour = hire(employer, name="本人"), hire(employer, name="邻居")
    assess()
    client = token_client(make_user(kind=UserKind.CITIZEN, person_id=me.pk))
    lines = client.get(ME + "lines?from_period=202601&to_period=202601").json()
    assert {line["person_id"] for line in lines} == {me.pk} and len(lines) == 5
    assert client.get(ME + "lines?from_period=202601&to_period=20261").json()["field"] == "to_period"
    assert client.get(ME + "bills").json() == []  # an employee's bills are the employer's
    other = token_client(make_user(kind=UserKind.CITIZEN, person_id=neighbour.pk))
    assert {line["person_id"] for line in other.get(ME + "lines?from_period=202601&to_period=202601").json()} == {neighbour.pk}
    # citizens reach nothing of others through the staff API
    assert client.get(f"{STAFF}persons/{neighbour.pk}/lines?from_period=202601&to_period=202601").status_code == 403
    unlinked = token_client(make_user(kind=UserKind.CITIZEN))
    assert unlinked.get(ME + "bills").status_code == 403


def test_flexible_worker_grade_and_bills(token_client, make_user, system, params, assess, hire, employer):
    p = make_person_direct(system, name="自由职业")
    register.flexible_register(actor=system, person_id=p.pk, start_date=dt.date(2025, 7, 1))
    assess(period=PERIOD)
    client = token_client(make_user(kind=UserKind.CITIZEN, person_id=p.pk))
    (bill,) = client.get(ME + "bills").json()
    assert bill["payer_type"] == "person" and bill["payer_id"] == p.pk
    changed = client.post(ME + "grade", {"grade_pct": 100})
    assert changed.status_code == 201, changed.content
    assert changed.json()["grade_pct"] == 100 and len(changed.json()["effective_period"]) == 6
    bad = client.post(ME + "grade", {"grade_pct": "55"})
    assert bad.status_code == 400 and bad.json()["field"] == "grade_pct"
    employee = hire(employer)
    refused = token_client(make_user(kind=UserKind.CITIZEN, person_id=employee.pk)).post(ME + "grade", {"grade_pct": 100})
    assert refused.status_code == 400 and refused.json()["field"] == "grade_pct"


# --- collection, arrears, history, ledger (their modules' public functions) ----------------------


def test_payment_arrears_reversal_and_history(token_client, staff, reviewer, operator, employer, hire, assess, make_user):
    p = hire(employer)
    assess()
    statement = operator.get(EMPLOYER + "arrears?on=2026-03-01").json()
    assert statement["bills"][0]["outstanding"] == "4563.00" and statement["bills"][0]["late_fee"] != "0.00"
    assert reviewer.get(f"{STAFF}arrears/employer/{employer.pk}?on=2026-03-01").json()["bills"][0]["period"] == "202601"
    assert reviewer.get(f"{STAFF}arrears?region_code={CHAOYANG}&on=2026-03-01").status_code == 200
    assert reviewer.get(f"{STAFF}arrears/employer/{employer.pk}?on=2026-13-01").json()["field"] == "on"
    payload = {
        "source": "counter", "external_ref": "C-1", "payer_type": "employer", "payer_id": employer.pk,
        "amount": "4563.00", "paid_on": "2026-02-10", "period": "202601",
    }
    made = reviewer.post(STAFF + "payments", payload)
    assert made.status_code == 201, made.content
    assert made.json()["allocated"] == "4563.00" and made.json()["period"] == "202601"
    duplicate = reviewer.post(STAFF + "payments", payload)
    assert duplicate.status_code == 400 and duplicate.json()["field"] == "external_ref"
    assert reviewer.post(STAFF + "payments", {**payload, "external_ref": "C-2", "amount": "-1"}).status_code == 400
    assert token_client(staff(Post.AUDITOR, CHAOYANG)).post(STAFF + "payments", {**payload, "external_ref": "C-3"}).status_code == 403
    assert [x["external_ref"] for x in operator.get(EMPLOYER + "payments").json()] == ["C-1"]
    (bill,) = operator.get(EMPLOYER + "bills").json()
    assert bill["status"] == "paid"
    lines = operator.get(EMPLOYER + "bills/202601/lines").json()
    assert lines[0]["person_id"] == p.pk and lines[0]["status"] == "paid"
    assert operator.get(EMPLOYER + "bills/2026x/lines").status_code == 400
    citizen = token_client(make_user(kind=UserKind.CITIZEN, person_id=p.pk))
    (month,) = citizen.get(ME + "history?from_period=202601&to_period=202601").json()
    assert month["period"] == "202601" and month["status"] == "paid" and month["individual_total"] == "1263.00"
    assert citizen.get(ME + "account").status_code == 200
    assert citizen.get(ME + "history?from_period=202601&to_period=nope").status_code == 400
    assert reviewer.get(f"{STAFF}persons/{p.pk}/history?from_period=202601&to_period=202601").status_code == 200
    assert token_client(staff(Post.REVIEWER, DONGCHENG)).get(f"{STAFF}persons/{p.pk}/account").status_code == 403
    reversed_ = reviewer.post(f"{STAFF}payments/{made.json()['id']}/reverse", {"external_ref": "C-1R", "reason": "错账"})
    assert reversed_.status_code == 201, reversed_.content
    assert reversed_.json()["kind"] == "reversal"
    assert reviewer.post(f"{STAFF}payments/{made.json()['id']}/reverse", {"external_ref": "C-1S", "reason": "x"}).status_code == 400
    assert operator.get(EMPLOYER + "bills").json()[0]["status"] == "open"


def test_payments_csv_import_all_or_nothing(reviewer, employer, hire, assess):
    hire(employer)
    assess()
    good = f"流水号,缴费主体,金额,缴款日期\nB-1,{employer.uscc},100.00,2026-02-01\n".encode()
    response = reviewer.post(STAFF + "payments/import", {"source": "bank"}, files={"file": SimpleUploadedFile("p.csv", good)})
    assert response.status_code == 200, response.content
    assert response.json()["processed"] == 1 and response.json()["total"] == "100.00"
    bad = f"流水号,缴费主体,金额,缴款日期\nB-2,{employer.uscc},abc,2026-02-01\n".encode()
    response = reviewer.post(STAFF + "payments/import", {"source": "bank"}, files={"file": SimpleUploadedFile("p.csv", bad)})
    assert response.status_code == 400 and response.json()["errors"][0]["row"] == 2


def test_ledger_runs_are_authorised_then_enqueued(token_client, staff, accountant, params, settings):
    settings.TASKS = IMMEDIATE
    ok = accountant.post(STAFF + "account/credits", {"period": "202601", "region_code": "110000"})
    assert ok.status_code == 202, ok.content
    assert ok.json()["status"] == "SUCCESSFUL" and ok.json()["period"] == "202601"
    assert accountant.post(STAFF + "account/credits", {"period": "2026", "region_code": "110000"}).status_code == 400
    assert accountant.post(STAFF + "account/interest", {"year": "x", "region_code": "110000"}).json()["field"] == "year"
    reviewer = token_client(staff(Post.REVIEWER, "110000"))
    assert reviewer.post(STAFF + "account/credits", {"period": "202601", "region_code": "110000"}).status_code == 403
    assert reviewer.post(STAFF + "account/interest", {"year": 2025, "region_code": "110000"}).status_code == 403
