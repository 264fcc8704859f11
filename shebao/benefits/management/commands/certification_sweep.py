"""Suspend the payment of every pensioner whose certification cycle is missed, after
stopping the payments of those recorded as deceased in the register (死亡登记).

    python manage.py certification_sweep [--today 2026-01-31]

Idempotent: run it daily; a payee already suspended for that cycle is skipped.
"""

from django.core.management.base import BaseCommand, CommandError

from shebao.benefits.errors import BenefitError
from shebao.benefits.services import certification_sweep, register_deaths_sweep
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Suspend pensioners who missed their survival certification (领取待遇资格认证)."

    def add_arguments(self, parser):
        parser.add_argument("--today", default=None, help="the day to sweep as (default: today)")

    def handle(self, *args, **options):
        with audit_context(actor_label="certification_sweep"):
            try:
                deaths = register_deaths_sweep(actor=SYSTEM_ACTOR)
                rows = certification_sweep(actor=SYSTEM_ACTOR, today=options["today"])
            except BenefitError as exc:
                raise CommandError(f"{exc.field}: {exc.message_zh} / {exc.message_en}") from exc
        self.stdout.write(f"deaths in the register stopped / 登记死亡停发: {len(deaths)}")
        self.stdout.write(f"suspended / 暂停发放: {len(rows)}")
