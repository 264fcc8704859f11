"""``manage.py unemployment_medical --period YYYYMM [--chunk N]``: the medical contributions
the unemployment fund pays for the benefit recipients of a month, and the period's total
for the transfer to the medical fund. Idempotent: a rerun rewrites identical rows."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register.access import SYSTEM_ACTOR
from shebao.unemployment import batch
from shebao.unemployment.errors import UnemploymentError


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Medical contributions paid by the unemployment fund for one period (set-based, idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYYMM")
        parser.add_argument("--chunk", type=int, default=batch.DEFAULT_CHUNK, help="persons per chunk")

    def handle(self, *args, **opts):
        with audit_context(actor_label="manage.py unemployment_medical"):
            try:
                row = batch.unemployment_medical(actor=SYSTEM_ACTOR, period=opts["period"], chunk_size=opts["chunk"])
            except UnemploymentError as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        self.stdout.write(
            f"代缴医疗保险费 period {row.period}: {row.recipients:,} recipients, "
            f"total {fen_to_yuan(row.total_fen):,} yuan"
        )
