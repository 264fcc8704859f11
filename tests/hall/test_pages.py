"""The hall pages: catalogue, guide, one-time notification, applying with upload and
preview, my applications, the staff workbench and case handling."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.hall.models import Case
from shebao.register import selectors as register_selectors
from tests.hall.conftest import login, png_bytes

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


def test_catalogue_guide_and_notice_are_public(client, catalogue):
    r = client.get("/hall/?q=挂失", **ZH)
    assert r.status_code == 200 and "社保卡挂失" in r.content.decode()
    r = client.get("/hall/items/enrolment_suspend/", **ZH)
    body = r.content.decode()
    assert r.status_code == 200 and "设定依据" in body and "社会保险法" in body
    r = client.get("/hall/items/person_change/notice/", **ZH)
    body = r.content.decode()
    assert "一次性告知" in body and "系统已有，免提交" in body and "@media print" in body


def test_citizen_applies_online_and_reviewer_approves(client, citizen, reviewer, zhang):
    login(client, citizen)
    page = client.get("/hall/items/enrolment_suspend/start/", **ZH).content.decode()
    assert 'name="idempotency_key"' in page
    r = client.post("/hall/items/enrolment_suspend/start/", {"idempotency_key": "k" * 32})
    assert r.status_code == 302
    client.post("/hall/items/enrolment_suspend/start/", {"idempotency_key": "k" * 32})  # double click
    assert Case.objects.count() == 1
    case = Case.objects.get()
    body = client.get(f"/hall/cases/{case.pk}/", **ZH).content.decode()
    assert "张三" in body and "来自参保登记" in body
    form = {"insurances": ["pension"], "from_period": "2026-01", "reason": "出国", "action": "submit"}
    r = client.post(f"/hall/cases/{case.pk}/", form, **ZH)
    assert r.status_code == 400 and "电子签名确认" in r.content.decode()
    r = client.post(f"/hall/cases/{case.pk}/", {**form, "confirm": "1"})
    assert r.status_code == 302
    case.refresh_from_db()
    assert case.status == "submitted"
    staff = client.__class__()
    login(staff, reviewer)
    body = staff.get("/staff/hall/?queue=intake", **ZH).content.decode()
    assert case.reference in body and "sla green" in body
    assert staff.post(f"/staff/hall/cases/{case.pk}/", {"action": "accept"}).status_code == 302
    r = staff.post(f"/staff/hall/cases/{case.pk}/", {"action": "refuse", "comment": ""}, **ZH)
    assert r.status_code == 400 and "请填写意见" in r.content.decode()
    assert (
        staff.post(f"/staff/hall/cases/{case.pk}/", {"action": "approve", "comment": "同意"}).status_code
        == 302
    )
    assert register_selectors.person_current_status(person_id=zhang.pk)["pension"].status == "suspended"
    body = client.get(f"/hall/cases/{case.pk}/", **ZH).content.decode()
    assert "已办结（准予）" in body and "同意" in body
    assert case.reference in client.get("/hall/cases/", **ZH).content.decode()


def test_upload_preview_is_access_checked(client, citizen, li, citizen_of, far_reviewer_page):
    login(client, citizen)
    client.post("/hall/items/card_replace/start/", {"idempotency_key": "u" * 32})
    case = Case.objects.get()
    r = client.post(
        f"/hall/cases/{case.pk}/upload/",
        {"material_code": "photo", "file": SimpleUploadedFile("evil.png", b"MZ\x90\x00" + b"\0" * 99)},
        **ZH,
    )
    assert r.status_code == 400 and "文件类型不支持" in r.content.decode()
    r = client.post(
        f"/hall/cases/{case.pk}/upload/",
        {"material_code": "photo", "file": SimpleUploadedFile("me.png", png_bytes())},
    )
    assert r.status_code == 302
    upload = case.uploads.get()
    body = client.get(f"/hall/cases/{case.pk}/").content.decode()
    assert f"/hall/files/{upload.pk}/" in body
    r = client.get(f"/hall/files/{upload.pk}/")
    assert r.status_code == 200 and r["Content-Type"] == "image/png" and r.content == png_bytes()
    assert r["X-Content-Type-Options"] == "nosniff"
    other = client.__class__()
    login(other, citizen_of(li))
    assert other.get(f"/hall/files/{upload.pk}/").status_code == 403
    assert other.get(f"/hall/cases/{case.pk}/").status_code == 403
