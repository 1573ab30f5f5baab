"""The busiest write, filing a report, in a small fixed number of statements.

A province files some 40,000 reports a week. The report form is read with
five queries once the menu's badges are counted; the submission runs a fixed
number of statements however many reports the task already has, reading the
task once (in scope, under its lock) and its reports once; accepting a report
rolls progress up to the plan in the same number of statements however deep
the measure sits in its tree.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.lib import periods
from duban.work import services
from duban.work.models import Plan, ProgressReport, ReportState, Task

from .. import factories as f

TRANSACTION_CONTROL = ("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO SAVEPOINT", "BEGIN", "COMMIT")


def _statements(captured: CaptureQueriesContext) -> list[str]:
    """What the database was asked, without the transaction's own bookkeeping
    (in production the outermost block is BEGIN/COMMIT, not a savepoint)."""
    return [
        q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)
    ]


def _long_task(office, liaison, unit, *, weeks: int) -> Task:
    """A claimed weekly task begun ``weeks`` ago, with a report accepted for
    every week but the current one."""
    task = f.claimed(office, liaison, unit, start=f.TODAY - dt.timedelta(weeks=weeks))
    for period in services.report_period_choices(task, f.TODAY)[:-1]:
        f.accepted(office, liaison, task, period=period.label, percent="10")
    return task


def _form_and_post(client, task: Task) -> tuple[int, list[str], int, list[str]]:
    url = f"/tasks/{task.pk}/report/"
    client.get(url)  # counts the menu's badges, kept a little while
    with CaptureQueriesContext(connection) as form_queries:
        page = client.get(url)
    assert page.status_code == 200
    initial = page.context["form"].initial
    data = {
        "period": initial["period"],
        "text": "本周推进了土地报批。",
        "percent": "40",
        "version": "0",
        "opened": initial["opened"],
        "submit": "1",
    }
    with CaptureQueriesContext(connection) as post_queries:
        answer = client.post(url, data)
    assert answer.status_code == 302, answer.content.decode()[:500]
    return (
        len(form_queries),
        [q["sql"] for q in form_queries.captured_queries],
        answer.status_code,
        _statements(post_queries),
    )


def test_the_form_and_the_submission_cost_the_same_few_queries_whatever_the_history(
    office, liaison_a, unit_a, as_
):
    client = as_(liaison_a)
    young = f.claimed(office, liaison_a, unit_a)
    old = _long_task(office, liaison_a, unit_a, weeks=20)
    assert old.reports.count() >= 19

    young_form, _, _, young_post = _form_and_post(client, young)
    old_form, form_sql, _, old_post = _form_and_post(client, old)

    assert young_form == old_form <= 5, form_sql
    assert len(young_post) == len(old_post) <= 10, old_post
    # The task is read once (in scope, under its lock), its reports once.
    task_reads = [s for s in old_post if s.startswith("SELECT") and 'FROM "work_task"' in s]
    report_reads = [
        s for s in old_post if s.startswith("SELECT") and 'FROM "work_progressreport"' in s
    ]
    assert len(task_reads) == 1, task_reads
    assert len(report_reads) == 1, report_reads
    filed = old.reports.get(period_label=periods.period_containing(f.TODAY, periods.WEEKLY).label)
    assert filed.state == ReportState.SUBMITTED
    assert filed.percent == Decimal("40")
    assert filed.author == liaison_a


def test_the_submission_reads_at_most_four_of_the_tasks_reports_and_still_finds_the_rules_facts(
    office, liaison_a, unit_a
):
    """A year of reports, and the one accepted report far behind submitted
    ones: the service reads this period's report, the last accepted one and
    the two latest filed ones, no more, and the rules still see them."""
    from django.core.exceptions import ValidationError
    from django.db.models.signals import post_init

    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(weeks=30))
    labels = [p.label for p in services.report_period_choices(task, f.TODAY)]
    f.accepted(office, liaison_a, task, period=labels[0], percent="50")
    for label in labels[1:-2]:  # filed, not yet reviewed
        f.report(liaison_a, task, period=label, percent="60", text=f"{label}：推进土地报批。")
    assert task.reports.count() >= 28

    made: list[ProgressReport] = []

    def count(sender, instance, **kwargs):
        made.append(instance)

    post_init.connect(count, sender=ProgressReport)
    try:
        with pytest.raises(ValidationError) as refused:
            f.report(liaison_a, task, period=labels[-1], percent="40")
    finally:
        post_init.disconnect(count, sender=ProgressReport)
    # Lower than the last *accepted* report (50 %, the first week), not the
    # submitted 60 % ones: a reason is asked for.
    assert "50" in str(refused.value.message_dict["decrease_reason"])
    assert len(made) <= 4 + 1, [r.period_label for r in made]  # read, and the new one

    # The week before the last, filed late with the latest's words: the
    # latest filed report is compared with it.
    same = f"{labels[-3]}：推进土地报批。"
    f.report(liaison_a, task, period=labels[-1], percent="70", text=same)
    latest = task.reports.get(period_label=labels[-1])
    assert latest.likeness == pytest.approx(1.0)
    f.report(
        liaison_a,
        task,
        period=labels[-2],
        percent="65",
        text="完成了征地补偿方案的公示和签约工作。",
    )
    assert ProgressReport.objects.get(pk=latest.pk).likeness < 0.5


def test_a_submission_for_a_task_outside_the_scope_is_not_found_and_writes_nothing(
    office, liaison_a, liaison_b, liaison_c, task, as_
):
    services.task_claim(actor=liaison_a, task=task)
    data = {
        "period": f.THIS_WEEK,
        "text": "想代报。",
        "percent": "50",
        "version": "0",
        "submit": "1",
    }
    url = f"/tasks/{task.pk}/report/"
    # Unit B neither leads nor co-operates: as if there were no such task.
    assert as_(liaison_b).post(url, data).status_code == 404
    # Unit C co-operates: it sees the task, and may not report for the lead unit.
    assert as_(liaison_c).post(url, data).status_code == 403
    # The office sees it and does not report for a unit.
    assert as_(office).post(url, data).status_code == 403
    with pytest.raises(Task.DoesNotExist):
        services.report_save(
            actor=liaison_b,
            task=task.pk,
            period_label=f.THIS_WEEK,
            text="想代报。",
            percent="50",
            submit=True,
            version=0,
        )
    assert not ProgressReport.objects.filter(task=task).exists()


def test_a_refused_submission_shows_the_form_again_with_the_open_periods_only(
    liaison_a, claimed_task, as_
):
    f.report(liaison_a, claimed_task)  # this week's, filed
    client = as_(liaison_a)
    answer = client.post(
        f"/tasks/{claimed_task.pk}/report/",
        {
            "period": f.THIS_WEEK,
            "text": "再报一次。",
            "percent": "60",
            "version": "0",
            "submit": "1",
        },
    )
    assert answer.status_code == 400
    form = answer.context["form"]
    assert "already been submitted" in " ".join(
        form.errors.get("__all__", []) + form.errors.get("period", [])
    )
    assert form["text"].value() == "再报一次。", "what was typed is kept"
    offered = [label for label, _ in form.fields["period"].choices]
    assert f.THIS_WEEK not in offered and offered, offered
    # A period that is not one at all: refused by the service, in words.
    answer = client.post(
        f"/tasks/{claimed_task.pk}/report/",
        {"period": "2026-W99", "text": "乱填。", "percent": "60", "version": "0", "submit": "1"},
    )
    assert answer.status_code == 400
    assert claimed_task.reports.count() == 1


def test_the_likeness_is_stored_with_the_report_and_on_the_later_one_when_a_gap_is_filled(
    office, liaison_a, unit_a
):
    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(weeks=3))
    labels = [p.label for p in services.report_period_choices(task, f.TODAY)]
    same = "本周完成了方案论证，推进顺利。"
    first = f.report(liaison_a, task, period=labels[0], text=same)
    assert first.likeness is None, "nothing to compare the first with"
    latest = f.report(liaison_a, task, period=labels[2], text=same)
    assert ProgressReport.objects.get(pk=latest.pk).likeness == pytest.approx(1.0)
    # The week between, filed late in other words: the latest is now compared with it.
    f.report(liaison_a, task, period=labels[1], text="完成了征地补偿方案的公示和签约工作。")
    assert ProgressReport.objects.get(pk=latest.pk).likeness < 0.5


def _chain(office, liaison, plan, unit, depth: int) -> list[Task]:
    """A plan task with measures nested ``depth`` deep, the last one claimed."""
    tasks = [f.task(office, unit, plan=plan)]
    for _ in range(depth - 1):
        tasks.append(f.task(office, unit, parent=tasks[-1]))
    tasks[-1] = services.task_claim(actor=liaison, task=tasks[-1])
    return tasks


def test_accepting_rolls_up_the_whole_tree_in_the_same_statements_whatever_its_height(
    office, liaison_a, unit_a
):
    counts = {}
    for depth in (2, 3, 6):
        plan = f.plan(office, title=f"深度{depth}")
        chain = _chain(office, liaison_a, plan, unit_a, depth)
        sibling = f.claimed(office, liaison_a, unit_a, parent=chain[-2])
        f.accepted(office, liaison_a, sibling, percent="20")
        filed = f.report(liaison_a, chain[-1], percent="80")
        with CaptureQueriesContext(connection) as captured:
            services.report_review(actor=office, report=filed, accept=True)
        counts[depth] = len(_statements(captured))
        # The two measures' mean, 50 %, at every level above them, and the plan.
        assert [Task.objects.get(pk=t.pk).progress for t in chain[:-1]] == [Decimal("50.0")] * (
            depth - 1
        )
        assert Plan.objects.get(pk=plan.pk).progress == Decimal("50.0")
    assert counts[2] == counts[3] == counts[6] <= 9, counts
