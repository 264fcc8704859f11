"""Seed or refresh the working-day calendar from the chinesecalendar package."""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from shebao.kernel.calendar import CalendarError, calendar_load, calendar_package_years


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value)


class Command(BaseCommand):
    help = (
        "从 chinesecalendar 导入工作日历 / Load the working-day calendar from chinesecalendar (idempotent)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--start", type=_date, help="first day, YYYY-MM-DD (default: first day the package covers)"
        )
        parser.add_argument(
            "--end", type=_date, help="last day, YYYY-MM-DD (default: last day the package covers)"
        )
        parser.add_argument(
            "--overwrite-admin", action="store_true", help="also replace days that administrators entered"
        )

    def handle(self, *args, start, end, overwrite_admin, **options):
        try:
            count = calendar_load(start=start, end=end, overwrite_admin=overwrite_admin)
        except CalendarError as exc:
            raise CommandError(f"{exc.message_zh} / {exc.message_en}") from None
        years = calendar_package_years()
        self.stdout.write(
            self.style.SUCCESS(
                f"已写入 {count} 天 / wrote {count} days (package covers {years.start}-{years.stop - 1})"
            )
        )
