"""Synthetic payees for the demo city, the kill test and the benchmark, written in
set-based SQL (a million rows in seconds). Accounts are real ciphertexts under the data
key: ``distinct`` accounts are encrypted in Python and spread over the payees by id."""

from __future__ import annotations

from django.db import connection, transaction
from django.utils import timezone

from shebao.kernel.crypto import encrypt
from shebao.payroll.codes import BANKS
from shebao.payroll.models import Adjustment, Payee, PayeeChange, Receivable
from shebao.register import sources


def _numbers(count: int) -> str:
    if connection.vendor == "postgresql":
        return f"SELECT g AS i FROM generate_series(1, {int(count)}) g"  # noqa: S608 - an integer
    return (
        f"SELECT i FROM (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {int(count)}) "  # noqa: S608
        "SELECT i FROM n)"
    )


@transaction.atomic
def payees_seed(
    *, count: int, from_register: bool = False, distinct: int = 1000, from_period: int = 202501
) -> int:
    """Write ``count`` pension payees (person ids 1…count, or the register's first
    ``count`` persons with ``from_register``); about 1 % suspended from 202601, 1 % with a
    back-payment due and 0.1 % with a receivable being offset at 50 %."""
    now = timezone.now()
    banks = list(BANKS)
    table = Payee._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE seed_accounts (k INTEGER PRIMARY KEY, account TEXT, last4 TEXT)"
        )
        rows = []
        for k in range(distinct):
            number = f"62220202{k:08d}{k % 97:02d}"
            rows.append((k, encrypt(number, aad="payee.account"), number[-4:]))
        cursor.executemany("INSERT INTO seed_accounts (k, account, last4) VALUES (%s, %s, %s)", rows)
        bank_case = (
            "CASE "
            + " ".join(f"WHEN s.i %% {len(banks)} = {n} THEN '{b}'" for n, b in enumerate(banks))
            + " END"
        )
        if from_register:
            person = sources.register_tables().person
            source = (
                f"SELECT ROW_NUMBER() OVER (ORDER BY id) AS i, id AS pid FROM {person} "  # noqa: S608 - identifiers
                f"ORDER BY id LIMIT {int(count)}"
            )
        else:
            source = f"SELECT i, i AS pid FROM ({_numbers(count)}) q"  # noqa: S608 - generated
        cursor.execute(
            f"""INSERT INTO {table} (person_id, region_code, benefit, monthly_fen, prev_monthly_fen, amount_from,
                   from_period, to_period, status, suspended_from, resumed_from, stop_reason, bank_code, account,
                   account_last4, created_at, updated_at)
            SELECT s.pid, '110105', 'pension', 150000 + (CAST(s.i AS BIGINT) * 7919) %% 450000, 150000 + (CAST(s.i AS BIGINT) * 7919) %% 450000,
                   %(fp)s, %(fp)s, NULL,
                   CASE WHEN s.i %% 100 = 7 THEN 'suspended' ELSE 'active' END,
                   CASE WHEN s.i %% 100 = 7 THEN 202601 ELSE NULL END, NULL, '', {bank_case}, a.account, a.last4,
                   %(now)s, %(now)s
            FROM ({source}) s JOIN seed_accounts a ON a.k = s.i %% {int(distinct)}""",  # noqa: S608
            {"fp": from_period, "now": now},
        )
        written = cursor.rowcount
        cursor.execute("DROP TABLE seed_accounts")
        cursor.execute(
            f"""INSERT INTO {PayeeChange._meta.db_table} (payee_id, action, from_period, monthly_fen, status, reason,
                   actor, at)
            SELECT id, 'enrol', from_period, monthly_fen, 'active', 'seed', 'seed', %(now)s FROM {table}""",  # noqa: S608
            {"now": now},
        )
        cursor.execute(
            f"""INSERT INTO {Adjustment._meta.db_table} (payee_id, person_id, kind, amount_fen, due_period,
                   settled_period, held, reason, source_payment_id, created_at)
            SELECT id, person_id, 'backpay', 2 * monthly_fen, 202601, NULL, %(false)s, 'seed', NULL, %(now)s
            FROM {table} WHERE id %% 100 = 3""",  # noqa: S608
            {"now": now, "false": False},
        )
        cursor.execute(
            f"""INSERT INTO {Receivable._meta.db_table} (person_id, payee_id, amount_fen, recovered_fen, reason,
                   status, offset_ppm, created_at, updated_at)
            SELECT person_id, id, monthly_fen, 0, 'seed', 'offsetting', 500000, %(now)s, %(now)s
            FROM {table} WHERE id %% 1000 = 5""",  # noqa: S608
            {"now": now},
        )
    return written
