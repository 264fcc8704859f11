"""Browser: a citizen finds 暂停缴费 in the service-hall catalogue, files it online (the
form pre-filled from the register, a proof uploaded and previewed), confirms and submits;
a reviewer (with the second factor) takes it from the workbench, 受理 → 审核通过，办结;
the citizen sees the result and the register really shows the enrolments suspended.
Screenshots: docs/screenshots/hall-*.png."""

from __future__ import annotations

import io
import re

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from shebao.accounts.rules.permissions import Post, UserKind
from shebao.hall import services as hall_services
from shebao.hall.models import Case
from shebao.kernel.rules.periods import Period
from shebao.register import selectors as register_selectors
from shebao.register.rules.codes import Insurance
from tests.browser.conftest import CHAOYANG, browser_login

# the width of an <img> once the browser has fetched and decoded it (0 if it could not)
DECODED_WIDTH = "img => img.decode().then(() => img.naturalWidth, () => 0)"
SUSPENDED = {Insurance.PENSION, Insurance.MEDICAL, Insurance.UNEMPLOYMENT, Insurance.MATERNITY}


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.SHEBAO_UPLOAD_ROOT = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def _proof_png(path) -> None:
    """A small real PNG: the 出国（境）证明 scan."""
    image = Image.new("RGB", (360, 220), (245, 245, 240))
    for x in range(20, 340):
        for y in (40, 80, 120, 160):
            image.putpixel((x, y), (30, 60, 160))
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    path.write_bytes(buf.getvalue())


def test_citizen_suspends_online_and_reviewer_approves(
    page, shot, browser_user, system, zhang, upload_root, tmp_path
):
    hall_services.catalogue_sync(actor=system)
    citizen = browser_user(kind=UserKind.CITIZEN, person_id=zhang.pk, full_name=zhang.name)
    reviewer = browser_user(kind=UserKind.STAFF, posts=((Post.REVIEWER, CHAOYANG),), full_name="王审核")
    assert all(
        row.status == "active"
        for row in register_selectors.person_current_status(person_id=zhang.pk).values()
    )

    # -- the citizen finds the item through the catalogue search (htmx) -----------------
    browser_login(page, citizen)
    page.goto("/hall/")
    page.fill("#q", "停保")  # a keyword, not the item's name
    page.get_by_role("button", name="查询").click()
    results = page.locator("#results")
    # The full list is there before htmx swaps the results in: wait for the swap.
    expect(results.get_by_role("link", name="续保（恢复缴费）")).to_have_count(0)
    results.get_by_role("link", name="暂停缴费").wait_for()
    shot("hall-1-catalogue")

    results.get_by_role("link", name="暂停缴费").click()
    page.wait_for_url(re.compile(r"/hall/items/enrolment_suspend/$"))
    assert page.get_by_role("heading", name="设定依据").is_visible()
    page.get_by_role("link", name="在线办理").first.click()
    page.wait_for_url(re.compile(r"/hall/items/enrolment_suspend/start/$"))
    page.get_by_role("button", name="开始填写").click()
    page.wait_for_url(re.compile(r"/hall/cases/\d+/$"))
    case = Case.objects.get(applicant_user_id=citizen.pk)
    assert case.status == "draft"

    # -- the form: who and what the register holds are shown, not asked -----------------
    form = page.locator("form", has=page.get_by_role("button", name="确认并提交"))
    assert form.locator("#value-name .value").inner_text() == "张三"
    assert form.locator("#value-id_masked .value").inner_text() == zhang.id_masked
    assert "养老保险：参保缴费" in form.locator("#value-current_status").inner_text()
    assert page.locator("input[name=name]").count() == 0  # read-only facts are never inputs
    for insurance in Insurance:  # pre-checked: every insurance now 参保缴费
        assert form.get_by_label(insurance.label_zh).is_checked()
    form.get_by_label(Insurance.INJURY.label_zh).uncheck()
    # the effective month defaults to the current one (the register takes no future month)
    assert page.locator("#id_from_period").input_value() == timezone.localdate().strftime("%Y-%m")
    page.fill("#id_reason", "出国定居")

    # Submitting without the e-signature confirmation is refused, the typing is kept.
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="确认并提交").click()
    assert page.get_by_role("alert").first.is_visible()
    assert "电子签名确认" in page.locator(".error-summary").inner_text()
    assert page.locator("#id_reason").input_value() == "出国定居"
    case.refresh_from_db()
    assert case.status == "draft"
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="保存草稿").click()

    proof = tmp_path / "出国证明.png"
    _proof_png(proof)
    page.set_input_files("#file-proof", str(proof))
    with page.expect_navigation():  # a form post: wait for the next page
        page.locator("#material-proof").get_by_role("button", name="上传").click()
    preview = page.locator("#material-proof .preview img")
    preview.wait_for()
    assert preview.evaluate(DECODED_WIDTH) == 360  # served, really an image
    form = page.locator("form", has=page.get_by_role("button", name="确认并提交"))
    assert not form.get_by_label(Insurance.INJURY.label_zh).is_checked()  # the draft was kept
    page.get_by_label(re.compile("本人确认以上信息真实")).check()
    shot("hall-2-form")
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="确认并提交").click()
    assert page.get_by_text("申请已提交").is_visible()
    case.refresh_from_db()
    assert case.status == "submitted" and case.receipt is not None
    assert set(case.data["insurances"]) == {i.value for i in SUSPENDED}
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="退出").click()

    # -- the reviewer: workbench → case → 受理 → 审核通过，办结 --------------------------
    browser_login(page, reviewer, totp_secret=reviewer.totp_secret)
    page.goto("/staff/hall/")
    row = page.locator("tr", has=page.get_by_role("link", name=case.reference))
    assert row.get_by_text("张三").is_visible() and row.get_by_text("朝阳区").is_visible()
    assert row.get_by_text("已提交，待受理").is_visible() and row.locator(".sla.green").is_visible()
    shot("hall-3-workbench")
    row.get_by_role("button", name="认领").click()
    page.wait_for_url(re.compile(rf"/staff/hall/cases/{case.pk}/$"))
    assert page.get_by_text("办理人：王审核").is_visible()
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="受理", exact=True).click()
    case.refresh_from_db()
    assert case.status == "accepted"
    assert page.locator("#case-status").inner_text() == "已受理，审核中"
    assert page.get_by_role("status").get_by_text("已受理").is_visible()
    assert page.locator("#material-proof .preview img").evaluate(DECODED_WIDTH) == 360
    page.fill("#comment", "材料齐全，同意暂停缴费")
    shot("hall-4-case")
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="审核通过，办结").click()
    case.refresh_from_db()
    assert case.status == "approved", page.locator("main").inner_text()
    assert page.get_by_role("button", name="审核通过，办结").count() == 0  # nothing left to do
    with page.expect_navigation():  # a form post: wait for the next page
        page.get_by_role("button", name="退出").click()

    # -- the register really changed ------------------------------------------------------
    status = register_selectors.person_current_status(person_id=zhang.pk)
    for insurance in SUSPENDED:
        assert status[insurance].status == "suspended"
        assert str(Period.from_int(status[insurance].start_period)) == case.data["from_period"]
    assert status[Insurance.INJURY].status == "active"

    # -- the citizen sees the result and the whole timeline -------------------------------
    browser_login(page, citizen)
    page.goto("/hall/cases/")
    page.get_by_role("link", name=case.reference).click()
    page.wait_for_url(re.compile(rf"/hall/cases/{case.pk}/$"))
    result = page.locator("#case-status")
    assert result.inner_text() == "已办结（准予）" and "status-approved" in result.get_attribute("class")
    timeline = page.locator("ol.timeline")
    steps = [s.split("·")[0].strip() for s in timeline.locator("li").all_inner_texts()]
    assert steps[0] == "创建草稿" and steps[-1] == "办结（准予）"
    assert {"提交申请", "受理", "上传材料"} <= set(steps)
    assert timeline.get_by_text("材料齐全，同意暂停缴费").is_visible()
    data = page.locator("section[aria-labelledby=data-h]")
    assert data.get_by_text("养老保险、医疗保险、失业保险、生育保险").is_visible()
    assert page.locator("form button[name=action]").count() == 0  # no longer editable
    shot("hall-5-result")
