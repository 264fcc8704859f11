"""``manage.py seed_certification [--limit 300] [--if-empty]``: the demo city's survival
certifications, written through the real services: each pension payee gets a
data-comparison certification between 300 and 380 days ago (so some are due within a
month and a few are overdue), then the sweep suspends the overdue ones. Run after
``seed_payroll`` (``make seed`` does both)."""

from __future__ import annotations

import datetime as dt
import random

from django.core.management.base import BaseCommand
from django.utils import timezone

from shebao.benefits import services
from shebao.benefits.models import Certification
from shebao.kernel.audit import audit_context
from shebao.payroll import selectors as payroll_selectors
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    help = "Seed demo survival certifications (领取待遇资格认证) and run the sweep."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=300)
        parser.add_argument("--if-empty", action="store_true", help="do nothing when a certification exists")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, **opts):
        if opts["if_empty"] and Certification.objects.exists():
            return
        rng = random.Random(opts["seed"])  # noqa: S311 - demo data, reproducible on purpose
        today = timezone.localdate()
        rows = payroll_selectors.payee_rows(benefit="pension", status="active")[: opts["limit"]]
        with audit_context(actor_label="seed_certification"):
            for _payee_id, person_id, _region, _from, _created in rows:
                services.certification_record(
                    actor=SYSTEM_ACTOR, person_id=person_id, method="data_comparison",
                    verified_on=today - dt.timedelta(days=rng.randint(300, 380)),
                    reference="demo: 医保结算记录 medical settlement",
                )  # fmt: skip
            suspended = services.certification_sweep(actor=SYSTEM_ACTOR, today=today)
        self.stdout.write(f"certifications: {len(rows)}, suspended: {len(suspended)}")
