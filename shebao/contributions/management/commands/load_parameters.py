"""``manage.py load_parameters [--file CSV]``: seed the parameter tables (the demo city's
Beijing 2025-07 bundle and the national crediting-rate series by default). Idempotent."""

from __future__ import annotations

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shebao.contributions import services
from shebao.kernel.audit import audit_context
from shebao.register.access import SYSTEM_ACTOR


class Command(BaseCommand):
    help = "Load effective-dated contribution parameters from a CSV file."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=None)

    def handle(self, *args, **opts):
        with audit_context(actor_label="manage.py load_parameters"):
            try:
                added = services.parameters_load_csv(actor=SYSTEM_ACTOR, path=opts["file"])
            except services.ContributionError as exc:
                raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        self.stdout.write(f"参数已载入 parameters loaded: {added} new rows")
