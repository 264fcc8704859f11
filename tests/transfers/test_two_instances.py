"""Two real Shebao installations on loopback, each with its own SQLite file, keys and
agency code, exchange the documents of a pension transfer as signed messages over HTTP:
Beijing (receiving, 110000) ← Zhengzhou (sending, 410100). Driven by management
commands and ``manage.py shell -c`` scripts, delivered by ``exchange_deliver`` and by
the task worker (``db_worker --batch``)."""

from __future__ import annotations

import base64
import json
import os
import socket
import subprocess
import sys
import textwrap
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PY = sys.executable
pytestmark = pytest.mark.slow

SETUP_COMMON = """
import datetime as dt
from shebao.kernel.rules.identifiers import make_person_id, make_uscc
from shebao.register import services as r
from shebao.register.access import SYSTEM_ACTOR as S
ID = make_person_id("410102", dt.date(1988, 6, 1), 2)  # a woman, hukou Zhengzhou
"""

SETUP_SENDING = SETUP_COMMON + """
from django.utils import timezone
from shebao.contributions.models import AccountYear, Bill, ContributionLine
emp = r.employer_register(actor=S, uscc=make_uscc("91410102MA0000001"), name="郑州示例有限公司",
                          employer_type="enterprise", region_code="410102", risk_class=1, registered_on="2018-01-01")
p = r.person_register(actor=S, id_number=ID, name="李秀英", hukou_region="410102", hukou_type="urban").person
job = r.employment_hire(actor=S, employer_id=emp.pk, person_id=p.pk, start_date="2019-01-01", monthly_wage="5000")
r.employment_separate(actor=S, employment_id=job.pk, end_date="2021-12-31", reason="辞职")
bases = {2019: 500000, 2020: 600000, 2021: 700000}  # T40: 60,000 + 72,000 + 84,000 a year
lines, bills = [], []
for y, base in bases.items():
    for m in range(1, 13):
        per = y * 100 + m
        lines.append(ContributionLine(period=per, person_id=p.pk, insurance="pension", employer_id=emp.pk,
            region_code="410102", kind="normal", base_fen=base, employer_ppm=160000, individual_ppm=80000,
            employer_fen=base * 16 // 100, individual_fen=base * 8 // 100, run_id=0))
        bills.append(Bill(period=per, payer_type="employer", payer_id=emp.pk, kind="normal", region_code="410102",
            employer_fen=0, individual_fen=0, total_fen=0, paid_fen=0, lines=1, status="paid",
            due_date=dt.date(y, m, 15), run_id=0, updated_at=timezone.now()))
ContributionLine.objects.bulk_create(lines)
Bill.objects.bulk_create(bills)
AccountYear.objects.create(person_id=p.pk, year=2024, opening_principal_fen=0, opening_interest_fen=0,
    credits_fen=3000000, interest_on_opening_fen=0, interest_on_credits_fen=123456, closing_principal_fen=3000000,
    closing_interest_fen=123456, rate_ppm=26200, method="annual_1997", months=12, credited_at=timezone.now())
print(p.pk)
"""

SETUP_RECEIVING = SETUP_COMMON + """
from shebao.contributions import services as c
c.parameters_load_csv(actor=S)
emp = r.employer_register(actor=S, uscc=make_uscc("91110105MA0000001"), name="北京示例有限公司",
                          employer_type="enterprise", region_code="110105", risk_class=1, registered_on="2018-01-01")
p = r.person_register(actor=S, id_number=ID, name="李秀英", hukou_region="410102", hukou_type="urban",
                      region_code="110105").person
r.employment_hire(actor=S, employer_id=emp.pk, person_id=p.pk, start_date="2026-11-01", monthly_wage="9000")
from shebao.transfers import services as t
tr = t.transfer_apply(actor=S, person_id=p.pk, sending_code="410100", account_ref="ZZ-0001")
t.transfer_accept(actor=S, transfer_id=tr.pk)
print(tr.pk)
"""

REPORT_RECEIVING = """
import json
from shebao.benefits import selectors as b
from shebao.contributions import history as h
from shebao.exchange.models import InboxMessage
from shebao.register.access import SYSTEM_ACTOR as S
from shebao.transfers.models import Transfer
tr = Transfer.objects.get(direction="in")
rec = b.pension_record(user=S, person_id=tr.person_id)
st = h.person_account_statement(user=S, person_id=tr.person_id)
print(json.dumps({"status": tr.status, "steps": [s.to_status for s in tr.steps.order_by("at", "pk")],
    "total_fen": tr.total_fen, "pooled_fen": tr.pooled_fen, "months": rec.months,
    "years": {y.year: y.months for y in rec.years}, "balance": str(st.balance), "notice": tr.notice,
    "inbox": InboxMessage.objects.count(), "due": str(tr.due_date)}))
"""

REPORT_SENDING = """
import json
from shebao.contributions.ledger import account_balance_fen
from shebao.exchange.models import OutboxMessage
from shebao.register import selectors as rs
from shebao.transfers.models import Transfer
tr = Transfer.objects.get(direction="out")
pension = rs.person_current_status(person_id=tr.person_id)["pension"]
print(json.dumps({"status": tr.status, "total_fen": tr.total_fen, "balance": sum(account_balance_fen(person_id=tr.person_id)),
    "pension": pension.status if pension else None, "reason": pension.reason if pension else "",
    "outbox": [[m.type, m.status] for m in OutboxMessage.objects.order_by("pk")]}))
"""

REDELIVER = """
from django.utils import timezone
from shebao.exchange.models import OutboxMessage
print(OutboxMessage.objects.filter(type="pension_transfer.info_sheet").update(status="pending", next_attempt_at=timezone.now()))
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def seed() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class Instance:
    def __init__(self, tmp: Path, *, code: str, city: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.code = code
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("SHEBAO_", "DJANGO_"))},
            "DJANGO_SETTINGS_MODULE": "shebao.config.settings",
            "SHEBAO_DATABASE_URL": f"sqlite:///{tmp / f'{code}.sqlite3'}",
            "SHEBAO_VAR_DIR": str(tmp / code),
            "SHEBAO_SECRET_KEY": "two-instance-test-" + code + "-0123456789abcdefghijklmnop",
            "SHEBAO_DATA_KEYS": "t1:" + seed(),
            "SHEBAO_BLIND_INDEX_KEY": seed(),
            "SHEBAO_SIGNING_KEY": seed(),
            "SHEBAO_EXCHANGE_KEY": seed(),
            "SHEBAO_CITY_CODE": code,
            "SHEBAO_CITY_NAME": city,
            "SHEBAO_EXCHANGE_AGENCY_NAME": city + "社会保险中心",
            "SHEBAO_PUBLIC_BASE_URL": self.url,
            "SHEBAO_SECURE_COOKIES": "false",
            "SHEBAO_LOG_LEVEL": "WARNING",
        }
        self.server: subprocess.Popen | None = None

    def manage(self, *args: str, timeout: float = 120) -> str:
        done = subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=self.env, capture_output=True, text=True,
                              timeout=timeout, check=False)  # fmt: skip
        assert done.returncode == 0, f"{args[0]} at {self.code} failed:\n{done.stdout}\n{done.stderr}"
        return done.stdout

    def shell(self, script: str) -> str:
        return self.manage("shell", "-c", textwrap.dedent(script)).strip().splitlines()[-1]

    def start(self) -> None:
        self.server = subprocess.Popen(  # noqa: S603
            [PY, "manage.py", "runserver", "--noreload", "--skip-checks", f"127.0.0.1:{self.port}"], cwd=ROOT,
            env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/healthz", timeout=2):  # noqa: S310 - loopback
                    return
            except OSError:
                time.sleep(0.3)
        raise AssertionError(f"{self.code} did not start on {self.url}")

    def stop(self) -> None:
        if self.server is not None:
            self.server.terminate()
            self.server.wait(timeout=10)


@pytest.fixture
def instances(tmp_path):
    beijing = Instance(tmp_path, code="110000", city="北京市")
    zhengzhou = Instance(tmp_path, code="410100", city="郑州市")
    migrations = [subprocess.Popen([PY, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=i.env)  # noqa: S603
                  for i in (beijing, zhengzhou)]  # fmt: skip
    assert [m.wait(timeout=300) for m in migrations] == [0, 0]
    try:
        for i in (beijing, zhengzhou):
            i.start()
        yield beijing, zhengzhou
    finally:
        for i in (beijing, zhengzhou):
            i.stop()


def test_transfer_between_two_installations(instances):
    beijing, zhengzhou = instances
    for me, other in ((beijing, zhengzhou), (zhengzhou, beijing)):
        identity = json.loads(other.manage("exchange_identity"))
        me.manage("exchange_peer_add", identity["agency_code"], "--name", identity["name"], "--url", other.url,
                  f"--public-key={identity['public_key']}")  # fmt: skip  (a key may start with "-")
    zhengzhou.shell(SETUP_SENDING)
    beijing.shell(SETUP_RECEIVING)  # applied and accepted: the 联系函 waits in the outbox

    # 联系函 Beijing → Zhengzhou by the task worker (enqueued on commit)
    beijing.manage("db_worker", "--batch", "-v", "0")
    sending = json.loads(zhengzhou.shell(REPORT_SENDING))
    assert sending["status"] == "accepted"

    # Zhengzhou's automatic check processes the clean transfer out; 信息表 + funds go back
    assert "processed ZC" in zhengzhou.manage("transfer_process_out")
    assert "delivered=1" in zhengzhou.manage("exchange_deliver")
    sending = json.loads(zhengzhou.shell(REPORT_SENDING))
    assert sending["status"] == "out_processed"
    assert sending["total_fen"] == 3000000 + 123456 + 2592000  # account + interest + 12 % × 216,000 (T40)
    assert sending["balance"] == 0  # the whole account debited
    assert sending["pension"] == "terminated" and "转移接续转出" in sending["reason"]
    assert sending["outbox"] == [["pension_transfer.info_sheet", "delivered"]]

    received = json.loads(beijing.shell(REPORT_RECEIVING))
    assert received["status"] == "funds_received"
    assert received["pooled_fen"] == 2592000 and received["total_fen"] == 5715456

    beijing.shell("""
from shebao.register.access import SYSTEM_ACTOR as S
from shebao.transfers import services as t
from shebao.transfers.models import Transfer
print(t.transfer_merge(actor=S, transfer_id=Transfer.objects.get(direction="in").pk).status)
""")
    done = json.loads(beijing.shell(REPORT_RECEIVING))
    assert done["status"] == "notified"
    assert done["steps"] == ["applied", "accepted", "out_processed", "funds_received", "merged", "notified"]
    assert done["months"] == 36 and done["years"] == {"2019": 12, "2020": 12, "2021": 12}
    assert done["balance"] == "31234.56"  # the personal account moved, principal and interest
    assert "合并缴费 36 个月" in done["notice"]

    # the 信息表 delivered again (a retry after a lost acknowledgement): acknowledged, applied once
    assert zhengzhou.shell(REDELIVER) == "1"
    assert "delivered=1" in zhengzhou.manage("exchange_deliver")
    again = json.loads(beijing.shell(REPORT_RECEIVING))
    assert again == done
    acks = json.loads(zhengzhou.shell("""
import json
from shebao.exchange.models import OutboxMessage
print(json.dumps([m.ack["status"] for m in OutboxMessage.objects.all()]))
"""))
    assert acks == ["duplicate"]
