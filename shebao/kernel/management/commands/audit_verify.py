"""Verify the audit hash chain (操作留痕): report the first broken link.

    python manage.py audit_verify                 # the database
    python manage.py audit_verify --export F      # also write the chain as JSON lines
    python manage.py audit_verify --file F        # verify an exported file offline

Exit status 0 when the chain is intact, 1 at the first broken link.
"""

from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.audit import audit_verify_database, chain_dict
from shebao.kernel.models import AuditEntry
from shebao.kernel.rules.auditchain import verify_chain


class Command(BaseCommand):
    help = "Verify the append-only audit hash chain and report the first broken link."

    def add_arguments(self, parser):
        parser.add_argument("--file", help="verify an exported JSON-lines file instead of the database")
        parser.add_argument("--export", help="write the chain to this JSON-lines file after verifying")

    def handle(self, *args, **options):
        if options["file"]:
            try:
                with open(options["file"], encoding="utf-8") as handle:
                    count, broken = verify_chain(json.loads(line) for line in handle if line.strip())
            except (OSError, ValueError, KeyError) as exc:
                raise CommandError(f"cannot read {options['file']}: {exc}") from exc
        else:
            count, broken = audit_verify_database()
        if broken:
            self.stderr.write(self.style.ERROR(f"AUDIT CHAIN BROKEN after {count} good entries: {broken}"))
            sys.exit(1)
        head = (
            AuditEntry.objects.order_by("-seq").values_list("hash", flat=True).first()
            if not options["file"]
            else None
        )
        self.stdout.write(
            self.style.SUCCESS(f"audit chain intact: {count} entries" + (f", head {head}" if head else ""))
        )
        if options["export"]:
            with open(options["export"], "w", encoding="utf-8") as out:
                for row in AuditEntry.objects.order_by("seq").iterator(chunk_size=5000):
                    out.write(json.dumps(chain_dict(row), ensure_ascii=False) + "\n")
            self.stdout.write(f"exported to {options['export']}")
