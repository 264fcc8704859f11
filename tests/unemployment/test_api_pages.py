"""Citizen and staff APIs and pages of 失业保险金: own claims only, region-scoped staff,
stop actions and parameter editing by post, 4xx JSON naming the field; every access branch."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.schemas import NotFound
from shebao.unemployment import access, batch, services
from shebao.unemployment.models import Claim, Parameter
from tests.unemployment.conftest import login

API = "/api/v1/staff/unemployment/"


@pytest.fixture
def claim(jobless, reviewer):
    person = jobless(months=60)
    return services.claim_award(actor=reviewer, person_id=person.pk, separation="dismissed", registered="yes",
                                registered_on=timezone.localdate().isoformat(), bank_code="ICBC")  # fmt: skip


def test_access_branches(claim, reviewer, far_reviewer, front_desk, citizen_of, register_person, make_user,
                         accountant, admin):  # fmt: skip
    from shebao.accounts.rules.permissions import UserKind

    person = claim.person_id
    own = citizen_of(type("P", (), {"id": person, "name": "本人"})())
    other = citizen_of(register_person("路人"))
    employer_user = make_user(kind=UserKind.EMPLOYER)
    assert access.access_claim(user=SYSTEM_ACTOR, claim_id=claim.pk) == claim
    assert access.access_claim(user=own, claim_id=claim.pk) == claim
    assert access.access_claim(user=reviewer, claim_id=claim.pk) == claim
    assert access.access_claim(user=front_desk, claim_id=claim.pk) == claim  # CASE_VIEW in 朝阳
    for user in (other, far_reviewer, employer_user, accountant, None):
        with pytest.raises(NotFound):
            access.access_claim(user=user, claim_id=claim.pk)
    with pytest.raises(NotFound):
        access.access_claim(user=reviewer, claim_id="abc")
    with pytest.raises(AccessDenied):  # front desk may see but not stop
        services.claim_stop(actor=front_desk, claim_id=claim.pk, reason="military", from_period=claim.first_period)
    with pytest.raises(AccessDenied):
        access.staff_regions(own)
    with pytest.raises(AccessDenied):
        access.staff_regions(admin)  # no CASE_VIEW anywhere
    with pytest.raises(AccessDenied):
        access.require_fund_read(reviewer)
    access.require_fund_read(accountant)
    assert Claim.objects.get(pk=claim.pk).status == "active"


def test_staff_api(client, claim, reviewer, far_reviewer, accountant, admin):
    login(client, reviewer)
    rows = client.get(API + "claims").json()
    assert [r["reference"] for r in rows] == [claim.reference] and rows[0]["entitlement_months"] == 18
    detail = client.get(API + f"claims/{claim.pk}").json()
    assert detail["changes"][0]["action"] == "award" and detail["steps"][0]["monthly"] == "2324.00"
    bad = client.post(API + f"claims/{claim.pk}/stop", {"reason": "nap", "from_period": "202601"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "reason"
    bad = client.post(API + f"claims/{claim.pk}/stop", {"reason": "military", "from_period": "2026-13"},
                      content_type="application/json")  # fmt: skip
    assert bad.status_code == 400 and bad.json()["field"] == "from_period"
    ok = client.post(API + f"claims/{claim.pk}/stop", {"reason": "military", "from_period": str(claim.first_period)},
                     content_type="application/json")  # fmt: skip
    assert ok.status_code == 200 and ok.json()["status"] == "stopped" and ok.json()["unused_months"] == 18
    assert client.get(API + "parameters").json()[0]["first"] == "2324.00"
    payload = {"jurisdiction": "110000", "valid_from": "203001", "minimum_wage": "2500", "dibao": "1000",
               "first": "2600", "later": "2000", "extension": "2000", "medical_base": "7000",
               "medical_rate": "0.09", "source_doc": "x"}  # fmt: skip
    assert client.post(API + "parameters", payload, content_type="application/json").status_code == 403
    assert client.get(API + "medical").status_code == 403
    login(client, far_reviewer)
    assert client.get(API + f"claims/{claim.pk}").status_code == 404
    assert client.get(API + "claims").json() == []
    login(client, admin)
    res = client.post(API + "parameters", payload, content_type="application/json")
    assert res.status_code == 400 and res.json()["field"] == "first"  # T38
    res = client.post(API + "parameters", {**payload, "first": "2250"}, content_type="application/json")
    assert res.status_code == 201 and res.json()["first"] == "2250.00"
    login(client, accountant)
    assert client.post(API + f"medical/{claim.first_period}").json()["recipients"] == 0  # stopped from month 1
    assert client.get(API + "medical").json()[0]["period"] == claim.first_period
    assert client.post(API + "medical/209913").status_code == 400


def test_citizen_api_and_page(client, claim, reviewer, citizen_of, system, register_person, catalogue):
    from shebao.payroll import run as payroll

    payroll.payroll_run(actor=system, period=claim.first_period)
    batch.unemployment_medical(actor=system, period=claim.first_period)
    citizen = citizen_of(type("P", (), {"id": claim.person_id, "name": "本人"})())
    client.force_login(citizen)
    body = client.get("/api/v1/me/unemployment/").json()
    mine = body["claims"][0]
    assert mine["reference"] == claim.reference and mine["used_months"] == 1 and mine["remaining_months"] == 17
    assert mine["payments"] == [{"period": claim.first_period, "kind": "normal", "amount": "2324.00", "status": "sent"}]
    assert body["medical"][0]["amount"] == "701.88"
    page = client.get("/me/unemployment/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert claim.reference in page and "我的失业保险金" in page and "701.88" in page and "2324.00" in page
    assert "/hall/items/unemployment_claim/" in page
    client.force_login(citizen_of(register_person("旁人")))
    assert client.get("/api/v1/me/unemployment/").json()["claims"] == []
    assert client.get("/staff/unemployment/").status_code in (302, 403)
    login(client, reviewer)
    assert client.get("/api/v1/me/unemployment/").status_code == 403


def test_staff_pages(client, claim, reviewer, far_reviewer, admin, accountant, front_desk):
    login(client, reviewer)
    page = client.get("/staff/unemployment/").content.decode()
    assert claim.reference in page
    page = client.get(f"/staff/unemployment/claims/{claim.pk}/").content.decode()
    assert "停发" in page and claim.reference in page
    res = client.post(f"/staff/unemployment/claims/{claim.pk}/stop/", {"reason": "military", "from_period": "1"})
    assert res.status_code == 400
    res = client.post(f"/staff/unemployment/claims/{claim.pk}/stop/",
                      {"reason": "refused_offer", "from_period": str(claim.first_period)})  # fmt: skip
    assert res.status_code == 302 and Claim.objects.get(pk=claim.pk).stop_reason == "refused_offer"
    assert "2324.00" in client.get("/staff/unemployment/parameters/").content.decode()
    assert client.post("/staff/unemployment/parameters/add/", {"jurisdiction": "110000"}).status_code == 400
    assert client.get("/staff/unemployment/medical/").status_code == 403
    login(client, far_reviewer)
    assert client.get(f"/staff/unemployment/claims/{claim.pk}/").status_code == 404
    login(client, front_desk)
    res = client.post(f"/staff/unemployment/claims/{claim.pk}/stop/", {"reason": "died", "from_period": "202601"})
    assert res.status_code in (400, 403)
    login(client, admin)
    assert client.get("/staff/unemployment/").status_code == 403
    data = {"jurisdiction": "110000", "valid_from": "203001", "minimum_wage": "2500", "dibao": "1000",
            "first": "2250", "later": "2000", "extension": "2000", "medical_base": "7000", "medical_rate": "0.09",
            "source_doc": "测试文号"}  # fmt: skip
    assert client.post("/staff/unemployment/parameters/add/", data).status_code == 302
    assert Parameter.objects.filter(valid_from=203001).exists()
    login(client, accountant)
    assert client.get("/staff/unemployment/medical/").status_code == 200


def test_seed_command(divisions, system):
    call_command("seed_unemployment", "--if-empty")
    call_command("seed_unemployment", "--if-empty")
    row = Parameter.objects.get()
    assert row.jurisdiction == "110000" and row.first_fen == 232400 and "演示" in row.source_doc


def test_citizen_page_in_english(client, claim, citizen_of, english_catalogue):
    client.force_login(citizen_of(type("P", (), {"id": claim.person_id, "name": "本人"})()))
    page = client.get("/me/unemployment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "My unemployment benefit" in page and "Entitlement (months)" in page
