"""``manage.py assess --period YYYYMM [--region CODE] [--chunk N]``: the monthly 核定.

Starts a run (or resumes the unfinished one of the same period and region) and runs it
in this process with a progress bar; ``--enqueue`` hands it to the task queue instead
(``manage.py db_worker`` runs it). ``--workers`` connections compute chunks at once
(default one per CPU): on PostgreSQL each also writes its chunks, on a SQLite file they
compute into scratch files for the one writer (ADR 0009 §8); ``--workers 1`` computes and
writes each chunk in one connection. Safe to kill at any moment and to run again.
"""

from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from shebao.contributions import assessment, tasks
from shebao.contributions.services import ContributionError
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Assess contributions for a period (set-based, idempotent, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYYMM")
        parser.add_argument("--region", default=None, help="6-digit region (default: the city)")
        parser.add_argument("--chunk", type=int, default=assessment.DEFAULT_CHUNK, help="persons per chunk")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task")
        parser.add_argument(
            "--workers", type=int, default=None,
            help="connections computing chunks at once (default: one per CPU; 1: compute and write in one)",
        )

    def handle(self, *args, **opts):
        region = opts["region"] or settings.SHEBAO_CITY_CODE
        with audit_context(actor_label="manage.py assess"):
            try:
                run = assessment.assessment_start(
                    actor=SYSTEM_ACTOR, period=opts["period"], region_code=region, chunk_size=opts["chunk"]
                )
            except ContributionError as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
            if opts["enqueue"]:
                result = tasks.assessment_task.enqueue(run.pk)
                self.stdout.write(f"核定任务已排队 queued run {run.pk} as task {result.id}")
                return
            bar = tqdm(total=run.chunks_total, initial=run.chunks_done, unit="chunk", desc="assess",
                       disable=opts["verbosity"] < 1, file=self.stderr)

            def progress(r):
                bar.n = r.chunks_done
                bar.refresh()

            run = assessment.assessment_execute(run_id=run.pk, progress=progress, workers=opts["workers"])
            bar.close()
        self.stdout.write(
            f"核定完成 run {run.pk} period {run.period} region {run.region_code}: {run.lines:,} lines, "
            f"{run.bills:,} bills, employer {fen_to_yuan(run.employer_fen):,} yuan, "
            f"individual {fen_to_yuan(run.individual_fen):,} yuan"
        )
