"""``manage.py payroll --period YYYYMM [--workers N] [--chunk N] [--enqueue]``: the monthly
养老金社会化发放. Safe to kill at any moment and to run again."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.kernel.rules.money import fen_to_yuan
from shebao.payroll import run as payroll
from shebao.payroll import tasks
from shebao.payroll.services import PayrollError
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Run the monthly pension payroll (set-based, idempotent, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--period", required=True, help="YYYYMM")
        parser.add_argument("--chunk", type=int, default=payroll.DEFAULT_CHUNK, help="persons per chunk")
        parser.add_argument("--workers", type=int, default=None, help="PostgreSQL worker connections")
        parser.add_argument("--enqueue", action="store_true", help="run it as a background task")

    def handle(self, *args, **opts):
        with audit_context(actor_label="manage.py payroll"):
            try:
                run = payroll.payroll_start(
                    actor=SYSTEM_ACTOR, period=opts["period"], chunk_size=opts["chunk"]
                )
            except PayrollError as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
            if opts["enqueue"]:
                result = tasks.payroll_task.enqueue(run.pk)
                self.stdout.write(f"发放任务已排队 queued run {run.pk} as task {result.id}")
                return
            run = payroll.payroll_execute(run_id=run.pk, workers=opts["workers"])
        self.stdout.write(
            f"发放完成 run {run.pk} period {run.period}: {run.payments:,} payments to {run.payees:,} payees, "
            f"total {fen_to_yuan(run.total_fen):,} yuan (back-pay {fen_to_yuan(run.backpay_fen):,}, "
            f"recovered {fen_to_yuan(run.recovered_fen):,})"
        )
        for batch in run.batches.order_by("bank_code"):
            self.stdout.write(
                f"  {batch.bank_code}: {batch.count:,} accounts, {fen_to_yuan(batch.total_fen):,} yuan, "
                f"{batch.file_name} sha256 {batch.checksum[:16]}…"
            )
