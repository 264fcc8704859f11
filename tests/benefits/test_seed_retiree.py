"""``manage.py seed_retiree``: the demo city's retiree-to-be can estimate, apply to retire
online, and after review and 复核 sees the approved breakdown (issue 5 "done when")."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from shebao.accounts.models import User
from shebao.benefits import selectors
from shebao.benefits.rules.estimate import Assumptions
from shebao.hall import services as hall
from shebao.kernel.audit import audit_verify_database
from shebao.kernel.rules.periods import Period
from shebao.register.management.commands.seed_demo import DEMO_PASSWORD
from tests.benefits.conftest import key

pytestmark = pytest.mark.django_db


def test_seed_retiree_then_estimate_apply_and_see_the_award(params, catalogue, reviewer, rechecker):
    out = io.StringIO()
    call_command("seed_retiree", stdout=out)
    assert "王建国" in out.getvalue()
    call_command("seed_retiree", if_empty=True, stdout=io.StringIO())  # idempotent
    citizen = User.objects.get(kind="citizen", full_name="王建国")
    assert citizen.check_password(DEMO_PASSWORD) and not citizen.must_change_password
    record = selectors.pension_record(user=citizen, person_id=citizen.person_id)
    today = timezone.localdate()
    assert record.months == (Period.of(today) - 1).index() - Period.parse("1996-01").index() + 1
    assert record.account_balance > 0
    est = selectors.pension_estimate_for_person(
        user=citizen, person_id=citizen.person_id, assumptions=Assumptions()
    )
    assert est.eligible and est.breakdown.total > 0

    draft = hall.case_start(actor=citizen, item_code="retirement_online", idempotency_key=key())
    retire = Period.parse(draft.prefill["statutory"])
    assert Period.of(today) + 1 <= retire <= Period.of(today) + 3
    case = hall.case_submit(actor=citizen, case_id=draft.pk, confirm=True,
                            data={"category": "male", "retire_period": draft.prefill["statutory"], "bank_code": "ICBC"})  # fmt: skip
    hall.case_accept(actor=reviewer, case_id=case.pk)
    hall.case_review(actor=reviewer, case_id=case.pk, comment="档案核对无误")
    hall.case_recheck(actor=rechecker, case_id=case.pk, approve=True, comment="同意")
    award = selectors.pension_current(user=citizen, person_id=citizen.person_id)
    assert award is not None and award.retire_period == int(retire)
    assert award.total_fen == award.basic_fen + award.account_fen + award.transitional_fen > 0
    assert award.total_fen == int(est.breakdown.total * 100)  # the estimate was the award
    assert award.breakdown["inputs"]["contribution_months"] == record.months
    total, broken = audit_verify_database()
    assert broken is None and total > 0
