"""Citizen and staff APIs of 异地就医备案: own list, region-scoped staff read, 4xx JSON naming the field."""

from __future__ import annotations

from django.utils import timezone

from shebao.medical.models import Registration
from tests.medical.conftest import HUANGPU, login


def _payload(person_id, **change):
    return {"person_id": person_id, "category": "referral", "destination_code": HUANGPU,
            "valid_from": timezone.localdate().isoformat(), **change}  # fmt: skip


def test_staff_files_and_citizen_reads(client, zhang, reviewer, far_reviewer, citizen_of):
    login(client, reviewer)
    res = client.post(
        "/api/v1/staff/medical/registrations", _payload(zhang.pk), content_type="application/json"
    )
    assert res.status_code == 201, res.content
    reference = res.json()["reference"]
    assert res.json()["category_name"] == "异地转诊就医"
    res = client.post(
        "/api/v1/staff/medical/registrations", _payload(zhang.pk), content_type="application/json"
    )
    assert (
        res.status_code == 400 and res.json()["field"] == "valid_from" and reference in res.json()["message"]
    )
    res = client.post("/api/v1/staff/medical/registrations", _payload(zhang.pk, destination_code="000000"),
                      content_type="application/json")  # fmt: skip
    assert res.status_code == 400 and res.json()["field"] == "destination_code"
    assert (
        client.get(f"/api/v1/staff/medical/persons/{zhang.pk}/registrations").json()[0]["reference"]
        == reference
    )

    login(client, far_reviewer)
    assert client.get(f"/api/v1/staff/medical/persons/{zhang.pk}/registrations").status_code == 403
    res = client.post(
        "/api/v1/staff/medical/registrations", _payload(zhang.pk), content_type="application/json"
    )
    assert res.status_code == 403 and Registration.objects.count() == 1

    client.force_login(citizen_of(zhang))
    body = client.get("/api/v1/me/medical/registrations", HTTP_ACCEPT_LANGUAGE="en").json()
    assert [r["reference"] for r in body] == [reference]
    assert client.get(f"/api/v1/staff/medical/persons/{zhang.pk}/registrations").status_code == 403
