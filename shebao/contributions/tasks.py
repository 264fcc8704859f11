"""Task interfaces (django-tasks): load by id, call the service. The work itself is in
the services, so a task run and a command run are the same code."""

from __future__ import annotations

from django_tasks import task

from shebao.contributions import assessment


@task()
def assessment_task(run_id: int) -> dict:
    run = assessment.assessment_execute(run_id=run_id)
    return {"run": run.pk, "status": run.status, "lines": run.lines, "bills": run.bills}
