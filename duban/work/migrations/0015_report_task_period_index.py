"""The warning scan's index on each task's reports, newest period first, in the
model's state.

supervision/0004 created ``work_report_task_period_idx`` with RunSQL, outside
the state of ``work.ProgressReport``. On SQLite, a migration that rebuilds the
table (0011 added a column with a default) copies only the indexes the state
knows: the index was gone from every SQLite database migrated since, and the
scan's read of each open task's latest report went from 0.3 s to 2 s at
province scale. Declared in the model now; the database gets it back where it
was lost (IF NOT EXISTS: PostgreSQL still has it).
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("work", "0014_report_seconds_to_file"),
        ("supervision", "0004_scan_report_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AddIndex(
                    model_name="progressreport",
                    index=models.Index(
                        fields=["task", "period_start", "id"], name="work_report_task_period_idx"
                    ),
                )
            ],
            database_operations=[
                migrations.RunSQL(
                    "CREATE INDEX IF NOT EXISTS work_report_task_period_idx "
                    "ON work_progressreport (task_id, period_start, id)",
                    # Left to supervision/0004's own reverse, which made it first.
                    migrations.RunSQL.noop,
                )
            ],
        )
    ]
