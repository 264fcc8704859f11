"""Staff payroll pages: start a run (task, immediate), see progress and totals, download
the bank file, upload returns (errors next to the field), payees, receivables."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from shebao.accounts.rules.permissions import Post
from shebao.payroll import run as payroll
from shebao.payroll import services
from shebao.payroll.models import PayrollRun
from tests.pages.conftest import login

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def web(client, accountant, settings):
    settings.TASKS = IMMEDIATE
    return login(client, accountant)


@pytest.mark.django_db
def test_start_a_run_and_follow_it_to_the_bank_file(web, enrol):
    a = enrol(monthly_fen=300_000)
    page = web.get("/staff/payroll/")
    assert page.status_code == 200 and "开始月度发放" in page.content.decode()
    r = web.post("/staff/payroll/runs/start/", {"period": "202601"})
    run = PayrollRun.objects.get()
    assert r.status_code == 302 and r["Location"].endswith(f"/staff/payroll/runs/{run.pk}/")
    detail = web.get(f"/staff/payroll/runs/{run.pk}/").content.decode()
    assert "3,000.00" in detail and "下载文件" in detail
    progress = web.get(f"/staff/payroll/runs/{run.pk}/progress/").content.decode()
    assert "hx-trigger" not in progress  # finished: no more polling
    batch = run.batches.get()
    f = web.get(f"/staff/payroll/batches/{batch.pk}/file/")
    assert f.status_code == 200 and a.account in b"".join(f.streaming_content).decode()
    bad = web.post(
        f"/staff/payroll/batches/{batch.pk}/returns/",
        {"file": SimpleUploadedFile("r.csv", b"reference,account_last4,amount,reason\nP202601-1,9999,1,x\n")},
    )
    assert bad.status_code == 400 and "第2行" in bad.content.decode()
    ok = web.post(
        f"/staff/payroll/batches/{batch.pk}/returns/",
        {
            "file": SimpleUploadedFile(
                "r.csv",
                f"reference,account_last4,amount,reason\nP202601-{a.pk},{a.account_last4},3000.00,x\n".encode(),
            )
        },
    )
    assert ok.status_code == 302


@pytest.mark.django_db
def test_bad_period_is_shown_next_to_the_field(web):
    r = web.post("/staff/payroll/runs/start/", {"period": "2026-13"})
    assert r.status_code == 400 and "error-summary" in r.content.decode()
    assert not PayrollRun.objects.exists()


@pytest.mark.django_db
def test_payee_pages_suspend_and_resume(web, enrol):
    p = enrol()
    assert f"#{p.pk}" in web.get("/staff/payroll/payees/?status=active").content.decode()
    page = web.get(f"/staff/payroll/payees/{p.pk}/").content.decode()
    assert "暂停发放" in page and p.account_masked in page and p.account not in page
    bad = web.post(f"/staff/payroll/payees/{p.pk}/suspend/", {"from_period": "x", "reason": "未认证"})
    assert bad.status_code == 400
    assert (
        web.post(
            f"/staff/payroll/payees/{p.pk}/suspend/", {"from_period": "202602", "reason": "未认证"}
        ).status_code
        == 302
    )
    assert web.post(f"/staff/payroll/payees/{p.pk}/resume/", {"from_period": "202603"}).status_code == 302
    assert "resume" in web.get(f"/staff/payroll/payees/{p.pk}/").content.decode()


@pytest.mark.django_db
def test_receivables_page_records_a_repayment(web, system, enrol):
    p = enrol(monthly_fen=100_000, from_period=202501)
    payroll.payroll_run(actor=system, period=202502)
    (r,) = services.payee_stop_on_death(actor=system, person_id=p.person_id, death_date="2025-01-10")
    assert "1,000.00" in web.get("/staff/payroll/receivables/").content.decode()
    bad = web.post(f"/staff/payroll/receivables/{r.pk}/repay/", {f"repay{r.pk}-amount": "5000"})
    assert bad.status_code == 400 and "超过" in bad.content.decode()
    assert (
        web.post(f"/staff/payroll/receivables/{r.pk}/repay/", {f"repay{r.pk}-amount": "1000"}).status_code
        == 302
    )
    r.refresh_from_db()
    assert r.status == "recovered"


@pytest.mark.django_db
def test_other_posts_get_403(client, staff, divisions, audit_ctx):
    login(client, staff(Post.FRONT_DESK, "110000"))
    assert client.get("/staff/payroll/").status_code == 403


@pytest.mark.django_db
def test_pages_speak_english_second(web, enrol, english_catalogue):
    enrol()
    page = web.get("/staff/payroll/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Start the monthly payroll" in page and "Payroll runs" in page
    assert "Active" in web.get("/staff/payroll/payees/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
