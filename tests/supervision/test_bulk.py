"""The scan's set-based writes (duban/supervision/bulk.py): many rows a
statement, in batches within the backend's limit of parameters, and the same
rows where the database lacks UPDATE ... FROM or RETURNING (SQLite before
3.33 and 3.35), or the columns given as arrays (PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.lib import rules
from duban.supervision import bulk
from duban.supervision.models import TaskWarning, WarningEvent
from duban.supervision.scan import scan
from tests import factories as f

LATER = f.at(2026, 3, 19, 8)


@pytest.fixture(params=["set-based", "fallback"])
def way(request, monkeypatch):
    if request.param == "fallback":
        monkeypatch.setattr(bulk, "UPDATE_FROM", False)
        monkeypatch.setattr(bulk, "RETURNING", False)
        monkeypatch.setattr(bulk, "_ARRAYS", False)
    return request.param


@pytest.fixture
def tasks(office, liaison_a, unit_a):
    return [f.claimed(office, liaison_a, unit_a) for _ in range(5)]


def _statements(ctx, verb):
    # A statement run for many rows (executemany) is logged as "N times: UPDATE ...".
    texts = (re.sub(r"^\d+ times: ", "", q["sql"].lstrip()) for q in ctx.captured_queries)
    return [sql for sql in texts if sql.upper().startswith(verb)]


def test_warnings_and_events_written_in_batches_read_back_as_written(
    tasks, unit_a, way, monkeypatch
):
    monkeypatch.setattr(bulk, "_max_params", lambda: 16)  # two warnings a statement
    rows = [
        (task.pk, unit_a.pk, rule, level, {"n": i, "day": f"2026-03-1{i}"})
        for i, (task, rule, level) in enumerate(
            [(t, rules.SLOW, rules.YELLOW) for t in tasks] + [(tasks[0], rules.OVERDUE, rules.RED)]
        )
    ]
    with CaptureQueriesContext(connection) as ctx:
        ids = bulk.insert_warnings(rows, f.NOW)
    # 6 warnings, 2 a statement; PostgreSQL takes them all as arrays in one.
    arrays = way == "set-based" and connection.vendor == "postgresql"
    assert len(_statements(ctx, "INSERT")) == (1 if arrays else 3)
    assert set(ids) == {(row[0], row[2]) for row in rows}
    stored = {
        (w.task_id, w.rule): (w.pk, w.unit_id, w.level, w.facts, w.raised_at, w.changed_at)
        for w in TaskWarning.objects.all()
    }
    assert stored == {
        (task_id, rule): (ids[task_id, rule], unit_id, level, facts, f.NOW, f.NOW)
        for task_id, unit_id, rule, level, facts in rows
    }

    first, second, third = (ids[t.pk, rules.SLOW] for t in tasks[:3])
    with CaptureQueriesContext(connection) as ctx:
        bulk.update_warnings(
            [(first, rules.RED, {"n": 10}), (second, rules.YELLOW, {"n": 11, "x": [1, "二"]})],
            LATER,
        )
        bulk.clear_warnings([third], LATER)
        bulk.insert_events(
            [(first, "escalated", rules.RED, {"n": 10}), (third, "cleared", 2, {"n": 2})], LATER
        )
    assert len(_statements(ctx, "UPDATE")) == 2  # set-based or a statement run per row
    after = {w.pk: w for w in TaskWarning.objects.all()}
    assert (after[first].level, after[first].facts, after[first].changed_at) == (
        rules.RED,
        {"n": 10},
        LATER,
    )
    assert (after[second].facts, after[second].changed_at) == ({"n": 11, "x": [1, "二"]}, LATER)
    assert after[third].cleared_at == LATER and after[third].facts == rows[2][4]
    untouched = ids[tasks[3].pk, rules.SLOW]
    assert (after[untouched].changed_at, after[untouched].cleared_at) == (f.NOW, None)
    assert list(WarningEvent.objects.values_list("warning_id", "kind", "level", "facts", "at")) == [
        (first, "escalated", rules.RED, {"n": 10}, LATER),
        (third, "cleared", 2, {"n": 2}, LATER),
    ]


def test_the_scan_raises_escalates_and_clears_the_same_either_way(
    office, liaison_a, unit_a, claimed_task, way, clock
):
    first = scan()
    assert {w.rule for w in first.raised} == {rules.INACTION_REPORT, rules.SLOW}
    assert all(w.pk for w in first.raised)
    assert first.written == {"inserted": 2, "updated": 0, "cleared": 0, "events": 2}
    again = scan()
    assert not again.changed and again.written == dict.fromkeys(again.written, 0)

    # 26 March: 30 points behind, red; the week owed now (W12) filed; a new task due in two days.
    clock.move_to(f.at(2026, 3, 26))
    f.report(liaison_a, claimed_task, period="2026-W12", percent="0")
    due = f.claimed(
        office, liaison_a, unit_a, start=f.at(2026, 3, 26).date(), deadline=dt.date(2026, 3, 28)
    )
    moved = scan()
    slow = TaskWarning.objects.get(rule=rules.SLOW)
    assert [w.pk for w in moved.escalated] == [slow.pk]
    assert (slow.level, slow.changed_at) == (rules.RED, f.at(2026, 3, 26))
    near = TaskWarning.objects.get(rule=rules.NEAR_DUE)
    assert near.task == due and [w.pk for w in moved.raised] == [near.pk]
    assert near.facts == {"deadline": "2026-03-28", "progress": 0, "limit": 3}
    assert [w.rule for w in moved.cleared] == [rules.INACTION_REPORT]
    assert TaskWarning.objects.get(rule=rules.INACTION_REPORT).cleared_at == f.at(2026, 3, 26)
    assert moved.written == {"inserted": 1, "updated": 1, "cleared": 1, "events": 3}
    assert sorted(WarningEvent.objects.values_list("warning__rule", "kind", "level")) == [
        (rules.INACTION_REPORT, "cleared", rules.YELLOW),
        (rules.INACTION_REPORT, "raised", rules.YELLOW),
        (rules.NEAR_DUE, "raised", rules.REMINDER),
        (rules.SLOW, "escalated", rules.RED),
        (rules.SLOW, "raised", rules.YELLOW),
    ]
