"""待遇领取地 on the person's present record (rules.md §6.3): the places come from the months
transferred in (ExternalMonth sources) and this agency's own months."""

from __future__ import annotations

import pytest

from shebao.accounts.access import AccessDenied
from shebao.contributions import external
from shebao.transfers import selectors

pytestmark = pytest.mark.django_db


def _months(first_year: int, years: int) -> list[int]:
    return [y * 100 + m for y in range(first_year, first_year + years) for m in range(1, 13)]


def _record(system, person, source: str, periods: list[int]) -> None:
    rows = [{"period": p, "insurance": "pension", "base_fen": 800_000} for p in periods]
    external.external_months_record(actor=system, person_id=person.pk, rows=rows, source=source, reference="t")


def test_back_to_the_last_place_with_ten_years(migrant, system):
    _record(system, migrant, "440100", _months(2008, 12))  # Guangzhou 12 years
    _record(system, migrant, "legacy", _months(2020, 3))  # here (this agency's earlier system) 3 years
    view = selectors.person_paying_place(user=system, person_id=migrant.pk)
    assert [(p.code, p.months) for p in view.places] == [("440000", 144), ("110000", 36)]
    assert (view.decision.rule, view.decision.code, view.here) == (3, "440000", False)


def test_ten_years_here(migrant, system):
    _record(system, migrant, "440100", _months(2005, 3))
    _record(system, migrant, "legacy", _months(2010, 11))  # 132 months here (T45-like)
    view = selectors.person_paying_place(user=system, person_id=migrant.pk)
    assert (view.decision.rule, view.here) == (2, True)


def test_under_ten_everywhere_goes_to_the_hukou_place(migrant, system):
    _record(system, migrant, "310100", _months(2005, 12))  # Shanghai is her hukou province: not a "previous place"
    _record(system, migrant, "legacy", _months(2020, 3))
    view = selectors.person_paying_place(user=system, person_id=migrant.pk)
    assert (view.decision.rule, view.decision.code, view.here) == (4, migrant.hukou_region, False)


def test_access_and_page(client, migrant, system, citizen_of, zhang):
    _record(system, migrant, "legacy", _months(2015, 11))
    with pytest.raises(AccessDenied):
        selectors.person_paying_place(user=citizen_of(zhang), person_id=migrant.pk)
    client.force_login(citizen_of(migrant))
    page = client.get("/me/transfers/").content.decode()
    assert "待遇领取地" in page and "132" in page and "北京市" in page
