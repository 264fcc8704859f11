"""``manage.py unemployment_sweep [--period YYYYMM]``: before the month's payroll, stop the
claims of persons recorded as deceased (from the month after the month of death),
re-employed (a new employment in the register) or drawing a pension, pass due amount
steps to the payroll and close the claims paid out. Rerunning is harmless."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.register.access import SYSTEM_ACTOR
from shebao.unemployment import batch
from shebao.unemployment.errors import UnemploymentError


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Stop unemployment claims of deceased, re-employed persons and pensioners; apply due amount steps."

    def add_arguments(self, parser):
        parser.add_argument("--period", default=None, help="YYYYMM (default: this month)")

    def handle(self, *args, **opts):
        with audit_context(actor_label="manage.py unemployment_sweep"):
            try:
                result = batch.unemployment_sweep(actor=SYSTEM_ACTOR, period=opts["period"])
            except UnemploymentError as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        for reference, reason, start in result.stopped:
            self.stdout.write(f"  停发 {reference}: {reason} from {start}")
        self.stdout.write(
            f"失业保险金检查 {result.period}: {len(result.stopped)} stopped, {result.steps} amount steps, "
            f"{result.ended} paid out"
        )
