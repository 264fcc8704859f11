"""Staff back office: search, the person record, reveal, and the service forms."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from shebao.kernel.models import AuditEntry, DataAccess
from shebao.register.models import Employment, Enrolment, Person
from shebao.register.rules.codes import EnrolmentStatus
from tests.pages.conftest import CHAOYANG, EN, HTMX, bad_checksum, login, new_id

pytestmark = pytest.mark.django_db


# ---------------------------------------------------------------- search


def test_search_by_id_number_finds_the_person(staff_client, zhang, zhang_id):
    response = staff_client.post(reverse("register:staff_dashboard"), {"q": zhang_id})
    assert response.status_code == 200
    body = response.content.decode()
    assert "张三" in body
    assert reverse("register:staff_person", args=[zhang.id]) in body
    assert body.count(zhang_id) == 1  # echoed in the search box only; results show the masked number
    assert zhang.id_masked in body


def test_search_by_name_and_by_employer(staff_client, zhang, employer):
    body = staff_client.post(reverse("register:staff_dashboard"), {"q": "张"}).content.decode()
    assert "张三" in body
    body = staff_client.post(reverse("register:staff_employers"), {"q": employer.uscc}).content.decode()
    assert "北京示例科技有限公司" in body
    body = staff_client.post(reverse("register:staff_employers"), {"q": "示例"}).content.decode()
    assert "北京示例科技有限公司" in body


def test_search_stays_within_the_region(staff_client, li):
    body = staff_client.post(reverse("register:staff_dashboard"), {"q": "李"}).content.decode()
    assert "李四" not in body
    assert "没有找到符合条件的人员" in body


def test_search_as_you_type_returns_a_fragment(staff_client, zhang):
    response = staff_client.post(reverse("register:staff_dashboard"), {"q": "张"}, **HTMX)
    body = response.content.decode()
    assert response.status_code == 200
    assert "张三" in body
    assert "<html" not in body and "<h1" not in body


def test_the_id_number_never_goes_in_the_url(staff_client, zhang_id):
    """The search form posts; a GET with a query string is not a search."""
    page = staff_client.get(reverse("register:staff_dashboard")).content.decode()
    assert 'method="post"' in page
    response = staff_client.get(reverse("register:staff_dashboard") + f"?q={zhang_id}")
    assert "张三" not in response.content.decode()


# ---------------------------------------------------------------- person record


def test_person_record_shows_masked_data_and_history_and_logs_the_view(staff_client, zhang, reviewer):
    response = staff_client.get(reverse("register:staff_person", args=[zhang.id]))
    body = response.content.decode()
    assert response.status_code == 200
    assert zhang.id_masked in body
    assert zhang.id_number not in body
    assert "13912345678" not in body and zhang.phone_masked in body
    assert "6222020200998877665" not in body
    assert "朝阳区" in body  # division name, not only the code
    assert "北京示例科技有限公司" in body  # employment
    assert "参保缴费" in body  # enrolment status
    assert "个人参保登记" in body and "增员" in body  # audit trail
    assert body.count("<h1") == 1
    log = DataAccess.objects.get(subject_id=zhang.id)
    assert log.actor_id == reviewer.id and log.channel == "web" and log.fields == "masked"


def test_reveal_shows_the_value_once_and_is_audited(staff_client, zhang):
    url = reverse("register:staff_person_reveal", args=[zhang.id])
    response = staff_client.post(url, {"field": "id_number"}, **HTMX)
    assert response.status_code == 200
    assert zhang.id_number in response.content.decode()
    assert "<html" not in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert AuditEntry.objects.filter(action="person.reveal", object_id=str(zhang.id)).count() == 1
    # the record page itself still shows only the masked number, and lists the reveal
    page = staff_client.get(reverse("register:staff_person", args=[zhang.id])).content.decode()
    assert zhang.id_number not in page
    assert "完整证件号码" in page


def test_reveal_without_javascript_is_a_page(staff_client, zhang):
    response = staff_client.post(reverse("register:staff_person_reveal", args=[zhang.id]), {"field": "phone"})
    assert response.status_code == 200
    assert "13912345678" in response.content.decode()
    assert response.content.count(b"<h1") == 1


def test_reveal_needs_the_reveal_permission(client, front_desk, zhang):
    login(client, front_desk)
    page = client.get(reverse("register:staff_person", args=[zhang.id])).content.decode()
    assert reverse("register:staff_person_reveal", args=[zhang.id]) not in page
    response = client.post(reverse("register:staff_person_reveal", args=[zhang.id]), {"field": "id_number"})
    assert response.status_code == 403
    assert zhang.id_number not in response.content.decode()
    assert not AuditEntry.objects.filter(action="person.reveal").exists()


# ---------------------------------------------------------------- service forms


def test_register_person_through_the_form(staff_client):
    number = new_id(CHAOYANG, dt.date(1990, 2, 3))
    response = staff_client.post(
        reverse("register:staff_person_register"),
        {"id_number": number, "name": "王五", "hukou_region": CHAOYANG, "hukou_type": "urban"},
    )
    person = Person.objects.get(name="王五")
    assert response.status_code == 302
    assert response["Location"] == reverse("register:staff_person", args=[person.id])
    assert person.birth_date == dt.date(1990, 2, 3)


def test_wrong_checksum_is_shown_at_the_field_and_on_top_in_chinese(staff_client):
    number = bad_checksum(new_id(CHAOYANG))
    response = staff_client.post(
        reverse("register:staff_person_register"),
        {"id_number": number, "name": "王五", "hukou_region": CHAOYANG, "hukou_type": "urban"},
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.count("校验码错误") == 2  # summary at the top + next to the field
    assert 'id="err_id_number"' in body
    assert "error-summary" in body
    assert not Person.objects.filter(name="王五").exists()


def test_wrong_checksum_in_english(staff_client):
    number = bad_checksum(new_id(CHAOYANG))
    response = staff_client.post(
        reverse("register:staff_person_register"),
        {"id_number": number, "name": "王五", "hukou_region": CHAOYANG, "hukou_type": "urban"},
        **EN,
    )
    body = response.content.decode()
    assert "wrong check character" in body
    assert "校验码错误" not in body


def test_future_hire_date_is_refused_bilingually(staff_client, register_person, employer):
    person = register_person("赵六")
    future = (dt.date.today() + dt.timedelta(days=60)).isoformat()
    url = reverse("register:staff_person_hire", args=[person.id])
    data = {"uscc": employer.uscc, "start_date": future, "insurances": ["pension", "medical"]}
    zh = staff_client.post(url, data).content.decode()
    en = staff_client.post(url, data, **EN).content.decode()
    assert 'id="err_start_date"' in zh
    assert "今天" in zh or "未来" in zh
    assert "future" in en or "today" in en
    assert not Employment.objects.filter(person=person).exists()


def test_hire_through_the_page_creates_the_employment(staff_client, register_person, employer):
    person = register_person("赵六")
    response = staff_client.post(
        reverse("register:staff_person_hire", args=[person.id]),
        {
            "uscc": employer.uscc,
            "start_date": "2025-03-01",
            "monthly_wage": "8,500.00",
            "insurances": ["pension", "medical", "unemployment", "injury", "maternity"],
        },
    )
    assert response.status_code == 302
    employment = Employment.objects.get(person=person)
    assert employment.employer_id == employer.id
    assert employment.monthly_wage_fen == 850000
    assert Enrolment.objects.filter(person=person, status=EnrolmentStatus.ACTIVE).count() == 5


def test_hire_with_htmx_answers_with_a_redirect_header(staff_client, register_person, employer):
    person = register_person("赵六")
    response = staff_client.post(
        reverse("register:staff_person_hire", args=[person.id]),
        {"uscc": employer.uscc, "start_date": "2025-03-01", "insurances": ["pension"]},
        **HTMX,
    )
    assert response.status_code == 204
    assert response["HX-Redirect"] == reverse("register:staff_person", args=[person.id])


def test_form_errors_with_htmx_return_only_the_form(staff_client, register_person):
    person = register_person("赵六")
    response = staff_client.post(
        reverse("register:staff_person_hire", args=[person.id]),
        {"uscc": "", "start_date": "", "insurances": []},
        **HTMX,
    )
    body = response.content.decode()
    assert body.lstrip().startswith("<form")
    assert "<h1" not in body
    assert "这个字段是必填项" in body


def test_hire_refuses_an_unknown_employer(staff_client, register_person, other_employer):
    """The Dongcheng employer is outside this Chaoyang reviewer's region."""
    person = register_person("赵六")
    response = staff_client.post(
        reverse("register:staff_person_hire", args=[person.id]),
        {"uscc": other_employer.uscc, "start_date": "2025-03-01", "insurances": ["pension"]},
    )
    assert "未找到该统一社会信用代码的单位" in response.content.decode()
    assert not Employment.objects.filter(person=person).exists()


def test_separate_from_the_record(staff_client, zhang):
    employment = zhang.employments.get()
    response = staff_client.post(
        reverse("register:staff_person_separate", args=[zhang.id, employment.id]),
        {"end_date": "2025-06-30", "reason": "合同到期"},
    )
    assert response.status_code == 302
    employment.refresh_from_db()
    assert employment.end_date == dt.date(2025, 6, 30)


def test_enrolment_suspend_with_htmx_swaps_the_section(staff_client, zhang):
    response = staff_client.post(
        reverse("register:staff_person_enrolment", args=[zhang.id]),
        {"action": "suspend", "insurance": "medical", "from_period": "202505", "reason": "停薪留职"},
        **HTMX,
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert body.lstrip().startswith('<section id="enrolments"')
    assert "暂停缴费" in body and "已办理" in body
    current = Enrolment.objects.get(person=zhang, insurance="medical", end_period__isnull=True)
    assert current.status == EnrolmentStatus.SUSPENDED and current.start_period == 202505


def test_enrolment_error_with_htmx_shows_in_the_section(staff_client, zhang):
    response = staff_client.post(
        reverse("register:staff_person_enrolment", args=[zhang.id]),
        {"action": "resume", "insurance": "medical", "from_period": "2025-13", "reason": "x"},
        **HTMX,
    )
    body = response.content.decode()
    assert '<section id="enrolments"' in body
    assert "error-summary" in body and 'id="err_from_period"' in body
    assert Enrolment.objects.filter(person=zhang).count() == 5


def test_enrolment_without_javascript_redirects_to_the_record(staff_client, zhang):
    response = staff_client.post(
        reverse("register:staff_person_enrolment", args=[zhang.id]),
        {"action": "suspend", "insurance": "pension", "from_period": "202505", "reason": "停薪留职"},
    )
    assert response.status_code == 302
    assert response["Location"].endswith(reverse("register:staff_person", args=[zhang.id]) + "#enrolments")


def test_change_person_records_only_what_changed(staff_client, zhang):
    url = reverse("register:staff_person_change", args=[zhang.id])
    page = staff_client.get(url).content.decode()
    assert "13912345678" not in page  # sensitive fields are never pre-filled
    response = staff_client.post(
        url,
        {
            "name": "张三",
            "hukou_region": CHAOYANG,
            "hukou_type": "urban",
            "region_code": CHAOYANG,
            "address": "朝阳路1号",
            "card_status": "none",
            "life_status": zhang.life_status,
            "phone": "",
            "bank_account": "",
        },
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.address == "朝阳路1号" and zhang.phone == "13912345678"
    entry = AuditEntry.objects.filter(action="person.change").get()
    assert "address" in entry.after and "phone" not in entry.after


def test_flexible_registration_refuses_injury(staff_client, register_person):
    person = register_person("孙七")
    response = staff_client.post(
        reverse("register:staff_person_flexible", args=[person.id]),
        {"start_date": "2025-01-01", "insurances": ["pension", "injury"]},
    )
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert not Employment.objects.filter(person=person).exists()


# ---------------------------------------------------------------- employers


def test_employer_register_change_and_cancel(staff_client, employer, zhang):
    from tests.pages.conftest import new_uscc

    uscc = new_uscc()
    response = staff_client.post(
        reverse("register:staff_employer_register"),
        {
            "uscc": uscc,
            "name": "新单位",
            "employer_type": "enterprise",
            "region_code": CHAOYANG,
            "risk_class": "3",
        },
    )
    assert response.status_code == 302
    page = staff_client.get(response["Location"]).content.decode()
    assert "新单位" in page and uscc in page

    detail = staff_client.get(reverse("register:staff_employer", args=[employer.id])).content.decode()
    assert "张三" in detail and zhang.id_masked in detail
    assert "13800001234" not in detail

    # cancelling an employer that still has staff is refused, with the reason on the form
    cancel = staff_client.post(
        reverse("register:staff_employer_cancel", args=[employer.id]),
        {"cancelled_on": "2025-06-30", "reason": "歇业"},
    )
    assert cancel.status_code == 200
    assert "error-summary" in cancel.content.decode()
    employer.refresh_from_db()
    assert employer.status == "active"


def test_employer_change_records_the_new_name(staff_client, employer):
    url = reverse("register:staff_employer_change", args=[employer.id])
    page = staff_client.get(url).content.decode()
    assert "13800001234" not in page and "北京示例科技有限公司" in page
    response = staff_client.post(
        url,
        {
            "name": "北京示例科技股份有限公司",
            "employer_type": "enterprise",
            "region_code": CHAOYANG,
            "risk_class": "2",
        },
    )
    assert response.status_code == 302
    employer.refresh_from_db()
    assert employer.name == "北京示例科技股份有限公司"
    assert employer.contact_phone == "13800001234"  # blank sensitive field = unchanged
    history = staff_client.get(reverse("register:staff_employer", args=[employer.id])).content.decode()
    assert "单位信息变更" in history and "北京示例科技股份有限公司" in history


def test_unchanged_form_says_so(staff_client, employer):
    response = staff_client.post(
        reverse("register:staff_employer_change", args=[employer.id]),
        {"name": employer.name, "employer_type": "enterprise", "region_code": CHAOYANG, "risk_class": "2"},
    )
    assert "没有任何修改" in response.content.decode()


def test_refusal_to_an_htmx_request_is_a_fragment(client, front_desk, zhang):
    login(client, front_desk)
    response = client.post(
        reverse("register:staff_person_reveal", args=[zhang.id]), {"field": "id_number"}, **HTMX
    )
    body = response.content.decode()
    assert response.status_code == 403
    assert "<html" not in body and "无权" in body


def test_clearing_the_search_box_clears_the_results_quietly(staff_client, zhang):
    response = staff_client.post(reverse("register:staff_dashboard"), {"q": ""}, **HTMX)
    body = response.content.decode()
    assert "张三" not in body and "必填" not in body
