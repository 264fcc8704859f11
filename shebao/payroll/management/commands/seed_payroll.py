"""``manage.py seed_payroll [--payees 300] [--months 3] [--if-empty]``: the demo city's
pension payroll, written through the real services: payees enrolled from the register's
persons, the last months' payroll runs with bank files, a suspension (missed survival
certification) and its resumption with back-pay, a death with months paid after it
(receivable, partly repaid), and a decrease offset against later payments. Run after
``seed_demo`` (``make seed`` does both)."""

from __future__ import annotations

import random

from django.core.management.base import BaseCommand
from django.db import connection
from django.utils import timezone

from shebao.kernel.audit import audit_context
from shebao.kernel.rules.money import fen_to_yuan
from shebao.kernel.rules.periods import Period
from shebao.payroll import run as payroll
from shebao.payroll import services
from shebao.payroll.codes import BANKS
from shebao.payroll.models import PayrollRun, Receivable
from shebao.register import sources
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    help = "Seed the demo city's pension payroll (payees, runs, bank files, receivables)."

    def add_arguments(self, parser):
        parser.add_argument("--payees", type=int, default=300)
        parser.add_argument("--months", type=int, default=3)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a payroll run exists")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        if opts["if_empty"] and PayrollRun.objects.exists():
            return
        rng = random.Random(opts["seed"])  # noqa: S311 - demo data, reproducible on purpose
        person = sources.register_tables().person
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT id FROM {person} ORDER BY id LIMIT %s", [opts["payees"]])  # noqa: S608
            ids = [row[0] for row in cursor.fetchall()]
        if not ids:
            self.stdout.write("no persons: run seed_demo first")
            return
        current = Period.of(timezone.localdate())
        periods = [current - k for k in range(opts["months"] - 1, -1, -1)]
        first = int(periods[0])
        banks = sorted(BANKS)
        with audit_context(actor_label="manage.py seed_payroll"):
            payees = [
                services.payee_enrol(
                    actor=SYSTEM_ACTOR,
                    person_id=pid,
                    benefit="pension",
                    monthly_fen=rng.randrange(180_000, 650_000),
                    from_period=first,
                    bank_code=rng.choice(banks),
                    account_number=f"6222{rng.randrange(10**11, 10**12)}",
                )
                for pid in ids
            ]
            suspended, resumed_one, dead, decreased = payees[1], payees[2], payees[3], payees[4]
            for n, period in enumerate(periods):
                if n == 1:
                    services.payee_suspend(
                        actor=SYSTEM_ACTOR,
                        payee_id=suspended.pk,
                        from_period=int(period),
                        reason="未按期完成领取待遇资格认证",
                    )
                    services.payee_suspend(
                        actor=SYSTEM_ACTOR,
                        payee_id=resumed_one.pk,
                        from_period=int(period),
                        reason="未按期完成领取待遇资格认证",
                    )
                if n == 2:
                    services.payee_resume(
                        actor=SYSTEM_ACTOR, payee_id=resumed_one.pk, from_period=int(period)
                    )
                run = payroll.payroll_run(actor=SYSTEM_ACTOR, period=int(period))
                self.stdout.write(
                    f"  {period}: {run.payees:,} payees, {fen_to_yuan(run.total_fen):,} yuan, "
                    f"{run.batches.count()} bank files"
                )
            death_day = Period.from_int(first).first_day().replace(day=15)
            for r in services.payee_stop_on_death(
                actor=SYSTEM_ACTOR, person_id=dead.person_id, death_date=death_day
            ):
                services.receivable_repay(
                    actor=SYSTEM_ACTOR,
                    receivable_id=r.pk,
                    amount=fen_to_yuan(r.amount_fen // 2),
                    note="家属退还一部分",
                )
            services.payee_change_amount(
                actor=SYSTEM_ACTOR,
                payee_id=decreased.pk,
                monthly_fen=decreased.monthly_fen - 10_000,
                from_period=first,
                reason="核定更正",
            )
            for r in Receivable.objects.filter(payee_id=decreased.pk):
                services.receivable_offset(actor=SYSTEM_ACTOR, receivable_id=r.pk, share_ppm=200_000)
        self.stdout.write(f"养老金发放演示数据 seeded {len(payees)} payees over {len(periods)} months")
