"""The formalism rule's fact kept on the reports: the latest filed report's
likeness to the one before it, worked out when reports are filed or returned,
so the scan reads a number instead of comparing texts."""

from __future__ import annotations

from django.apps import apps

from duban.lib import rules
from duban.supervision.scan import scan
from duban.work import likeness, services
from duban.work.models import ProgressReport, Task

from .. import factories as f

SAME_A = "完成了3项审批，推进顺利。"
SAME_B = "完成了 5 项审批,推进顺利!"
OTHER = "召开专题会议，协调用地指标，完成环评公示。"


def _likeness(task, period):
    return ProgressReport.objects.get(task=task, period_label=period).likeness


def test_filing_stores_the_likeness_on_the_latest(liaison_a, claimed_task):
    first = f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO, text=SAME_A)
    assert ProgressReport.objects.get(pk=first.pk).likeness is None  # nothing before it
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text=SAME_B)
    assert _likeness(claimed_task, f.LAST_WEEK) == 1.0
    # A draft changes nothing; submitting it does.
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK, text=OTHER, submit=False)
    assert _likeness(claimed_task, f.THIS_WEEK) is None
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK, text=OTHER)
    assert _likeness(claimed_task, f.THIS_WEEK) == rules.similarity(SAME_B, OTHER) < 0.9


def test_a_late_report_for_an_earlier_week_keeps_the_latest_right(liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO, text=SAME_A)
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK, text=SAME_B)
    assert _likeness(claimed_task, f.THIS_WEEK) == 1.0
    # Last week's, filed late and different: it now stands before this week's.
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text=OTHER)
    assert _likeness(claimed_task, f.THIS_WEEK) == rules.similarity(OTHER, SAME_B)


def test_a_returned_report_no_longer_counts(office, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO, text=SAME_A)
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text=OTHER)
    latest = f.report(liaison_a, claimed_task, period=f.THIS_WEEK, text=SAME_B)
    assert _likeness(claimed_task, f.THIS_WEEK) < 0.9
    scan()
    assert not claimed_task.warnings.filter(rule=rules.FORMALISM, cleared_at__isnull=True)
    # Last week's is returned: this week's now follows the one of two weeks ago,
    # and repeats it.
    last = ProgressReport.objects.get(task=claimed_task, period_label=f.LAST_WEEK)
    services.report_review(actor=office, report=last, accept=False, comment="请补充数据。")
    assert ProgressReport.objects.get(pk=latest.pk).likeness == 1.0
    scan()
    assert claimed_task.warnings.get(rule=rules.FORMALISM, cleared_at__isnull=True).level == 2


def test_the_backfill_of_data_written_in_bulk(liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO, text=SAME_A)
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text=SAME_B)
    ProgressReport.objects.update(likeness=None)  # as bench/generate.py writes them
    written = likeness.backfill(
        apps.get_model("work", "Task"), ProgressReport, ("assigned", "in_progress", "closing")
    )
    assert written == 1 and _likeness(claimed_task, f.LAST_WEEK) == 1.0
    assert Task.objects.get(pk=claimed_task.pk).state == "in_progress"
