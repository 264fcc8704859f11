"""``manage.py seed_payees --count N [--from-register]``: synthetic pension payees."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from shebao.payroll.seed import payees_seed


class Command(BaseCommand):
    help = "Write synthetic pension payees in set-based SQL (demo, tests, benchmark)."

    def add_arguments(self, parser):
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--from-register", action="store_true", help="use the register's persons' ids")

    def handle(self, *args, **opts):
        n = payees_seed(count=opts["count"], from_register=opts["from_register"])
        self.stdout.write(f"写入发放对象 {n:,} payees")
