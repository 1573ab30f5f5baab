"""The database itself refuses to change or remove audit rows: triggers abort
an UPDATE, and a DELETE (or TRUNCATE) unless a row is in audit_prune_permit,
which only the pruning command and an operator's flush put there, inside
their own transaction. The table is not a model: Django's flush leaves it."""

from django.db import migrations

PERMIT = "CREATE TABLE audit_prune_permit (id integer PRIMARY KEY)"
SQLITE = [
    PERMIT,
    """CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_auditevent
       BEGIN SELECT RAISE(ABORT, 'the security audit log is append-only'); END""",
    """CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_auditevent
       WHEN NOT EXISTS (SELECT 1 FROM audit_prune_permit)
       BEGIN SELECT RAISE(ABORT, 'the security audit log is append-only'); END""",
]
SQLITE_UNDO = [
    "DROP TABLE IF EXISTS audit_prune_permit",
    "DROP TRIGGER IF EXISTS audit_event_no_update",
    "DROP TRIGGER IF EXISTS audit_event_no_delete",
]
POSTGRES = [
    PERMIT,
    """CREATE OR REPLACE FUNCTION audit_event_append_only() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'DELETE' AND EXISTS (SELECT 1 FROM audit_prune_permit) THEN
           RETURN OLD;
         END IF;
         RAISE EXCEPTION 'the security audit log is append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_append_only BEFORE UPDATE OR DELETE ON audit_auditevent
       FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()""",
    """CREATE OR REPLACE FUNCTION audit_event_no_truncate() RETURNS trigger AS $$
       BEGIN
         IF EXISTS (SELECT 1 FROM audit_prune_permit) THEN RETURN NULL; END IF;
         RAISE EXCEPTION 'the security audit log is append-only';
       END $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_auditevent
       FOR EACH STATEMENT EXECUTE FUNCTION audit_event_no_truncate()""",
]
POSTGRES_UNDO = [
    "DROP TABLE IF EXISTS audit_prune_permit CASCADE",
    "DROP TRIGGER IF EXISTS audit_event_append_only ON audit_auditevent",
    "DROP TRIGGER IF EXISTS audit_event_no_truncate ON audit_auditevent",
    "DROP FUNCTION IF EXISTS audit_event_append_only()",
    "DROP FUNCTION IF EXISTS audit_event_no_truncate()",
]


def _run(statements):
    def run(apps, schema_editor):
        vendor = schema_editor.connection.vendor
        for sql in statements.get(vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("audit", "0001_log")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE, "postgresql": POSTGRES}),
            _run({"sqlite": SQLITE_UNDO, "postgresql": POSTGRES_UNDO}),
        )
    ]
