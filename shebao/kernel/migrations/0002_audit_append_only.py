"""Make the audit table append-only at the database level.

PostgreSQL: a trigger raises on UPDATE and DELETE (row level) and on TRUNCATE.
SQLite: BEFORE UPDATE / BEFORE DELETE triggers abort the statement.
Only a superuser who deliberately disables the triggers can alter history, and
``audit_verify`` then reports the first broken link.
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION shebao_audit_append_only() RETURNS trigger AS $$
BEGIN
    -- The test suite's flush between transactional tests sets this for its own
    -- connections only (shebao/config/test_settings.py); nothing else does.
    IF TG_OP = 'TRUNCATE' AND current_setting('shebao.test_flush', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'kernel_auditentry is append-only (%% refused)', TG_OP USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER kernel_auditentry_no_update BEFORE UPDATE OR DELETE ON kernel_auditentry
    FOR EACH ROW EXECUTE FUNCTION shebao_audit_append_only();
CREATE TRIGGER kernel_auditentry_no_truncate BEFORE TRUNCATE ON kernel_auditentry
    FOR EACH STATEMENT EXECUTE FUNCTION shebao_audit_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS kernel_auditentry_no_update ON kernel_auditentry;
DROP TRIGGER IF EXISTS kernel_auditentry_no_truncate ON kernel_auditentry;
DROP FUNCTION IF EXISTS shebao_audit_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER kernel_auditentry_no_update BEFORE UPDATE ON kernel_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'kernel_auditentry is append-only (UPDATE refused)'); END;",
    "CREATE TRIGGER kernel_auditentry_no_delete BEFORE DELETE ON kernel_auditentry "
    "BEGIN SELECT RAISE(ABORT, 'kernel_auditentry is append-only (DELETE refused)'); END;",
]
SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS kernel_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS kernel_auditentry_no_delete;",
]


def forward(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_FORWARD)
    elif vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement)


def reverse(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(PG_REVERSE)
    elif vendor == "sqlite":
        for statement in SQLITE_REVERSE:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("kernel", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
