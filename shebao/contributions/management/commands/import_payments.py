"""``manage.py import_payments --file F --source bank|tax``: import a collection-result file.

All rows or none: every row is checked first; on any error nothing is written and each
error is printed with its row and field (exit status 1). Otherwise the payments are
recorded and allocated to bills in one transaction (see ``collection.payments_import_csv``).
"""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shebao.contributions import collection
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.kernel.rules.money import fen_to_yuan
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Import a bank or tax collection-result CSV (UTF-8 or GBK): payments allocated to bills."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True, help="the CSV file")
        parser.add_argument("--source", required=True, choices=["bank", "tax"], help="where the file comes from")

    def handle(self, *args, **opts):
        path = Path(opts["file"])
        try:
            if path.stat().st_size > collection.MAX_FILE_BYTES:
                raise CommandError("文件超过 20 MB / the file is larger than 20 MB")
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"无法读取文件 / cannot read {path}: {exc.strerror}") from None
        with audit_context(actor_label="manage.py import_payments"):
            result = collection.payments_import_csv(
                actor=SYSTEM_ACTOR, data=data, source=opts["source"], filename=path.name
            )
        if not result.ok:
            for error in result.errors:
                where = f"row {error.row} " if error.row else ""
                self.stderr.write(f"{where}[{error.field}] {error.message_zh} / {error.message_en}")
            raise CommandError(f"未导入任何数据 / nothing imported: {len(result.errors)} error(s)")
        self.stdout.write(
            f"导入完成 imported {result.processed:,} payments (batch {result.batch}): "
            f"{fen_to_yuan(result.total_fen):,} yuan, allocated {fen_to_yuan(result.allocated_fen):,}, "
            f"credit {fen_to_yuan(result.credit_fen):,}"
        )
