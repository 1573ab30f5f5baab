"""A warning's facts keep dates; the days are counted when shown (issue 15).

So the first scan after midnight writes only the warnings whose level or cause
changed, while every page, message, export and the API count the days on the
day they speak of, through one definition (``rules.counted``)."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.lib import rules
from duban.notify.models import Notification
from duban.ops.jobs import scan_and_notify
from duban.supervision.models import TaskWarning, WarningEvent
from duban.supervision.scan import scan
from tests import factories as f
from tests.api.conftest import Api

WRITES = ("INSERT", "UPDATE", "DELETE")


def _writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().split(None, 1)[0].upper() in WRITES]


def _rows():
    return {
        w.pk: (w.rule, w.level, w.facts, w.changed_at, w.cleared_at)
        for w in TaskWarning.objects.all()
    }


@pytest.fixture
def four(office, liaison_a, unit_a, claimed_task, clock):
    """On 18 March: a task overdue by 3 days, one due in 3 days, one not claimed
    for 3 days, and the claimed task, slow and missing last week's report."""
    clock.move_to(f.at(2026, 3, 15, 9))
    unclaimed = f.task(office, unit_a, title="未认领的任务")
    clock.move_to(f.NOW)
    overdue = f.claimed(
        office,
        liaison_a,
        unit_a,
        start=f.TODAY - dt.timedelta(days=40),
        deadline=f.at(2026, 3, 15).date(),
    )
    near = f.claimed(office, liaison_a, unit_a, deadline=f.TODAY + dt.timedelta(days=3))
    f.report(liaison_a, near, period=f.LAST_WEEK, percent="95")
    f.report(liaison_a, overdue, period=f.LAST_WEEK, percent="50")
    return {"unclaimed": unclaimed, "overdue": overdue, "near": near, "slow": claimed_task}


def _board(as_, office) -> str:
    return as_(office).get("/warnings/").content.decode()


def test_the_next_days_scan_writes_nothing_when_levels_and_causes_stand(as_, office, four, clock):
    first = scan()
    assert {(w.task_id, w.rule) for w in first.raised} >= {
        (four["unclaimed"].pk, rules.INACTION_CLAIM),
        (four["overdue"].pk, rules.OVERDUE),
        (four["near"].pk, rules.NEAR_DUE),
        (four["slow"].pk, rules.SLOW),
        (four["slow"].pk, rules.INACTION_REPORT),
    }
    html = _board(as_, office)
    assert "The deadline 2026-03-15 passed 3 day(s) ago" in html
    assert "Due on 2026-03-21, in 3 day(s)" in html
    assert "not claimed after 3 days" in html
    assert "by the schedule it should be 19%: 19 points behind" in html
    rows, events = _rows(), WarningEvent.objects.count()

    clock.move_to(f.at(2026, 3, 19, 0, 5))  # the first scan after midnight
    with CaptureQueriesContext(connection) as ctx:
        result = scan()
    assert not result.changed
    assert _writes(ctx.captured_queries) == []
    assert _rows() == rows and WarningEvent.objects.count() == events

    # The pages count the days of the day they are read.
    html = _board(as_, office)
    assert "The deadline 2026-03-15 passed 4 day(s) ago" in html
    assert "Due on 2026-03-21, in 2 day(s)" in html
    assert "not claimed after 4 days" in html
    assert "by the schedule it should be 20%: 20 points behind" in html


def test_a_level_change_writes_that_warning_and_its_event_only(four, clock):
    # 25 March, day 21 of the claimed task: 28 points behind, yellow; the next
    # day 30, red. Nothing else changes level or cause overnight.
    clock.move_to(f.at(2026, 3, 25, 9))
    scan()
    slow = TaskWarning.objects.get(task=four["slow"], rule=rules.SLOW, cleared_at__isnull=True)
    assert slow.level == rules.YELLOW
    rows, events = _rows(), set(WarningEvent.objects.values_list("id", flat=True))

    clock.move_to(f.at(2026, 3, 26, 0, 5))
    with CaptureQueriesContext(connection) as ctx:
        result = scan()
    assert [w.pk for w in result.escalated] == [slow.pk]
    assert (result.raised, result.eased, result.cleared, result.updated) == ([], [], [], 0)
    after = _rows()
    assert {pk for pk in after if after[pk] != rows[pk]} == {slow.pk}
    assert after[slow.pk][1] == rules.RED
    new = WarningEvent.objects.exclude(id__in=events)
    assert [(e.warning_id, e.kind, e.level) for e in new] == [(slow.pk, "escalated", rules.RED)]
    # One statement per kind of write: the warning's update, its event.
    assert [sql.split(None, 1)[0].upper() for sql in _writes(ctx.captured_queries)] == [
        "UPDATE",
        "INSERT",
    ]


def test_every_reader_counts_the_days_through_one_definition(as_, office, liaison_a, four, clock):
    """A warning raised on 18 March and read on 21 March without a scan between:
    the board, the task page, the export and the API count to 21 March; the
    message sent on 18 March still says what it said that day."""
    scan_and_notify()
    overdue = TaskWarning.objects.get(task=four["overdue"], rule=rules.OVERDUE)
    clock.move_to(f.at(2026, 3, 21, 10))
    said = "The deadline 2026-03-15 passed 6 day(s) ago"
    assert said in _board(as_, office)
    assert said in as_(office).get(f"/tasks/{four['overdue'].pk}/").content.decode()
    export = as_(office).get("/warnings/export.xlsx")
    content = b"".join(export.streaming_content) if export.streaming else export.content
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert any(said in str(c.value) for row in book.active.iter_rows() for c in row)
    found = Api(office).get("/warnings").json()["results"]
    assert said in next(w["reason"] for w in found if w["id"] == overdue.pk)
    # The message, read now, speaks of the day it was sent.
    note = Notification.objects.filter(
        recipient=liaison_a, key__startswith=f"warning:{overdue.pk}:"
    )
    assert note.exists()
    messages = as_(liaison_a).get("/messages/").content.decode()
    assert "The deadline 2026-03-15 passed 3 day(s) ago" in messages
    assert said not in messages
    # In Chinese too, from the same count.
    zh = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/warnings/").content.decode()
    assert "完成时限 2026-03-15 已过 6 天" in zh


def test_a_past_warning_counts_to_the_day_it_ended(as_, office, liaison_a, four, clock):
    scan()
    clock.move_to(f.at(2026, 3, 20, 10))
    f.close(office, liaison_a, four["overdue"])
    scan()
    clock.move_to(f.at(2026, 3, 30, 10))
    page = as_(office).get(f"/tasks/{four['overdue'].pk}/").content.decode()
    assert "The deadline 2026-03-15 passed 5 day(s) ago" in page  # on 20 March, when cleared


def test_facts_stored_before_the_counts_moved_out_are_still_shown():
    """History written by the scan before issue 15 keeps its counts; where the
    dates to count from are there, the count is the same on its own day."""
    old_slow = {"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30}
    assert rules.counted(rules.SLOW, old_slow, f.TODAY) == old_slow
    old_overdue = {"deadline": "2026-03-15", "days": 3}
    assert rules.counted(rules.OVERDUE, old_overdue, f.TODAY) == old_overdue
    assert rules.counted(rules.OVERDUE, {"deadline": "not a date"}, f.TODAY) == {
        "deadline": "not a date"
    }
