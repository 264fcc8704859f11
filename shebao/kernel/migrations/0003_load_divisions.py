"""Load the shipped GB/T 2260 table (shebao/kernel/data/divisions/, ADR 0004).

Every fresh database, the test databases included, gets the divisions. The load
is an idempotent upsert; later snapshots come with their own data migration or
``manage.py load_divisions``.
"""

from django.db import migrations


def forward(apps, schema_editor):
    from shebao.kernel.divisions import divisions_load

    divisions_load(model=apps.get_model("kernel", "Division"))


def reverse(apps, schema_editor):
    apps.get_model("kernel", "Division").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("kernel", "0002_audit_append_only")]
    operations = [migrations.RunPython(forward, reverse)]
