"""The citizen's pension page: the estimate from the own record, errors next to the field,
and the approved breakdown once the retirement application is approved."""

from __future__ import annotations

from tests.benefits.conftest import login


def test_estimate_page(client, wang, wang_citizen):
    login(client, wang_citizen)
    page = client.get("/me/benefits/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "养老金测算" in html and "2025-08" in html and "基础养老金" in html
    assert "网上申请退休" in html
    page = client.get("/me/benefits/", {"retire_period": "2026-01", "wage_growth_pct": "0", "future_index": "1",
                                        "interest_rate_pct": "2.5"})  # fmt: skip
    assert "按 2026-01 退休，预计每月 3101.43 元" in page.content.decode()
    page = client.get("/me/benefits/", {"retire_period": "2040-01", "wage_growth_pct": "3", "future_index": "1",
                                        "interest_rate_pct": "2.5"})  # fmt: skip
    html = page.content.decode()
    assert "弹性退休区间" in html and "预计每月" not in html
    page = client.get("/me/benefits/", {"retire_period": "", "wage_growth_pct": "3", "future_index": "7",
                                        "interest_rate_pct": "2.5"}, HTTP_HX_REQUEST="true")  # fmt: skip
    assert page.status_code == 200 and "estimate-result" in page.content.decode()


def test_nav_links_to_the_page(client, wang, wang_citizen):
    login(client, wang_citizen)
    assert 'href="/me/benefits/"' in client.get("/me/contributions/").content.decode()


def test_page_shows_the_approved_pension(client, wang, wang_citizen, reviewer):
    from shebao.benefits import services

    services.pension_award(actor=reviewer, person_id=wang.pk, retire_period="2026-01")
    login(client, wang_citizen)
    html = client.get("/me/benefits/").content.decode()
    assert "已核定的基本养老金" in html and "每月 3101.43 元" in html and "网上申请退休" not in html


def test_page_is_for_citizens(client, reviewer):
    login(client, reviewer)
    assert client.get("/me/benefits/").status_code in (302, 403)


def test_estimate_page_in_english(client, wang, wang_citizen, english_catalogue):
    login(client, wang_citizen)
    html = client.get(
        "/me/benefits/",
        {"retire_period": "2026-01", "wage_growth_pct": "0", "future_index": "1", "interest_rate_pct": "2.5"},
        HTTP_ACCEPT_LANGUAGE="en",
    ).content.decode()
    assert "Retiring in 2026-01: about 3101.43 yuan a month" in html and "Basic pension" in html


def test_retirement_item_pages_render(client, wang, wang_citizen):
    from shebao.hall import services as hall
    from tests.benefits.conftest import key

    login(client, wang_citizen)
    guide = client.get("/hall/items/retirement_online/")
    assert guide.status_code == 200 and "退休申请（网上办理）" in guide.content.decode()
    case = hall.case_start(actor=wang_citizen, item_code="retirement_online", idempotency_key=key())
    page = client.get(f"/hall/cases/{case.pk}/")
    html = page.content.decode()
    assert page.status_code == 200 and "2025-06 至 2028-08" in html and "中国工商银行" in html
