"""The administrator's outbox/inbox page and API, the task enqueued on commit, and the
management commands."""

from __future__ import annotations

import json

import pytest
from django.core.management import call_command
from django.db import transaction
from django_tasks_db.models import DBTaskResult

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.exchange import services
from shebao.exchange.models import OutboxMessage
from shebao.exchange.tasks import deliver_task
from tests.exchange.conftest import PEER, public_text
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db):
    return staff_user(Post.ADMIN, "110000")


@pytest.fixture
def reviewer(db):
    return staff_user(Post.REVIEWER, "110105")


def staff_user(post: Post, region: str):
    from shebao.accounts.models import StaffPost, User

    user = User.objects.create_user(username=f"ex-{post}", kind=UserKind.STAFF, full_name=str(post))
    StaffPost.objects.create(user=user, post=post, region_code=region)
    return user


def test_send_enqueues_the_delivery_task_on_commit_and_the_task_delivers(peer_server, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        message = services.message_send(type="test.echo", recipient=PEER, body={"n": 1})
    task = DBTaskResult.objects.get()
    assert task.args_kwargs["kwargs"] == {"message_pk": message.pk}
    result = deliver_task.call(message_pk=message.pk)
    assert result["status"] == "delivered"


def test_task_reschedules_after_a_transient_failure(peer_server):
    with transaction.atomic():
        message = services.message_send(type="test.echo", recipient=PEER, body={"n": 1})
    peer_server.responses = [(502, b"{}")]
    assert deliver_task.call(message_pk=message.pk)["status"] == "pending"
    again = DBTaskResult.objects.get()
    assert again.run_after is not None and again.args_kwargs["kwargs"] == {"message_pk": message.pk}


def test_commands_identity_peer_add_and_deliver(own_key, peer_key, peer_server, capsys):
    call_command("exchange_identity")
    identity = json.loads(capsys.readouterr().out)
    assert identity["agency_code"] == "110000" and identity["public_key"] == public_text(own_key)
    call_command("exchange_peer_add", "440100", "--name", "广州", "--url", "http://127.0.0.1:1",
                 f"--public-key={public_text(peer_key)}")  # fmt: skip
    assert "440100" in capsys.readouterr().out
    with transaction.atomic():
        services.message_send(type="test.echo", recipient=PEER, body={"n": 2})
    call_command("exchange_deliver")
    assert "delivered=1" in capsys.readouterr().out
    assert OutboxMessage.objects.get().status == "delivered"


def test_peer_add_takes_a_key_that_starts_with_a_dash(db, audit_ctx, capsys):
    """base64url keys start with "-" one time in 64: the ``--public-key=KEY`` form the help
    and README give reads them (``--public-key KEY`` would be taken for an option)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from shebao.exchange.models import Peer

    key = next(t for t in (public_text(Ed25519PrivateKey.generate()) for _ in range(5000)) if t.startswith("-"))
    call_command("exchange_peer_add", "440100", "--name", "广州", "--url", "http://127.0.0.1:1", f"--public-key={key}")
    assert Peer.objects.get(agency_code="440100").public_key == key


def test_admin_sees_outbox_and_inbox_and_retries(client, admin, reviewer, peer_server):
    with transaction.atomic():
        message = services.message_send(type="test.echo", recipient=PEER, body={"n": 3})
    peer_server.responses = [(400, b'{"error": {}}')]
    services.outbox_deliver(message_pk=message.pk)
    login(client, reviewer)
    assert client.get("/staff/exchange/").status_code == 403
    assert client.get("/api/v1/staff/exchange/messages").status_code == 403
    login(client, admin)
    page = client.get("/staff/exchange/")
    assert page.status_code == 200 and "发送失败" in page.content.decode()
    data = client.get("/api/v1/staff/exchange/messages").json()
    assert data["outbox"][0]["status"] == "failed"
    retried = client.post(f"/api/v1/staff/exchange/outbox/{message.pk}/retry").json()
    assert retried["status"] == "pending" and retried["attempts"] == 0
    services.outbox_deliver(message_pk=message.pk)
    again = client.post(f"/api/v1/staff/exchange/outbox/{message.pk}/retry")
    assert again.status_code == 400 and again.json()["field"] == "status"
