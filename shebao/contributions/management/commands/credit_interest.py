"""``manage.py credit_interest --year YYYY [--region CODE] [--chunk N]``: annual interest
crediting of the personal accounts (年度记账利息, rules.md §3.3), by the INTEREST_METHOD
parameter at the year's published CREDITING_RATE. Set-based in person-id chunks; safe to
kill and to run again (each chunk is rewritten whole). Without ``--region``: every account.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shebao.accounts.access import AccessDenied
from shebao.contributions import ledger, ledger_tasks
from shebao.contributions.services import ContributionError
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Credit a year's interest to the personal accounts (idempotent, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--year", required=True, type=int, help="YYYY")
        parser.add_argument("--region", default=None, help="6-digit region (default: every account)")
        parser.add_argument("--chunk", type=int, default=ledger.DEFAULT_CHUNK, help="persons per chunk")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task")

    def handle(self, *args, **opts):
        if opts["enqueue"]:
            result = ledger_tasks.account_credit_interest_task.enqueue(opts["year"], opts["region"])
            self.stdout.write(f"记息任务已排队 queued as task {result.id}")
            return
        bar = tqdm(unit="chunk", desc="credit_interest", disable=opts["verbosity"] < 2, file=self.stderr)

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.n = done
            bar.refresh()

        with audit_context(actor_label="manage.py credit_interest"):
            try:
                totals = ledger.account_credit_interest(
                    actor=SYSTEM_ACTOR, year=opts["year"], region_code=opts["region"],
                    chunk_size=opts["chunk"], progress=progress,
                )
            except (ContributionError, AccessDenied) as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
            finally:
                bar.close()
        self.stdout.write(
            f"记息完成 year {totals['year']} ({totals['method']}, rate {totals['rate_ppm'] / 10_000:g} %): "
            f"{totals['accounts']:,} accounts, credits {fen_to_yuan(totals['credits_fen']):,} yuan, "
            f"interest {fen_to_yuan(totals['interest_fen']):,} yuan"
        )
