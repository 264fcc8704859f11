"""Certification pages: the staff list with its record form (region-scoped, 403 for
other posts) and the citizen's self-certification page."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.benefits import services
from shebao.benefits.models import Certification
from shebao.benefits.rules import certification as rules
from tests.pages.conftest import login
from tests.payroll.conftest import media  # noqa: F401 - autouse: bank files under tmp
from tests.register.conftest import CHAOYANG, DONGCHENG, new_id


@pytest.fixture
def pensioner(make_person, enrol, system):
    number = new_id(CHAOYANG, dt.date(1958, 5, 5))
    person = make_person(number, name="陈老")
    payee = enrol(person=person, monthly_fen=300_000, from_period=202501)
    # Certified 11 months and 20 days ago: due within the next 30 days.
    day = timezone.localdate() - dt.timedelta(days=345)
    services.certification_record(
        actor=system, person_id=person.pk, method="data_comparison", verified_on=day
    )
    return person, number, payee


@pytest.mark.django_db
def test_staff_page_lists_due_in_region_and_records(client, staff, pensioner):
    person, _number, _payee = pensioner
    login(client, staff(Post.FRONT_DESK, CHAOYANG))
    page = client.get("/staff/certification/").content.decode()
    assert f'<th scope="row">{person.pk}</th>' in page and "即将到期" in page
    bad = client.post("/staff/certification/", {"person_id": person.pk, "method": "visit",
                                                "verified_on": timezone.localdate().isoformat()})  # fmt: skip
    assert bad.status_code == 400 and "上门/社区认证的记录编号" in bad.content.decode()
    ok = client.post("/staff/certification/", {"person_id": person.pk, "method": "visit", "reference": "走访001",
                                               "verified_on": timezone.localdate().isoformat()})  # fmt: skip
    assert ok.status_code == 302
    assert Certification.objects.filter(person_id=person.pk, method="visit").exists()
    assert f'<th scope="row">{person.pk}</th>' not in client.get("/staff/certification/").content.decode()


@pytest.mark.django_db
def test_staff_elsewhere_does_not_see_and_cannot_record(client, staff, pensioner):
    person, _number, _payee = pensioner
    login(client, staff(Post.REVIEWER, DONGCHENG))
    assert f'<th scope="row">{person.pk}</th>' not in client.get("/staff/certification/").content.decode()
    r = client.post("/staff/certification/", {"person_id": person.pk, "method": "visit", "reference": "x",
                                              "verified_on": timezone.localdate().isoformat()})  # fmt: skip
    assert r.status_code == 400
    assert not Certification.objects.filter(method="visit").exists()
    client.logout()
    login(client, staff(Post.FUND_ACCOUNTANT, CHAOYANG))
    assert client.get("/staff/certification/").status_code == 403


@pytest.mark.django_db
def test_citizen_self_certifies(client, make_user, pensioner):
    person, number, _payee = pensioner
    login(client, make_user(kind=UserKind.CITIZEN, person_id=person.pk, full_name=person.name))
    page = client.get("/me/certification/").content.decode()
    assert "下次认证截止日期" in page and "自助认证" in page
    bad = client.post("/me/certification/", {"id_number": number, "name": "别人"})
    assert bad.status_code == 400 and "身份核验未通过" in bad.content.decode()
    assert client.post("/me/certification/", {"id_number": number, "name": "陈老"}).status_code == 302
    page = client.get("/me/certification/").content.decode()
    assert rules.due_date(timezone.localdate()).isoformat() in page
    assert Certification.objects.filter(person_id=person.pk, method="self_service").count() == 1


@pytest.mark.django_db
def test_citizen_api_reports_and_self_certifies(client, make_user, pensioner):
    person, number, _payee = pensioner
    login(client, make_user(kind=UserKind.CITIZEN, person_id=person.pk, full_name=person.name))
    status = client.get("/api/v1/me/benefits/certification").json()
    assert status["pensioner"] and status["last_method"] == "data_comparison" and not status["missed"]
    url = "/api/v1/me/benefits/certification"
    bad = client.post(url, json.dumps({"id_number": number, "name": "错"}), content_type="application/json")
    assert bad.status_code == 400 and bad.json()["field"] == "id_number"
    ok = client.post(url, json.dumps({"id_number": number, "name": "陈老"}), content_type="application/json")
    assert ok.status_code == 200 and ok.json()["due"] == rules.due_date(timezone.localdate()).isoformat()


@pytest.mark.django_db
def test_pages_speak_english_second(client, make_user, pensioner, english_catalogue):
    person, _number, _payee = pensioner
    login(client, make_user(kind=UserKind.CITIZEN, person_id=person.pk, full_name=person.name))
    page = client.get("/me/certification/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Next certification due by" in page and "Certify now" in page
