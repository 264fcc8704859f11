"""The kernel additions of rules.unemployment: the payment schedule (months 1–12, 13–24,
the near-retirement extension, never past the month before retirement) and the unused
months kept on a stop. Pure, no database."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from shebao.benefits.rules import unemployment as rules
from shebao.benefits.rules.errors import BenefitRuleError

A, B, X = D("2324"), D("2104"), D("2000")


def _plan(months, retire=None, first=202601):
    return rules.schedule(first_period=first, months=months, amount_first=A, amount_later=B, amount_extension=X,
                          statutory_retirement_period=retire)  # fmt: skip


def test_schedule_without_retirement_nearby():
    plan = _plan(12)
    assert (plan.last_period, plan.normal_last_period, plan.extension_months) == (202612, 202612, 0)
    assert plan.steps == ((202601, A),)
    plan = _plan(24, retire=204001)
    assert plan.last_period == 202712 and plan.steps == ((202601, A), (202701, B))


def test_near_retirement_extension_pays_to_the_month_before_retirement():
    plan = _plan(12, retire=202609 + 100)  # retirement 2027-09: 9 months after the normal end
    assert plan.normal_last_period == 202612 and plan.last_period == 202708 and plan.extension_months == 8
    assert plan.steps == ((202601, A), (202701, X))
    plan = _plan(18, retire=202807)  # 13 months after the end of 2027-06: no extension
    assert plan.last_period == 202706 and plan.extension_months == 0
    plan = _plan(24, retire=202706)  # retirement inside the entitlement: cut at the month before
    assert plan.last_period == 202705 and plan.normal_last_period == 202705
    assert plan.steps == ((202601, A), (202701, B))


def test_equal_amounts_merge_and_retired_is_refused():
    plan = rules.schedule(first_period=202601, months=24, amount_first=A, amount_later=A, amount_extension=A)
    assert plan.steps == ((202601, A),)
    with pytest.raises(BenefitRuleError) as err:
        _plan(12, retire=202601)
    assert err.value.field == "first_period"


@pytest.mark.parametrize(("stop", "left"), [(202601, 18), (202603, 16), (202707, 0), (203001, 0)])
def test_unused_months(stop, left):
    assert rules.unused_months(18, 202601, stop) == left
