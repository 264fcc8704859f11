"""``seed_complaints``: three complaints through the services, one answered and closed by
a handler of the routed post, an anonymous fraud report routed to the auditors;
``--if-empty`` leaves a seeded database alone."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.complaints.models import Complaint

pytestmark = pytest.mark.django_db


def test_seed_complaints(zhang, make_user, audit_ctx):
    make_user(kind=UserKind.CITIZEN, person_id=zhang.id, full_name=zhang.name)
    make_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, "110000"),), full_name="王审核")
    out = io.StringIO()
    call_command("seed_complaints", stdout=out)
    rows = {c.subject: c for c in Complaint.objects.all()}
    assert len(rows) == 3
    assert rows["窗口等候时间过长"].status == "closed" and rows["窗口等候时间过长"].reply
    fraud = rows["有人冒领已故老人养老金"]
    assert fraud.anonymous and fraud.handling_post == Post.AUDITOR and fraud.status == "submitted"
    assert fraud.tracking_code in out.getvalue()
    call_command("seed_complaints", "--if-empty", stdout=io.StringIO())
    assert Complaint.objects.count() == 3
