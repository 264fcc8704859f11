"""Task interface (django-tasks): one delivery attempt of an outbox message by id; a
transient failure schedules the next attempt at the back-off time."""

from __future__ import annotations

from django_tasks import task

from shebao.exchange import services
from shebao.exchange.models import OutboxStatus


@task()
def deliver_task(message_pk: int) -> dict:
    message = services.outbox_deliver(message_pk=message_pk)
    if message.status == OutboxStatus.PENDING and message.next_attempt_at is not None:
        deliver_task.using(run_after=message.next_attempt_at).enqueue(message_pk=message_pk)
    return {"message": str(message.message_id), "status": message.status, "attempts": message.attempts}
