"""参保证明 over HTTP: the citizen portal issues and downloads, the public verification page
and API confirm (masked ID only) or clearly refuse unknown and revoked codes, staff
revoke within their region."""

from __future__ import annotations

import pytest

from shebao.certificates import services
from shebao.certificates.models import Certificate
from shebao.certificates.rules.codes import grouped
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


def test_citizen_issues_and_downloads(client, citizen, insured):
    login(client, citizen)
    page = client.get("/me/certificates/")
    assert page.status_code == 200 and "立即开具" in page.content.decode()
    response = client.post("/me/certificates/")
    certificate = Certificate.objects.get(person_id=insured.pk)
    assert response.status_code == 302 and response["Location"] == f"/me/certificates/{certificate.number}/"
    detail = client.get(response["Location"]).content.decode()
    assert grouped(certificate.code) in detail and f"/verify/{certificate.code}" in detail
    assert "data:image/png;base64," in detail
    download = client.get(f"/me/certificates/{certificate.number}/pdf/")
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert "attachment" in download["Content-Disposition"]


def test_citizen_cannot_open_someone_elses(client, citizen, insured, make_user, system, hire, employer):
    other = hire(employer, name="别人")
    theirs = services.certificate_issue(actor=system, person_id=other.pk)
    login(client, citizen)
    assert client.get(f"/me/certificates/{theirs.number}/").status_code == 404
    assert client.get(f"/me/certificates/{theirs.number}/pdf/").status_code == 404


def test_anonymous_is_sent_to_login_for_the_portal(client):
    response = client.get("/me/certificates/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_public_verification_page_masks_the_id(client, citizen, insured, zhang_id_full):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    page = client.get(f"/verify/{certificate.code}")
    body = page.content.decode()
    assert page.status_code == 200 and "证明真实有效" in body and 'data-result="valid"' in body
    assert insured.name in body and insured.id_masked in body
    assert zhang_id_full(insured) not in body
    # the code as printed (grouped, lower case) works too, through the form
    typed = client.get("/verify/", {"q": grouped(certificate.code).lower()})
    assert typed.status_code == 302 and typed["Location"] == f"/verify/{certificate.code}"


def test_unknown_and_malformed_codes_are_reported_clearly(client):
    page = client.get("/verify/AAAAAAAAAAAAAAAA")
    assert page.status_code == 404 and "未找到该证明" in page.content.decode()
    assert client.get("/verify/<b>x</b>").status_code == 404
    form = client.get("/verify/", {"q": "12"})
    assert form.status_code == 400 and "16位" in form.content.decode()


def test_revoked_certificate_says_so_on_page_and_api(client, citizen, insured, desk):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    login(client, desk)
    found = client.get("/staff/certificates/", {"q": certificate.number})
    assert found.status_code == 200 and "作废此证明" in found.content.decode()
    bad = client.post(f"/staff/certificates/{certificate.pk}/revoke/", {"reason": ""})
    assert bad.status_code == 400 and "作废原因" in bad.content.decode()
    ok = client.post(f"/staff/certificates/{certificate.pk}/revoke/", {"reason": "单位信息有误"})
    assert ok.status_code == 302
    client.logout()
    page = client.get(f"/verify/{certificate.code}").content.decode()
    assert "此证明已作废" in page and 'data-result="revoked"' in page
    api = client.get(f"/api/v1/public/certificates/verify/{certificate.code}")
    assert api.status_code == 200 and api.json()["valid"] is False and api.json()["status"] == "revoked"


def test_staff_elsewhere_does_not_find_it(client, citizen, insured, desk_elsewhere):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    login(client, desk_elsewhere)
    page = client.get("/staff/certificates/", {"q": certificate.number})
    assert "没有找到该证明" in page.content.decode()
    response = client.post(f"/staff/certificates/{certificate.pk}/revoke/", {"reason": "试试"})
    assert response.status_code == 403
    assert Certificate.objects.get(pk=certificate.pk).status == "valid"


def test_public_api_verifies_without_login(client, citizen, insured):
    certificate = services.certificate_issue(actor=citizen, person_id=insured.pk)
    response = client.get(f"/api/v1/public/certificates/verify/{grouped(certificate.code)}")
    data = response.json()
    assert response.status_code == 200 and data["valid"] is True
    assert data["certificate"]["id_masked"] == insured.id_masked and data["certificate"]["name"] == "王芳"
    pension = next(i for i in data["certificate"]["insurances"] if i["insurance"] == "pension")
    assert pension == {
        "insurance": "pension",
        "label": "养老保险",
        "status": "active",
        "status_label": "参保缴费",
        "first_period": 202507,
        "months_paid": 1,
        "latest_paid": 202601,
    }
    missing = client.get("/api/v1/public/certificates/verify/AAAAAAAAAAAAAAAA", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "no certificate" in missing.json()["message"]


def test_citizen_api_issue_list_and_pdf(client, citizen, insured, make_person, make_user):
    from shebao.accounts.rules.permissions import UserKind

    login(client, citizen)
    created = client.post("/api/v1/me/certificates/")
    assert created.status_code == 201, created.content
    number = created.json()["number"]
    assert [c["number"] for c in client.get("/api/v1/me/certificates/").json()] == [number]
    pdf = client.get(f"/api/v1/me/certificates/{number}/pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    nobody = make_person(name="未参保")
    client.logout()
    login(client, make_user(kind=UserKind.CITIZEN, person_id=nobody.pk))
    refused = client.post("/api/v1/me/certificates/")
    assert refused.status_code == 400 and refused.json()["field"] == "person_id"
    assert client.get(f"/api/v1/me/certificates/{number}").status_code == 404
