"""Task interfaces (django-tasks) for the personal-account ledger: each loads its
arguments and calls the service in ``ledger.py`` as the platform (SYSTEM_ACTOR), so a task
run and a command run are the same code.

``account_post_credits_task(period: str, region_code: str) -> {"period", "region", "posted"}``
``account_credit_interest_task(year: int, region_code: str | None = None) -> totals dict``
"""

from __future__ import annotations

from django_tasks import task

from shebao.contributions import ledger
from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR


@task()
def account_post_credits_task(period: str, region_code: str) -> dict:
    with audit_context(actor_label="task account_post_credits"):
        posted = ledger.account_post_credits(actor=SYSTEM_ACTOR, period=period, region_code=region_code)
    return {"period": str(period), "region": region_code, "posted": posted}


@task()
def account_credit_interest_task(year: int, region_code: str | None = None) -> dict:
    with audit_context(actor_label="task account_credit_interest"):
        return ledger.account_credit_interest(actor=SYSTEM_ACTOR, year=year, region_code=region_code)
