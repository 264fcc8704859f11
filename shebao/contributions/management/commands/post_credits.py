"""``manage.py post_credits --period YYYYMM [--region CODE]``: post personal-account
credits (个人账户记账) for the period's paid pension contributions. Idempotent: safe after
every payment import, or nightly; ``--enqueue`` hands it to the task queue instead."""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from shebao.accounts.access import AccessDenied
from shebao.contributions import ledger, ledger_tasks
from shebao.contributions.services import ContributionError
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Post personal-account credits for a period's paid contributions (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYYMM")
        parser.add_argument("--region", default=None, help="6-digit region (default: the city)")
        parser.add_argument("--chunk", type=int, default=ledger.DEFAULT_CHUNK, help="persons per chunk")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task")

    def handle(self, *args, **opts):
        region = opts["region"] or settings.SHEBAO_CITY_CODE
        if opts["enqueue"]:
            result = ledger_tasks.account_post_credits_task.enqueue(str(opts["period"]), region)
            self.stdout.write(f"记账任务已排队 queued as task {result.id}")
            return
        with audit_context(actor_label="manage.py post_credits"):
            try:
                posted = ledger.account_post_credits(
                    actor=SYSTEM_ACTOR, period=opts["period"], region_code=region, chunk_size=opts["chunk"]
                )
            except (ContributionError, AccessDenied) as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        self.stdout.write(f"个人账户记账完成 credits posted for {opts['period']} in {region}: {posted:,}")
