"""An index for the warning scan: each task's filed reports, newest period first.

``scan._last_two_texts`` reads the two latest filed reports of every open
task (ordered by period start, then id); with this index that is a few index
entries per task instead of ranking every filed report of every open task
(at province scale, 1.6 M reports: from 11 s to well under a second on SQLite).

RunSQL, not AddIndex: the index is on ``work.ProgressReport``, whose Meta
lives in duban/work/models.py. When it is declared there
(``models.Index(fields=["task", "period_start", "id"],
name="work_report_task_period_idx")``), turn this into a
``SeparateDatabaseAndState`` so that makemigrations does not add it twice.
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
            "ON work_progressreport (task_id, period_start, id)",
            "DROP INDEX IF EXISTS work_report_task_period_idx",
        )
    ]
