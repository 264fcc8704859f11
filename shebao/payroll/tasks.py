"""Task interface (django-tasks): load by id, call the service."""

from __future__ import annotations

from django_tasks import task

from shebao.payroll import run as payroll


@task()
def payroll_task(run_id: int) -> dict:
    result = payroll.payroll_execute(run_id=run_id)
    return {
        "run": result.pk,
        "status": result.status,
        "payments": result.payments,
        "total_fen": result.total_fen,
    }
