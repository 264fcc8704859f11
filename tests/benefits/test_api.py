"""The estimator APIs: the citizen's own record, and the public one with explicit inputs."""

from __future__ import annotations

import json

from tests.benefits.conftest import CHAOYANG, login


def test_citizen_estimate_api(client, wang, wang_citizen, li, citizen_of):
    client.force_login(wang_citizen)
    res = client.get("/api/v1/me/benefits/estimate", {"retire_period": "2026-01", "wage_growth_pct": "0"})
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["retirement"]["statutory_period"] == 202508
    assert body["breakdown"]["inputs"]["region_code"] == CHAOYANG
    assert body["breakdown"]["rule"] == "beijing"
    assert float(body["breakdown"]["total"]) > 0
    res = client.get("/api/v1/me/benefits/estimate", {"future_index": "9"})
    assert res.status_code == 400 and res.json()["field"] == "future_index"
    res = client.get("/api/v1/me/benefits/estimate", {"retire_period": "2040-01"})
    assert res.status_code == 400 and res.json()["field"] == "retire_period"
    assert client.get("/api/v1/me/benefits/pension").json() == []


def test_citizen_api_needs_a_citizen(client, reviewer):
    assert client.get("/api/v1/me/benefits/estimate").status_code in (401, 403)
    login(client, reviewer)
    assert client.get("/api/v1/me/benefits/estimate").status_code == 403


def test_public_estimate_api(client, db):
    payload = {
        "birth": "1970-06",
        "category": "male",
        "region_code": "110000",
        "current_period": "2025-12",
        "average_wage": "12049",
        "account_balance": "150000",
        "years": [
            {"year": y, "months": 12, "base": "12000", "average_wage": "12000"} for y in range(2000, 2026)
        ],
        "wage_growth_pct": "0",
        "interest_rate_pct": "0",
    }
    res = client.post(
        "/api/v1/public/benefits/estimate", json.dumps(payload), content_type="application/json"
    )
    assert res.status_code == 200, res.content
    body = res.json()
    assert body["retire_period"] == 203111
    assert body["contribution_months"] == 26 * 12 + 70
    assert body["breakdown"]["inputs"]["account_balance"] == "217474.40"  # 150,000 + 70 × 963.92
    bad = {**payload, "birth": "1970-13"}
    res = client.post("/api/v1/public/benefits/estimate", json.dumps(bad), content_type="application/json")
    assert res.status_code == 400 and res.json()["field"] == "birth"
    bad = {**payload, "years": [{"year": 2000, "months": 12, "base": "abc", "average_wage": "1"}]}
    res = client.post("/api/v1/public/benefits/estimate", json.dumps(bad), content_type="application/json",
                      HTTP_ACCEPT_LANGUAGE="en")  # fmt: skip
    assert res.status_code == 400 and res.json()["field"] == "years[0].base"


def test_citizen_pension_api_after_award(client, wang, wang_citizen, reviewer):
    from shebao.benefits import services

    services.pension_award(actor=reviewer, person_id=wang.pk, retire_period="2026-01")
    client.force_login(wang_citizen)
    rows = client.get("/api/v1/me/benefits/pension").json()
    assert [(r["seq"], r["kind"], r["total"]) for r in rows] == [(1, "award", "3101.43")]
    assert rows[0]["breakdown"]["basic"] == "1989.50" and rows[0]["breakdown"]["account"] == "1111.93"
