"""Load (or refresh) the GB/T 2260 divisions table from a shipped data file."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.divisions import DEFAULT_PATH, DivisionDataError, divisions_load


class Command(BaseCommand):
    help = "导入行政区划代码表 / Load the administrative divisions table (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--path", type=Path, default=DEFAULT_PATH, help=f"CSV file (default {DEFAULT_PATH.name})"
        )

    def handle(self, *args, path: Path, **options):
        if not path.is_file():
            raise CommandError(f"文件不存在 / no such file: {path}")
        try:
            count = divisions_load(path=path)
        except DivisionDataError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        self.stdout.write(
            self.style.SUCCESS(f"已导入 {count} 个区划代码 / loaded {count} division codes from {path.name}")
        )
