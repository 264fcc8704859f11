"""投诉举报: routing by category to the post and region, anonymous secrets, limits, reply
and closure by the right handler only (once), and the complainant's view by code."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from shebao.accounts.access import AccessDenied
from shebao.complaints import selectors, services
from shebao.complaints.errors import ComplaintError
from shebao.complaints.models import Complaint
from shebao.complaints.rules.routing import ANONYMOUS_PER_HOUR, BODY_MAX
from shebao.kernel.models import AuditEntry
from tests.pages.conftest import login

pytestmark = pytest.mark.django_db
BODY = "窗口工作人员态度恶劣，让我来回跑了三趟。"


def _submit(**kw):
    args = {
        "actor": None,
        "category": "service",
        "subject": "服务态度差",
        "body": BODY,
        "region_code": "110105",
    }
    return services.complaint_submit(**{**args, **kw})


def test_anonymous_service_complaint_routes_to_reviewer_with_a_secret(divisions, reviewer, auditor):
    result = _submit(client_address="10.0.0.1")
    c = result.complaint
    assert c.anonymous and (c.handling_post, c.region_code) == ("reviewer", "110105")
    assert c.tracking_code.startswith("TS") and len(c.tracking_code) == 14
    assert len(result.secret) == 8 and result.secret not in c.secret_hash
    assert c.client_hash and "10.0.0.1" not in c.client_hash
    assert [x.pk for x in selectors.handler_queue(user=reviewer)] == [c.pk]
    assert selectors.handler_queue(user=auditor) == []
    # status only with the right secret
    assert selectors.complaint_for_complainant(tracking_code=c.tracking_code, secret=result.secret) == c
    assert (
        selectors.complaint_for_complainant(
            tracking_code=c.tracking_code.lower(), secret=result.secret.lower()
        )
        == c
    )
    assert selectors.complaint_for_complainant(tracking_code=c.tracking_code, secret="WRONGONE") is None
    assert selectors.complaint_for_complainant(tracking_code="TSNOPE", secret=result.secret) is None
    entry = AuditEntry.objects.get(action="complaint.submit")
    assert '"routed_to":"reviewer"' in entry.after and result.secret not in entry.after


@pytest.mark.parametrize("category", ["fraud", "violation"])
def test_reports_go_to_the_auditors(divisions, category, auditor, city_auditor, reviewer):
    c = _submit(category=category, subject="单位未给职工参保").complaint
    assert c.handling_post == "auditor"
    assert [x.pk for x in selectors.handler_queue(user=auditor)] == [c.pk]
    assert [x.pk for x in selectors.handler_queue(user=city_auditor)] == [c.pk]  # the city covers districts
    assert selectors.handler_queue(user=reviewer) == []


def test_named_complaint_defaults_to_the_persons_region_and_is_theirs(citizen, zhang):
    result = services.complaint_submit(actor=citizen, category="service", subject="排队太久", body=BODY)
    c = result.complaint
    assert (
        not c.anonymous and result.secret == "" and c.user_id == citizen.pk and c.complainant_name == "张三"
    )
    assert c.region_code == zhang.region_code
    assert selectors.complaint_for_complainant(tracking_code=c.tracking_code, user=citizen) == c
    assert selectors.complaint_for_complainant(tracking_code=c.tracking_code) is None
    anonymous = services.complaint_submit(
        actor=citizen, category="fraud", subject="有人冒领", body=BODY, anonymous=True
    )
    assert anonymous.complaint.anonymous and anonymous.complaint.user_id is None and anonymous.secret


def test_bad_input_names_the_field_and_writes_nothing(divisions):
    for changes, field in [
        ({"category": "other"}, "category"),
        ({"subject": ""}, "subject"),
        ({"subject": "长" * 101}, "subject"),
        ({"body": "太短"}, "body"),
        ({"body": "长" * (BODY_MAX + 1)}, "body"),
        ({"region_code": "310101"}, "region_code"),  # another city
        ({"region_code": "12345"}, "region_code"),
        ({"contact": "1" * 61}, "contact"),
    ]:
        with pytest.raises(ComplaintError) as exc:
            _submit(**changes)
        assert exc.value.field == field, changes
    assert Complaint.objects.count() == 0


def test_anonymous_submissions_are_rate_limited_per_address(divisions):
    now = timezone.now()
    for _ in range(ANONYMOUS_PER_HOUR):
        _submit(client_address="10.0.0.9", now=now)
    with pytest.raises(ComplaintError) as exc:
        _submit(client_address="10.0.0.9", now=now)
    assert "频繁" in exc.value.message_zh
    _submit(client_address="10.0.0.10", now=now)  # another address
    _submit(client_address="10.0.0.9", now=now + dt.timedelta(hours=1, seconds=1))  # an hour later


def test_reply_and_close_by_the_routed_post_only_and_once(divisions, reviewer, auditor, reviewer_elsewhere):
    result = _submit()
    c = result.complaint
    for wrong in (auditor, reviewer_elsewhere):
        with pytest.raises(AccessDenied):
            services.complaint_reply(actor=wrong, complaint_id=c.pk, reply="已处理")
    with pytest.raises(ComplaintError) as exc:
        services.complaint_reply(actor=reviewer, complaint_id=c.pk, reply=" ")
    assert exc.value.field == "reply"
    services.complaint_reply(actor=reviewer, complaint_id=c.pk, reply="已约谈当事窗口人员并致歉。")
    with pytest.raises(ComplaintError):
        services.complaint_reply(actor=reviewer, complaint_id=c.pk, reply="再答复")
    services.complaint_close(actor=reviewer, complaint_id=c.pk, note="投诉属实，已整改。")
    with pytest.raises(ComplaintError):
        services.complaint_close(actor=reviewer, complaint_id=c.pk, note="再次")
    seen = selectors.complaint_for_complainant(tracking_code=c.tracking_code, secret=result.secret)
    assert (
        seen.status == "closed"
        and seen.reply.startswith("已约谈")
        and seen.closure_note == "投诉属实，已整改。"
    )
    actions = list(AuditEntry.objects.filter(object_type="complaint").values_list("action", "post"))
    assert actions == [
        ("complaint.submit", ""),
        ("complaint.reply", "reviewer"),
        ("complaint.close", "reviewer"),
    ]


# ----------------------------------------------------------------- pages and API


def test_anonymous_page_submit_and_track(client, divisions, reviewer):
    page = client.get("/complaints/new/")
    assert (
        page.status_code == 200
        and "服务投诉" in page.content.decode()
        and "欺诈举报" in page.content.decode()
    )
    bad = client.post("/complaints/new/", {"category": "service", "subject": "差", "body": "短"})
    assert bad.status_code == 400 and "至少10字" in bad.content.decode()
    made = client.post(
        "/complaints/new/", {"category": "service", "region_code": "110105", "subject": "差", "body": BODY}
    )
    assert made.status_code == 201
    c = Complaint.objects.get()
    body = made.content.decode()
    assert c.tracking_code in body and 'id="secret"' in body
    secret = body.split('id="secret">')[1].split("<")[0]
    wrong = client.get("/complaints/track/", {"tracking_code": c.tracking_code, "secret": "AAAAAAAA"})
    assert wrong.status_code == 404 and "不正确" in wrong.content.decode()
    services.complaint_reply(actor=reviewer, complaint_id=c.pk, reply="感谢反馈，已处理。")
    ok = client.get(
        "/complaints/track/", {"tracking_code": c.tracking_code, "secret": secret}
    ).content.decode()
    assert "已答复" in ok and "感谢反馈，已处理。" in ok


def test_handler_pages(client, divisions, reviewer, auditor):
    c = _submit().complaint
    login(client, auditor)
    assert c.tracking_code not in client.get("/staff/complaints/").content.decode()
    assert client.get(f"/staff/complaints/{c.pk}/").status_code == 403
    client.logout()
    login(client, reviewer)
    assert c.tracking_code in client.get("/staff/complaints/").content.decode()
    empty = client.post(f"/staff/complaints/{c.pk}/", {"action": "reply", "reply": ""})
    assert empty.status_code == 400
    done = client.post(f"/staff/complaints/{c.pk}/", {"action": "reply", "reply": "已核实"})
    assert done.status_code == 200 and "已答复" in done.content.decode()
    closed = client.post(f"/staff/complaints/{c.pk}/", {"action": "close", "note": "办结"})
    assert "已办结" in closed.content.decode()
    assert Complaint.objects.get(pk=c.pk).status == "closed"


def test_named_citizen_page_and_my_list(client, citizen):
    login(client, citizen)
    made = client.post("/complaints/new/", {"category": "violation", "subject": "单位少缴", "body": BODY})
    assert made.status_code == 201 and 'id="secret"' not in made.content.decode()
    c = Complaint.objects.get()
    assert not c.anonymous and c.handling_post == "auditor"
    assert c.tracking_code in client.get("/me/complaints/").content.decode()
    mine = client.get("/complaints/track/", {"tracking_code": c.tracking_code})
    assert mine.status_code == 200 and "单位少缴" in mine.content.decode()


def test_public_and_staff_api(client, divisions, reviewer, auditor):
    made = client.post(
        "/api/v1/public/complaints/",
        {"category": "fraud", "subject": "冒领养老金", "body": BODY, "region_code": "110105"},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    data = made.json()
    assert data["handling_post"] == "auditor" and data["secret"]
    bad = client.post(
        "/api/v1/public/complaints/",
        {"category": "x", "subject": "a", "body": BODY},
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["field"] == "category"
    status = client.post(
        "/api/v1/public/complaints/status",
        {"tracking_code": data["tracking_code"], "secret": data["secret"]},
        content_type="application/json",
    )
    assert status.status_code == 200 and status.json()["status"] == "submitted"
    nope = client.post(
        "/api/v1/public/complaints/status",
        {"tracking_code": data["tracking_code"], "secret": "x"},
        content_type="application/json",
    )
    assert nope.status_code == 404
    login(client, reviewer)
    assert client.get("/api/v1/staff/complaints/").json() == []
    c = Complaint.objects.get()
    assert (
        client.post(
            f"/api/v1/staff/complaints/{c.pk}/reply", {"reply": "x"}, content_type="application/json"
        ).status_code
        == 403
    )
    client.logout()
    login(client, auditor)
    (row,) = client.get("/api/v1/staff/complaints/").json()
    assert row["body"] == BODY and row["anonymous"] is True
    replied = client.post(
        f"/api/v1/staff/complaints/{c.pk}/reply", {"reply": "已立案调查"}, content_type="application/json"
    )
    assert replied.status_code == 200 and replied.json()["status"] == "replied"
    closed = client.post(
        f"/api/v1/staff/complaints/{c.pk}/close", {"note": "查实，已追回"}, content_type="application/json"
    )
    assert closed.json()["status"] == "closed"


def test_contact_is_stored_encrypted(divisions):
    from django.db import connection

    c = _submit(contact="13912345678").complaint
    with connection.cursor() as cursor:
        cursor.execute("SELECT contact FROM complaints_complaint WHERE id = %s", [c.pk])
        (raw,) = cursor.fetchone()
    assert "13912345678" not in raw and Complaint.objects.get(pk=c.pk).contact == "13912345678"
