"""Print this installation's exchange identity as JSON (what the other side registers)."""

import json

from django.core.management.base import BaseCommand, CommandError

from shebao.exchange import services


class Command(BaseCommand):
    help = "Print this agency's code, name, base URL and exchange public key (JSON)."

    def handle(self, *args, **options):
        try:
            self.stdout.write(json.dumps(services.own_identity(), ensure_ascii=False))
        except services.ExchangeError as exc:
            raise CommandError(f"{exc.field}: {exc.message_zh} / {exc.message_en}") from None
