"""The contribution pages through the Django test client on the real database: each page
for its own kind of user and refused to the others, the declaration form (good, bad rows),
the monthly declaration, the grade change, an assessment started from the page with its
progress fragment, the parameter tables and the English rendering."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.contributions import collection
from shebao.contributions.codes import RunStatus
from shebao.contributions.models import (
    AssessmentRun,
    Bill,
    FlexibleGrade,
    LateFee,
    MonthlyDeclaration,
    Parameter,
    WageDeclaration,
)
from shebao.contributions.views._display import yuan
from shebao.register import services as register
from tests.contributions.conftest import PERIOD, make_person_direct
from tests.pages.conftest import login
from tests.register.conftest import CHAOYANG, DONGCHENG, HUANGPU, new_uscc
from tests.test_i18n import catalogue, english  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
HTMX = {"HTTP_HX_REQUEST": "true"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def operator(make_user, employer):
    return make_user(kind=UserKind.EMPLOYER, employer_id=employer.pk, full_name="单位经办")


@pytest.fixture
def dongcheng_employer(system):
    return register.employer_register(
        actor=system,
        uscc=new_uscc(DONGCHENG),
        name="东城另一家有限公司",
        employer_type="enterprise",
        region_code=DONGCHENG,
        risk_class=1,
        registered_on=dt.date(2020, 1, 1),
    )


@pytest.fixture
def other_operator(make_user, dongcheng_employer):
    return make_user(kind=UserKind.EMPLOYER, employer_id=dongcheng_employer.pk)


@pytest.fixture
def make_person_direct_ok(system):
    return lambda **fields: make_person_direct(system, **fields)


@pytest.fixture
def accountant(staff, divisions):
    """基金财务 for the whole of Beijing: may run assessments."""
    return staff(Post.FUND_ACCOUNTANT, "110000")


@pytest.fixture
def front_desk(staff, divisions):
    return staff(Post.FRONT_DESK, CHAOYANG)


def _page(client, user, name, *args, **extra):
    client.logout()
    login(client, user)
    return client.get(reverse(name, args=args), **extra)


# ---------------------------------------------------------------- who may open what

EMPLOYER_PAGES = [
    "contributions:employer_bills",
    "contributions:employer_payments",
    "contributions:employer_arrears",
    "contributions:employer_declare",
    "contributions:employer_declare_upload",
    "contributions:employer_monthly",
]
CITIZEN_PAGES = ["contributions:citizen_history", "contributions:citizen_grade"]
STAFF_PAGES = ["contributions:staff_runs", "contributions:staff_parameters", "contributions:staff_arrears"]


def test_each_portal_renders_for_its_kind_only(
    client, params, employer, operator, hire, make_user, accountant
):
    worker = hire(employer)
    users = {
        "employer": operator,
        "citizen": make_user(kind=UserKind.CITIZEN, person_id=worker.pk),
        "staff": accountant,
    }
    pages = {"employer": EMPLOYER_PAGES, "citizen": CITIZEN_PAGES, "staff": STAFF_PAGES}
    for owner, names in pages.items():
        for who, user in users.items():
            for name in names:
                response = _page(client, user, name)
                if who == owner:
                    assert response.status_code == 200, (who, name)
                    assert response.content.count(b"<h1") == 1, name
                else:
                    assert response.status_code == 403, (who, name)
                    assert "无权访问".encode() in response.content


@pytest.mark.parametrize("name", EMPLOYER_PAGES + CITIZEN_PAGES + STAFF_PAGES)
def test_anonymous_is_sent_to_login(client, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


def test_menu_links_to_the_contribution_pages_for_each_kind(client, params, operator, accountant):
    body = _page(client, operator, "register:employer_roster").content.decode()
    assert (
        reverse("contributions:employer_bills") in body and reverse("contributions:employer_declare") in body
    )
    body = _page(client, accountant, "register:staff_dashboard").content.decode()
    assert reverse("contributions:staff_runs") in body and reverse("contributions:staff_parameters") in body


# ---------------------------------------------------------------- employer portal


def test_bills_show_only_the_operators_own_employer(
    client, params, employer, dongcheng_employer, operator, other_operator, hire, assess
):
    hire(employer, wage="12000")
    hire(dongcheng_employer, wage="20000", region=DONGCHENG)
    assess(region="110000")
    mine = _page(client, operator, "contributions:employer_bills").content.decode()
    # 12,000 × (16 + 9.8 + 0.5 + 0.4 + 0.8) % = 3,300.00 employer; 1,263.00 individual (3 yuan 大额互助)
    assert "2026年01月" in mine
    assert "3,300.00" in mine and "1,263.00" in mine and "4,563.00" in mine
    assert "北京示例科技有限公司" in mine
    theirs = _page(client, other_operator, "contributions:employer_bills").content.decode()
    assert "2026年01月" in theirs  # their own bill
    assert "4,563.00" not in theirs and "北京示例科技有限公司" not in theirs
    # the staff payer page for employer X is not reachable by an operator (of X or Y)
    url = reverse("contributions:staff_employer_bills", args=[employer.pk])
    assert client.get(url).status_code == 403


def test_declaration_form_lists_employees_and_writes_the_wages(client, params, employer, operator, hire):
    a = hire(employer, wage="12000", name="张一")
    b = hire(employer, wage="8000", name="王二")
    url = reverse("contributions:employer_declare") + "?base_year=2025"
    body = _page(client, operator, "contributions:employer_declare").content.decode()
    assert "张一" in body and "王二" in body
    client.get(url)
    response = client.post(url, {f"wage_{a.pk}": "5000", f"wage_{b.pk}": "50000.5"})
    assert response.status_code == 302
    saved = {d.person_id: d for d in WageDeclaration.objects.filter(employer_id=employer.pk, base_year=2025)}
    assert saved[a.pk].base_fen == 716_200  # T08: the floor 7,162
    assert saved[b.pk].wage_fen == 5_000_050 and saved[b.pk].base_fen == 3_581_100  # the ceiling
    page = client.get(url).content.decode()
    assert "7,162.00" in page and "35,811.00" in page


def test_declaration_form_bad_rows_name_the_employee_and_write_nothing(
    client, params, employer, operator, hire
):
    a = hire(employer, name="张一")
    b = hire(employer, name="王二")
    login(client, operator)
    url = reverse("contributions:employer_declare") + "?base_year=2025"
    response = client.post(url, {f"wage_{a.pk}": "12000", f"wage_{b.pk}": "十二千"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'class="error-summary"' in body and "王二" in body
    assert not WageDeclaration.objects.exists()
    # a business error from the service (negative wage) lands on that employee's row
    response = client.post(url, {f"wage_{a.pk}": "12000", f"wage_{b.pk}": "-1"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200 and "工资不能为负数" in body
    assert f'id="err_wage_{b.pk}">第2行' in body
    assert not WageDeclaration.objects.exists()
    # nothing filled in: refused as a whole
    assert "请至少填写一名职工的工资" in client.post(url, {}).content.decode()


def test_declaration_ignores_persons_not_employed_by_the_operator(
    client, params, employer, dongcheng_employer, operator, hire
):
    mine = hire(employer)
    stranger = hire(dongcheng_employer)
    login(client, operator)
    url = reverse("contributions:employer_declare") + "?base_year=2025"
    client.post(url, {f"wage_{mine.pk}": "9000", f"wage_{stranger.pk}": "9000"})
    assert list(WageDeclaration.objects.values_list("person_id", flat=True)) == [mine.pk]


def test_monthly_declaration_confirms_the_roster_once(client, params, employer, operator, hire):
    hire(employer, name="张一")
    login(client, operator)
    url = reverse("contributions:employer_monthly")
    page = client.get(url + "?period=202602").content.decode()
    assert "张一" in page and "2026年02月" in page
    assert client.post(url, {"period": "202602"}).status_code == 302
    assert MonthlyDeclaration.objects.get(employer_id=employer.pk, period=202602).headcount == 1
    client.post(url, {"period": "202602"})
    assert MonthlyDeclaration.objects.count() == 1
    bad = client.post(url, {"period": "2026-13"})
    assert bad.status_code == 200 and "err_period" in bad.content.decode()
    assert "已于" in client.get(url + "?period=202602").content.decode()


def _xlsx(rows, header=("证件号码", "姓名", "上年度月平均工资")) -> SimpleUploadedFile:
    workbook = Workbook()
    workbook.active.append(list(header))
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("declaration.xlsx", buffer.getvalue())


def test_upload_good_file_declares_every_row(client, params, employer, operator, hire):
    a, b = hire(employer, name="张一"), hire(employer, name="王二")
    login(client, operator)
    url = reverse("contributions:employer_declare_upload")
    assert client.get(url).status_code == 200
    data = {"base_year": "2025", "file": _xlsx([[a.id_number, "张一", "5000"], [b.id_number, None, 12000]])}
    response = client.post(url, data)
    assert response.status_code == 302
    assert response["Location"] == reverse("contributions:employer_declare") + "?base_year=2025"
    bases = dict(WageDeclaration.objects.values_list("person_id", "base_fen"))
    assert bases == {a.pk: 716_200, b.pk: 1_200_000}


def test_upload_reports_every_bad_row_and_writes_nothing(
    client, params, employer, operator, hire, make_person_direct_ok
):
    a = hire(employer, name="张一")
    stranger = make_person_direct_ok()
    login(client, operator)
    rows = [
        [a.id_number, "张一", "abc"],
        [stranger.id_number, None, 9000],
        ["110105198506151234", None, 9000],
    ]
    response = client.post(
        reverse("contributions:employer_declare_upload"), {"base_year": "2025", "file": _xlsx(rows)}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 200 and "错误报告" in body
    report = body.split('id="report-h"')[1]
    for row in ("<td>2</td>", "<td>3</td>", "<td>4</td>"):
        assert row in report
    assert "上年度月平均工资" in report and "证件号码" in report and "该人员不是本单位职工" in report
    assert not WageDeclaration.objects.exists()


@pytest.mark.parametrize(
    ("content", "expected"),
    [(b"", "文件"), (b"id,wage\n1,2\n", "Excel"), (b"PK\x03\x04garbage", "损坏")],
    ids=["empty", "csv-renamed", "broken-zip"],
)
def test_upload_hostile_file_is_refused_on_the_file_field(
    client, params, employer, operator, content, expected
):
    login(client, operator)
    upload = SimpleUploadedFile("declaration.xlsx", content)
    response = client.post(
        reverse("contributions:employer_declare_upload"), {"base_year": "2025", "file": upload}
    )
    body = response.content.decode()
    assert response.status_code == 200 and 'class="error-summary"' in body
    assert expected in body.split('id="err_file"')[1].split("</p>")[0]
    assert not WageDeclaration.objects.exists()


def test_upload_template_downloads(client, params, operator):
    response = _page(client, operator, "contributions:employer_declare_template")
    assert response.status_code == 200 and response.content[:2] == b"PK"
    assert load_workbook(io.BytesIO(response.content)).active["A1"].value == "证件号码"


def _pay(system, employer, amount: str, paid_on: dt.date, ref: str = "B-1"):
    return collection.payment_record(
        actor=system,
        source="bank",
        external_ref=ref,
        payer_type="employer",
        payer_id=employer.pk,
        amount=amount,
        paid_on=paid_on,
    )


def test_payments_and_arrears_with_late_fees(client, system, params, employer, operator, hire, assess):
    hire(employer, wage="12000")
    assess()  # 4,563.00 due for 2026-01
    bill = Bill.objects.get(payer_id=employer.pk)
    _pay(system, employer, "1000.00", bill.due_date + dt.timedelta(days=10))  # 10 days late
    payments = _page(client, operator, "contributions:employer_payments").content.decode()
    assert "B-1" in payments and "1,000.00" in payments
    page = client.get(reverse("contributions:employer_arrears")).content.decode()
    # the late fee on the 1,000 paid 10 days late: 1,000 × 0.05 % × 10 = 5.00, settled first from
    # the same payment, so 995.00 of principal was paid
    fee = LateFee.objects.get(bill=bill)
    assert fee.fee_fen == 500
    outstanding = bill.total_fen - Bill.objects.get(pk=bill.pk).paid_fen
    assert yuan(outstanding) in page
    days = (timezone.localdate() - bill.due_date).days
    assert f"<td>{days}</td>" in page
    accrued = (outstanding * 500 * days + 500_000) // 1_000_000  # 0.05 %/day simple, to the fen
    assert yuan(accrued) in page


def test_staff_arrears_list_with_aging(client, system, params, employer, hire, assess, staff, accountant):
    hire(employer, wage="12000")
    assess()
    page = _page(client, accountant, "contributions:staff_arrears").content.decode()
    assert "北京示例科技有限公司" in page and "4,563.00" in page and "365天以上" in page
    assert reverse("contributions:staff_employer_bills", args=[employer.pk]) in page
    payer = client.get(reverse("contributions:staff_employer_bills", args=[employer.pk])).content.decode()
    assert "欠缴本金" in payer and "4,563.00" in payer
    dongcheng = _page(client, staff(Post.REVIEWER, DONGCHENG), "contributions:staff_arrears").content.decode()
    assert "北京示例科技有限公司" not in dongcheng
    other_region = client.get(
        reverse("contributions:staff_arrears"), {"region_code": "110105", "min_days": 1}
    )
    assert other_region.status_code == 403
    assert _page(client, staff(Post.ADMIN, "110000"), "contributions:staff_arrears").status_code == 403


# ---------------------------------------------------------------- citizen portal


def test_citizen_history_shows_own_lines_only(client, params, employer, hire, assess, make_user):
    a = hire(employer, wage="12000", name="张一")
    b = hire(employer, wage="20000", name="王二")
    assess()
    body = _page(client, make_user(kind=UserKind.CITIZEN, person_id=a.pk), "contributions:citizen_history")
    text = body.content.decode()
    assert "2026年01月" in text and "960.00" in text and "1,263.00" in text  # T10 pension 8 %
    assert "1,600.00" not in text  # B's pension 8 % of 20,000
    other = _page(client, make_user(kind=UserKind.CITIZEN, person_id=b.pk), "contributions:citizen_history")
    assert "1,600.00" in other.content.decode() and "1,263.00" not in other.content.decode()
    # a range the form refuses
    bad = client.get(
        reverse("contributions:citizen_history"), {"from_period": "202612", "to_period": "202601"}
    )
    assert bad.status_code == 200 and "error-summary" in bad.content.decode()


def test_staff_cannot_open_the_citizen_pages(client, params, accountant):
    assert _page(client, accountant, "contributions:citizen_history").status_code == 403


def test_flexible_worker_changes_grade(client, system, params, make_user):
    person = make_person_direct(system, name="灵活")
    register.flexible_register(actor=system, person_id=person.pk, start_date=dt.date(2025, 7, 1))
    user = make_user(kind=UserKind.CITIZEN, person_id=person.pk)
    page = _page(client, user, "contributions:citizen_grade").content.decode()
    assert "300%" in page
    assert client.post(reverse("contributions:citizen_grade"), {"grade_pct": "65"}).status_code == 200
    assert not FlexibleGrade.objects.exists()
    assert client.post(reverse("contributions:citizen_grade"), {"grade_pct": "150"}).status_code == 302
    assert FlexibleGrade.objects.get(person_id=person.pk).grade_pct == 150


def test_employee_is_told_the_grade_does_not_apply(client, params, employer, hire, make_user):
    worker = hire(employer)
    page = _page(client, make_user(kind=UserKind.CITIZEN, person_id=worker.pk), "contributions:citizen_grade")
    assert "只适用于以灵活就业人员身份" in page.content.decode()
    assert client.post(reverse("contributions:citizen_grade"), {"grade_pct": "100"}).status_code == 200
    assert not FlexibleGrade.objects.exists()


# ---------------------------------------------------------------- staff back office


def test_accountant_starts_a_run_and_the_fragment_shows_the_totals(
    client, settings, params, employer, hire, accountant
):
    settings.TASKS = IMMEDIATE
    hire(employer, wage="12000")
    login(client, accountant)
    response = client.post(
        reverse("contributions:staff_run_start"), {"period": str(PERIOD), "region_code": "110000"}
    )
    assert response.status_code == 302
    run = AssessmentRun.objects.get()
    assert response["Location"] == reverse("contributions:staff_run", args=[run.pk])
    assert run.status == RunStatus.DONE
    fragment = client.get(reverse("contributions:staff_run_progress", args=[run.pk]), **HTMX).content.decode()
    assert (
        "已完成" in fragment and "4,563.00" in fragment and "3,300.00" in fragment and "1,263.00" in fragment
    )
    assert "hx-trigger" not in fragment  # finished: polling stops
    page = client.get(reverse("contributions:staff_run", args=[run.pk])).content.decode()
    assert 'aria-live="polite"' in page and "4,563.00" in page
    assert "4,563.00" in client.get(reverse("contributions:staff_runs")).content.decode()


def test_unfinished_run_fragment_polls_every_two_seconds(client, system, params, employer, hire, accountant):
    from shebao.contributions import assessment

    hire(employer)
    run = assessment.assessment_start(actor=system, period=PERIOD, region_code="110000")
    fragment = _page(client, accountant, "contributions:staff_run_progress", run.pk).content.decode()
    assert 'hx-trigger="every 2s"' in fragment and "排队中" in fragment


def test_front_desk_sees_runs_but_cannot_start_one(client, settings, params, front_desk):
    settings.TASKS = IMMEDIATE
    page = _page(client, front_desk, "contributions:staff_runs")
    assert page.status_code == 200 and "staff_run_start" not in page.content.decode()
    assert reverse("contributions:staff_run_start") not in page.content.decode()
    response = client.post(
        reverse("contributions:staff_run_start"), {"period": str(PERIOD), "region_code": "110105"}
    )
    assert response.status_code == 403
    assert not AssessmentRun.objects.exists()


def test_run_start_errors_name_the_field(client, params, accountant):
    login(client, accountant)
    response = client.post(
        reverse("contributions:staff_run_start"), {"period": "202613", "region_code": "110000"}
    )
    assert response.status_code == 200 and "err_period" in response.content.decode()
    response = client.post(
        reverse("contributions:staff_run_start"), {"period": "201001", "region_code": "110000"}
    )
    assert response.status_code == 200 and "error-summary" in response.content.decode()
    assert not AssessmentRun.objects.exists()


def test_run_outside_the_region_is_refused(client, params, employer, hire, assess, staff):
    hire(employer)
    run = assess()
    shanghai = staff(Post.FUND_ACCOUNTANT, "310000")
    assert _page(client, shanghai, "contributions:staff_run", run.pk).status_code == 403
    assert client.get(reverse("contributions:staff_run_progress", args=[run.pk])).status_code == 403
    assert (
        reverse("contributions:staff_run", args=[run.pk])
        not in client.get(reverse("contributions:staff_runs")).content.decode()
    )
    assert client.get(reverse("contributions:staff_run", args=[999999])).status_code == 403


def test_staff_without_a_contribution_post_is_refused(client, params, staff):
    admin_only = staff(Post.ADMIN, CHAOYANG)
    assert _page(client, admin_only, "contributions:staff_runs").status_code == 403
    login(client, staff())  # no post at all
    assert client.get(reverse("contributions:staff_parameters")).status_code == 403


def test_parameter_tables_and_add_form(client, params, staff, accountant):
    page = _page(client, accountant, "contributions:staff_parameters").content.decode()
    assert "缴费基数下限" in page and "7,162.00" in page and "16%" in page and "国办发〔2019〕13号" in page
    assert reverse("contributions:staff_parameter_add") not in page
    assert client.get(reverse("contributions:staff_parameter_add")).status_code == 403
    admin = staff(Post.ADMIN, "110000")
    assert (
        reverse("contributions:staff_parameter_add")
        in _page(client, admin, "contributions:staff_parameters").content.decode()
    )
    url = reverse("contributions:staff_parameter_add")
    good = {
        "kind": "base_floor",
        "key": "",
        "jurisdiction": "110000",
        "valid_from": "202707",
        "valid_to": "",
        "value": "7500",
        "source_doc": "京人社发〔2027〕1号",
        "note": "",
    }
    assert client.post(url, good).status_code == 302
    added = Parameter.objects.get(kind="base_floor", valid_from=202707)
    assert added.value == 750_000
    assert Parameter.objects.get(kind="base_floor", valid_from=202507).valid_to == 202706
    overlap = client.post(url, {**good, "valid_from": "202707", "value": "7600"})
    assert overlap.status_code == 200 and "重叠" in overlap.content.decode()
    bad_rate = client.post(url, {**good, "kind": "employer_rate", "key": "pension", "value": "160"})
    assert bad_rate.status_code == 200 and "err_value" in bad_rate.content.decode()
    assert Parameter.objects.filter(valid_from=202707).count() == 1


def test_payer_bills_for_staff_in_the_region_only(client, params, employer, hire, assess, staff):
    hire(employer)
    assess()
    url_name = "contributions:staff_employer_bills"
    assert "4,563.00" in _page(client, staff(Post.REVIEWER, CHAOYANG), url_name, employer.pk).content.decode()
    assert _page(client, staff(Post.REVIEWER, DONGCHENG), url_name, employer.pk).status_code == 403
    assert _page(client, staff(Post.REVIEWER, HUANGPU), url_name, 999999).status_code == 403


# ---------------------------------------------------------------- English


@pytest.mark.usefixtures("english")
def test_bills_page_in_english(client, params, employer, operator, hire, assess):
    hire(employer)
    assess()
    body = _page(client, operator, "contributions:employer_bills", **EN).content.decode()
    assert '<html lang="en">' in body
    assert "2026-01" in body and "4,563.00" in body
    assert "缴费账单" not in body and "已逾期" not in body
