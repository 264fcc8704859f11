"""The automatic check of transfers out: process every transfer out at ACCEPTED whose
record is clean (no employment here, paid months, no pension); list the others for staff."""

from django.core.management.base import BaseCommand

from shebao.kernel.checks import BATCH_CHECKS
from shebao.transfers import services


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Process the clean transfers out (联系函 received): close, 信息表, funds, send."

    def handle(self, *args, **options):
        result = services.transfers_out_process_clean()
        for reference in result["processed"]:
            self.stdout.write(f"processed {reference}")
        for pk, reason in result["left"].items():
            self.stdout.write(f"left for staff: transfer {pk}: {reason}")
