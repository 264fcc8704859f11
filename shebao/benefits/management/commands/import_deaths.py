"""Import deaths from a data-comparison file (民政/殡葬/公安) and stop their payments.

    python manage.py import_deaths --file deaths.csv [--source "民政 2026-06"]

CSV columns: id_number, name, death_date (YYYY-MM-DD); a header row is allowed. All or
nothing: a file with any bad row is refused with every bad row named.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shebao.benefits.errors import BenefitError
from shebao.benefits.services import death_records_import
from shebao.kernel.audit import audit_context
from shebao.kernel.checks import BATCH_CHECKS
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    requires_system_checks = BATCH_CHECKS
    help = "Import a CSV of deaths: stop payment, record receivables and survivor benefits."

    def add_arguments(self, parser):
        parser.add_argument("--file", required=True)
        parser.add_argument("--source", default="")

    def handle(self, *args, **options):
        path = Path(options["file"])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"file: {exc}") from exc
        with audit_context(actor_label="import_deaths"):
            try:
                rows = death_records_import(
                    actor=SYSTEM_ACTOR, data=data, source=options["source"] or path.name
                )
            except BenefitError as exc:
                raise CommandError(f"{exc.field}: {exc.message_zh} / {exc.message_en}") from exc
        self.stdout.write(f"deaths recorded / 已登记死亡: {len(rows)}")
