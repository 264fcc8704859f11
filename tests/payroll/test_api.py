"""The staff payroll API: start a run (task), follow progress, download the bank file,
upload returns; payees and receivables; errors as 4xx JSON naming the field."""

from __future__ import annotations

import pytest

from shebao.accounts.rules.permissions import Post
from shebao.payroll.models import Payee

IMMEDIATE = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
BASE = "/api/v1/staff/payroll/"


@pytest.fixture
def api(token_client, accountant, settings):
    settings.TASKS = IMMEDIATE
    return token_client(accountant)


@pytest.mark.django_db
def test_run_progress_download_and_returns(api, enrol):
    a = enrol(monthly_fen=300_000)
    enrol(monthly_fen=250_000, bank="BOC")
    r = api.post(BASE + "runs", {"period": "202601"})
    assert r.status_code == 202, r.content
    run_id = r.json()["id"]
    detail = api.get(BASE + f"runs/{run_id}").json()
    assert detail["status"] == "done" and detail["chunks_done"] == detail["chunks_total"]
    assert detail["total"] == "5500.00" and detail["payments"] == 2
    batches = {b["bank_code"]: b for b in detail["batches"]}
    icbc = batches["ICBC"]
    f = api.get(BASE + f"batches/{icbc['id']}/file")
    assert f.status_code == 200
    body = b"".join(f.streaming_content).decode()
    assert f"ICBC,{a.account},3000.00,P202601-{a.pk}" in body and body.rstrip().splitlines()[-1].startswith(
        "SHA256,"
    )
    bad = api.post(
        BASE + f"batches/{icbc['id']}/returns",
        files={"file": _upload("reference,account_last4,amount,reason\nP202601-999999,0000,1.00,x\n")},
    )
    assert bad.status_code == 400 and bad.json()["row"] == 2 and bad.json()["field"] == "reference"
    ok = api.post(
        BASE + f"batches/{icbc['id']}/returns",
        files={
            "file": _upload(
                f"reference,account_last4,amount,reason\nP202601-{a.pk},{a.account_last4},3000.00,x\n"
            )
        },
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["failed_count"] == 1


def _upload(text: str):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("returns.csv", text.encode(), content_type="text/csv")


@pytest.mark.django_db
def test_payees_enrol_suspend_detail_and_errors(api, make_person):
    person = make_person()
    r = api.post(
        BASE + "payees",
        {
            "person_id": person.pk,
            "benefit": "pension",
            "monthly_amount": "3210.50",
            "from_period": "202601",
            "bank_code": "ICBC",
            "account_number": "6222020212345678",
        },
    )
    assert r.status_code == 201, r.content
    payee = r.json()
    assert payee["monthly"] == "3210.50" and payee["account"] == "****5678"
    bad = api.post(
        BASE + "payees",
        {
            "person_id": person.pk,
            "benefit": "pension",
            "monthly_amount": "-1",
            "from_period": "202601",
            "bank_code": "ICBC",
            "account_number": "6222020212345678",
        },
    )
    assert bad.status_code == 400 and bad.json()["field"] == "monthly_amount"
    bad = api.post(
        BASE + "payees",
        {
            "person_id": person.pk,
            "benefit": "survivor",
            "monthly_amount": "1",
            "from_period": "202601",
            "bank_code": "XYZ",
            "account_number": "6222020212345678",
        },
    )
    assert bad.status_code == 400 and bad.json()["field"] == "bank_code"
    s = api.post(BASE + f"payees/{payee['id']}/suspend", {"from_period": "202602", "reason": "未认证"})
    assert s.status_code == 200 and s.json()["status"] == "suspended"
    d = api.get(BASE + f"payees/{payee['id']}").json()
    assert [h["action"] for h in d["history"]] == ["enrol", "suspend"]
    assert Payee.objects.count() == 1


@pytest.mark.django_db
def test_other_posts_are_refused(token_client, staff, divisions, audit_ctx, settings):
    front = token_client(staff(Post.FRONT_DESK, "110000"))
    assert front.get(BASE + "runs").status_code == 403
    assert front.post(BASE + "runs", {"period": "202601"}).status_code == 403


@pytest.mark.django_db
def test_death_and_receivable_repayment(api, system, enrol):
    from shebao.payroll import run

    p = enrol(monthly_fen=100_000, from_period=202501)
    run.payroll_run(actor=system, period=202502)
    r = api.post(BASE + "deaths", {"person_id": p.person_id, "death_date": "2025-01-20"})
    assert r.status_code == 200 and r.json()[0]["amount"] == "1000.00"
    rid = r.json()[0]["id"]
    assert api.post(BASE + f"receivables/{rid}/offset", {"share_percent": "50"}).status_code == 400
    bad = api.post(BASE + f"receivables/{rid}/repay", {"amount": "2000"})
    assert bad.status_code == 400 and bad.json()["field"] == "amount"
    ok = api.post(BASE + f"receivables/{rid}/repay", {"amount": "1000"})
    assert ok.json()["status"] == "recovered"
    assert api.get(BASE + "receivables").json()[0]["outstanding"] == "0.00"


_ON_POSTGRES = __import__("django.db", fromlist=["connection"]).connection.vendor == "postgresql"


# The worker closes connections inside a transaction: on PostgreSQL the test commits for real.
@pytest.mark.django_db(transaction=_ON_POSTGRES)
def test_run_enqueued_on_the_database_queue_and_worked_by_db_worker(
    token_client, accountant, enrol, settings
):
    from django.core.management import call_command

    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    enrol(monthly_fen=123_400)
    api = token_client(accountant)
    r = api.post(BASE + "runs", {"period": "202601"})
    assert r.status_code == 202 and r.json()["status"] == "queued"
    call_command("db_worker", "--batch", "--interval", "0", "--no-startup-delay")
    detail = api.get(BASE + f"runs/{r.json()['id']}").json()
    assert detail["status"] == "done" and detail["total"] == "1234.00" and len(detail["batches"]) == 1
