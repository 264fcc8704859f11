"""Citizen (我的社保) and employer (单位网厅) portals, navigation and the large-type switch."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from shebao.kernel.audit import data_access_record
from shebao.register import services
from shebao.register.models import Employment, Person
from tests.pages.conftest import EN, HTMX, bad_checksum, login, new_id

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- citizen


def test_my_record_shows_the_five_insurances_and_employer(client, citizen_of, zhang, system):
    services.enrolment_suspend(
        actor=system, person_id=zhang.id, insurance="unemployment", from_period="202406", reason="测试"
    )
    login(client, citizen_of(zhang))
    body = client.get(reverse("register:citizen_home")).content.decode()
    assert "我的社保" in body and "张三" in body
    assert zhang.id_masked in body and zhang.id_number not in body
    for label in ("养老保险", "医疗保险", "失业保险", "工伤保险", "生育保险"):
        assert label in body
    assert "参保缴费" in body and "暂停缴费" in body
    assert "2024-01" in body and "2024-06" in body  # since when
    assert "北京示例科技有限公司" in body
    assert "大字版" in body


def test_my_record_lists_who_viewed_it(client, citizen_of, zhang, reviewer, audit_ctx):
    data_access_record(
        subject_id=zhang.id, fields="masked", purpose="经办查看人员档案", channel="web", actor=reviewer
    )
    services.person_reveal(actor=reviewer, person_id=zhang.id, field="phone")
    login(client, citizen_of(zhang))
    body = client.get(reverse("register:citizen_home")).content.decode()
    assert "谁查看了我的信息" in body
    assert reviewer.username in body
    assert "经办查看人员档案" in body
    assert "完整手机号码" in body


def test_citizen_not_yet_registered_sees_guidance(client, make_user):
    from shebao.accounts.rules.permissions import UserKind

    login(client, make_user(kind=UserKind.CITIZEN))
    response = client.get(reverse("register:citizen_home"))
    assert response.status_code == 200
    assert "还没有关联参保记录" in response.content.decode()


def test_my_record_never_enrolled_person(client, citizen_of, register_person):
    person = register_person("周八")
    login(client, citizen_of(person))
    body = client.get(reverse("register:citizen_home")).content.decode()
    assert body.count("未参保") == 5


# ---------------------------------------------------------------- employer portal


@pytest.fixture
def operator_client(client, operator_of, employer):
    return login(client, operator_of(employer))


def test_roster_shows_masked_ids(operator_client, zhang):
    body = operator_client.get(reverse("register:employer_roster")).content.decode()
    assert "张三" in body and zhang.id_masked in body and zhang.id_number not in body


def test_hire_through_the_employer_page(operator_client, employer, register_person):
    person = register_person("吴九")
    response = operator_client.post(
        reverse("register:employer_hire"),
        {"id_number": person.id_number, "name": "吴九", "start_date": "2025-04-01", "monthly_wage": "9000"},
    )
    assert response.status_code == 302
    employment = Employment.objects.get(person=person)
    assert employment.employer_id == employer.id and employment.monthly_wage_fen == 900000


def test_hire_registers_a_new_person(operator_client, employer):
    number = new_id()
    operator_client.post(
        reverse("register:employer_hire"),
        {"id_number": number, "name": "郑十", "start_date": "2025-04-01", "monthly_wage": "9000"},
    )
    person = Person.objects.get(name="郑十")
    assert Employment.objects.get(person=person).employer_id == employer.id


def test_hire_form_errors_bilingual(operator_client, register_person):
    person = register_person("吴九")
    future = (dt.date.today() + dt.timedelta(days=40)).isoformat()
    bad = {
        "id_number": bad_checksum(person.id_number),
        "name": "吴九",
        "start_date": "2025-04-01",
        "monthly_wage": "9000",
    }
    zh = operator_client.post(reverse("register:employer_hire"), bad).content.decode()
    assert "校验码错误" in zh and 'id="err_id_number"' in zh
    en = operator_client.post(reverse("register:employer_hire"), bad, **EN).content.decode()
    assert "wrong check character" in en
    late = {**bad, "id_number": person.id_number, "start_date": future}
    en = operator_client.post(reverse("register:employer_hire"), late, **EN).content.decode()
    assert 'id="err_start_date"' in en and ("future" in en or "today" in en)
    wrong_name = {**bad, "id_number": person.id_number, "name": "别人"}
    zh = operator_client.post(reverse("register:employer_hire"), wrong_name).content.decode()
    assert "姓名" in zh and "error-summary" in zh
    assert not Employment.objects.filter(person=person).exists()


def test_wage_that_is_not_a_number(operator_client, register_person):
    person = register_person("吴九")
    data = {"id_number": person.id_number, "name": "吴九", "start_date": "2025-04-01", "monthly_wage": "九千"}
    zh = operator_client.post(reverse("register:employer_hire"), data).content.decode()
    en = operator_client.post(reverse("register:employer_hire"), data, **EN).content.decode()
    assert "不是数字" in zh and "is not a number" in en


def test_separate_with_htmx_updates_the_list(operator_client, zhang):
    employment = zhang.employments.get()
    prefix = f"e{employment.id}"
    response = operator_client.post(
        reverse("register:employer_separate", args=[employment.id]),
        {f"{prefix}-end_date": "2025-05-31", f"{prefix}-reason": "辞职"},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<section id="separate-rows"')
    assert "减员已完成" in body
    employment.refresh_from_db()
    assert employment.end_date == dt.date(2025, 5, 31)


def test_separate_error_is_shown_on_the_row(operator_client, zhang):
    employment = zhang.employments.get()
    prefix = f"e{employment.id}"
    response = operator_client.post(
        reverse("register:employer_separate", args=[employment.id]),
        {f"{prefix}-end_date": "2023-01-01", f"{prefix}-reason": "辞职"},  # before the start
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert f'id="err_{prefix}-end_date"' in body and "error-summary" in body
    employment.refresh_from_db()
    assert employment.end_date is None


def _xlsx(rows: list[list]) -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(
        "batch.xlsx", buffer.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_batch_with_one_bad_row_shows_the_row_and_writes_nothing(operator_client):
    good, bad = new_id(), bad_checksum(new_id())
    upload = _xlsx(
        [
            ["证件号码", "姓名", "入职日期", "月工资"],
            [good, "钱一", "2025-03-01", 8000],
            [bad, "钱二", "2025-03-01", 8000],
        ]
    )
    response = operator_client.post(reverse("register:employer_batch"), {"kind": "hire", "file": upload})
    body = response.content.decode()
    assert response.status_code == 200
    assert "错误报告" in body
    assert "<td>3</td>" in body  # the bad row, by its sheet row number
    assert "校验码错误" in body
    assert not Person.objects.filter(name__in=["钱一", "钱二"]).exists()
    assert not Employment.objects.exists()


def test_batch_all_good_is_applied(operator_client, employer):
    upload = _xlsx(
        [
            ["证件号码", "姓名", "入职日期", "月工资"],
            [new_id(), "钱一", "2025-03-01", 8000],
            [new_id(), "钱二", "2025-03-01", 8000],
        ]
    )
    response = operator_client.post(reverse("register:employer_batch"), {"kind": "hire", "file": upload})
    assert response.status_code == 302
    assert Employment.objects.filter(employer=employer).count() == 2


def test_batch_with_htmx_returns_the_result_fragment(operator_client):
    upload = _xlsx(
        [["证件号码", "姓名", "入职日期", "月工资"], [bad_checksum(new_id()), "钱一", "2025-03-01", 8000]]
    )
    response = operator_client.post(
        reverse("register:employer_batch"), {"kind": "hire", "file": upload}, **HTMX
    )
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="batch-inner">')
    assert "错误报告" in body


def test_batch_of_a_file_that_is_not_excel(operator_client):
    upload = SimpleUploadedFile("batch.xlsx", b"id,name\n1,2\n", "text/csv")
    body = operator_client.post(
        reverse("register:employer_batch"), {"kind": "hire", "file": upload}
    ).content.decode()
    assert "不是 Excel 工作簿" in body


def test_batch_template_download(operator_client):
    response = operator_client.get(reverse("register:employer_batch_template", args=["hire"]))
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [c.value for c in sheet[1]][:4] == ["证件号码", "姓名", "入职日期", "月工资"]
    assert operator_client.get(reverse("register:employer_batch_template", args=["other"])).status_code == 404


def test_employer_info_page(operator_client, employer):
    body = operator_client.get(reverse("register:employer_info")).content.decode()
    assert employer.uscc in body and "朝阳区" in body
    assert "13800001234" not in body and employer.contact_phone_masked in body


# ---------------------------------------------------------------- navigation, home, large type


def test_nav_adapts_to_the_user_kind(client, reviewer, citizen_of, operator_of, zhang, employer, make_user):
    from shebao.accounts.rules.permissions import Post, UserKind

    login(client, reviewer)
    nav = client.get(reverse("web:home")).content.decode()
    assert "工作台" in nav and reverse("register:staff_persons") in nav and "用户管理" not in nav
    assert "我的社保" not in nav

    client.logout()
    admin = make_user(kind=UserKind.STAFF, posts=((Post.ADMIN, "110000"),))
    login(client, admin)
    assert "用户管理" in client.get(reverse("web:home")).content.decode()

    client.logout()
    login(client, citizen_of(zhang))
    nav = client.get(reverse("web:home")).content.decode()
    assert "我的社保" in nav and "工作台" not in nav

    client.logout()
    login(client, operator_of(employer))
    nav = client.get(reverse("register:employer_roster")).content.decode()
    for label in ("职工名册", "增员", "减员", "批量"):
        assert label in nav
    assert 'aria-current="page"' in nav


def test_large_type_switch_works_without_javascript(client):
    response = client.post(reverse("web:large_type"), {"large_type": "1", "next": "/me/"})
    assert response.status_code == 302 and response["Location"] == "/me/"
    assert response.cookies["large_type"].value == "1"
    page = client.get(reverse("web:home")).content.decode()
    assert '<body class="large"' in page
    off = client.post(reverse("web:large_type"), {"large_type": "0", "next": "https://evil.example/"})
    assert off["Location"] == reverse("web:home")
    assert off.cookies["large_type"].value == ""
