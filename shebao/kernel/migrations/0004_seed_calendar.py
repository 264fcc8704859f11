"""Seed the working-day calendar from chinesecalendar (2004-2026 in 1.11.0; ADR 0005).

Idempotent upsert; days an administrator entered are kept.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from shebao.kernel.calendar import calendar_load

    calendar_load(model=apps.get_model("kernel", "CalendarDay"))


def reverse(apps, schema_editor):
    apps.get_model("kernel", "CalendarDay").objects.filter(source__startswith="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("kernel", "0003_load_divisions")]
    operations = [migrations.RunPython(forward, reverse)]
