"""Deliver the due outbox messages (``--loop`` keeps going, for a worker without a task queue)."""

import time

from django.core.management.base import BaseCommand

from shebao.exchange import services
from shebao.kernel.checks import BATCH_CHECKS


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Deliver due outbox messages to peer agencies (retries with back-off)."

    def add_arguments(self, parser):
        parser.add_argument("--limit", type=int, default=100)
        parser.add_argument("--loop", type=float, default=0, help="seconds between passes; 0 = one pass")

    def handle(self, *args, limit, loop, **options):
        while True:
            counts = services.outbox_deliver_due(limit=limit)
            if counts["attempted"] or not loop:
                self.stdout.write(" ".join(f"{k}={v}" for k, v in counts.items()))
            if not loop:
                return
            time.sleep(loop)
