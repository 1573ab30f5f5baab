"""An index for the scan: each open task's latest filed reports.

The scan's ``_last_two_texts`` reads the two latest filed reports of every
open task, newest period first; with this index that is a few index entries
per task instead of ranking every filed report (at province scale the query
went from 11 s to under a second on SQLite).

RunSQL, not AddIndex: the index belongs to ``work.ProgressReport``, whose
Meta is not declared here. Once it is declared there (``models.Index(fields=
["task", "period_start"], name="work_report_task_period_idx")``), replace
this with ``SeparateDatabaseAndState`` or drop it for the work migration.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0003_appeals"),
        ("work", "0003_plan_warning_settings"),
    ]

    operations = [
        migrations.RunSQL(
            "CREATE INDEX IF NOT EXISTS work_report_task_period_idx "
            "ON work_progressreport (task_id, period_start)",
            "DROP INDEX IF EXISTS work_report_task_period_idx",
        )
    ]
