"""``manage.py seed_contributions [--months 14] [--if-empty]``: contribution history for the
demo city, written through the real services.

For each of the last ``--months`` periods up to the current one: monthly declarations
(a few employers skip the current month, so they are assessed provisionally at 110 %),
the assessment run, payments from the bank channel (employers pay most months on time,
some late — late fees — and some not at all — arrears; a share of flexible workers pay),
and the personal-account credits of the paid periods; then the interest of every full
year. Run after ``seed_demo`` (``make seed`` does both).
"""

from __future__ import annotations

import datetime as dt
import random

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from shebao.contributions import assessment, collection, ledger, services
from shebao.contributions.codes import PayerType
from shebao.contributions.models import AssessmentRun, Bill
from shebao.kernel.audit import audit_context
from shebao.kernel.rules.money import fen_to_yuan
from shebao.kernel.rules.periods import Period
from shebao.register.access import SYSTEM_ACTOR
from shebao.register.sources import employer_ids


class Command(BaseCommand):
    help = "Seed the demo city's contribution history (declarations, runs, payments, accounts)."

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=14)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a run exists")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        if opts["if_empty"] and AssessmentRun.objects.exists():
            return
        rng = random.Random(opts["seed"])  # noqa: S311 - demo data, reproducible on purpose
        city = settings.SHEBAO_CITY_CODE
        today = timezone.localdate()
        current = Period.of(today)
        periods = [current - k for k in range(opts["months"] - 1, -1, -1)]
        employers = employer_ids(region_prefix=city[:2])
        skip_now = set(rng.sample(employers, k=max(1, len(employers) // 20))) if employers else set()
        with audit_context(actor_label="manage.py seed_contributions"):
            services.parameters_load_csv(actor=SYSTEM_ACTOR)
            for period in periods:
                for employer_id in employers:
                    if period == current and employer_id in skip_now:
                        continue
                    services.monthly_declare(actor=SYSTEM_ACTOR, employer_id=employer_id, period=str(period))
                run = assessment.assess(actor=SYSTEM_ACTOR, period=str(period), region_code=city)
                paid = self._pay(rng, run, today)
                self.stdout.write(
                    f"  {period}: {run.lines:,} lines, {run.bills:,} bills, "
                    f"{fen_to_yuan(run.employer_fen + run.individual_fen):,} yuan; {paid} payments"
                )
            for period in periods:
                ledger.account_post_credits(actor=SYSTEM_ACTOR, period=str(period), region_code=city)
            for year in sorted({p.year for p in periods if p.year < today.year}):
                ledger.account_credit_interest(actor=SYSTEM_ACTOR, year=year)
        self.stdout.write(f"缴费演示数据完成 contribution history seeded for {len(periods)} periods")

    def _pay(self, rng: random.Random, run: AssessmentRun, today: dt.date) -> int:
        """Bank payments for a period's bills: on time, late, partly or not at all."""
        count = 0
        for bill in Bill.objects.filter(period=run.period, run_id=run.pk).exclude(status="void").order_by("id"):
            flexible = bill.payer_type == PayerType.PERSON
            roll = rng.random()
            if bill.kind == "provisional" or roll > 0.93:
                continue  # arrears
            late = 0.85 < roll <= 0.93 and not flexible
            paid_on = bill.due_date + dt.timedelta(days=rng.randint(3, 40)) if late else bill.due_date - dt.timedelta(
                days=rng.randint(1, 10)
            )
            if paid_on > today:
                continue
            amount = bill.total_fen if rng.random() > 0.05 else bill.total_fen // 2  # a few partial payments
            collection.payment_record(
                actor=SYSTEM_ACTOR,
                source="bank",
                external_ref=f"DEMO{run.period}{bill.pk:08d}",
                payer_type=bill.payer_type,
                payer_id=bill.payer_id,
                amount=fen_to_yuan(amount),
                paid_on=paid_on,
                period=str(run.period),
            )
            count += 1
        return count
