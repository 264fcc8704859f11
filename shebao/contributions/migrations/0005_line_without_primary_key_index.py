"""PostgreSQL: the contribution-line table keeps its ``id`` column (an identity, so Django
and ``bulk_create`` work as before) but drops the primary-key constraint and its index.
Nothing reads a line by id (every reader goes through ``line_period_person``) and no table
refers to one, while the index cost ≈ 0.4 s of every 2.5 s chunk of the assessment
(ADR 0009, "Line table without a primary-key index"). SQLite: ``id`` is the rowid, which
has no separate index, so there is nothing to drop."""

from django.db import migrations

TABLE = "contributions_contributionline"
CONSTRAINT = "contributions_contributionline_pkey"


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS {CONSTRAINT}")


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} ADD CONSTRAINT {CONSTRAINT} PRIMARY KEY (id)")


class Migration(migrations.Migration):
    dependencies = [("contributions", "0004_alter_accountcredit_source_externalmonth")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
