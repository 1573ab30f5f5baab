"""One definition of a task's light (``duban.lib.rules.light``), asked by every
page that shows one: the task list, the meeting page, the task page, the
cockpit's totals and its units, a leader's panels and a liaison's inbox
figures. The edge cases are built once; every reader must give the same answer
(STYLE.md, habit 16).

The light is the worst of the task's active warnings, and red once its
deadline has passed, scanned or not; an unclaimed task or a missing report is
yellow when the rules say so (the scan, with the plan's thresholds), not before.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from duban.cockpit.charts import overview, unit_summary
from duban.lib import rules
from duban.notify.digest import weekly_digest
from duban.notify.models import Kind, Notification
from duban.supervision.models import TaskWarning

from . import factories as f

DAY = dt.timedelta(days=1)
SLOW = {"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30}
NEAR = {"deadline": "2026-05-16", "days": 2, "progress": 10, "limit": 3}


@pytest.fixture
def cases(office, leader, liaison_a, unit_a):
    """Each task of unit A, led by the leader, at one meeting, with the light it must show."""
    meeting = f.meeting(office, f.TODAY - 2 * DAY, number=80)

    def make(**kwargs):
        return f.task(office, unit_a, leader=leader, meeting=meeting, **kwargs)

    fresh = make()  # assigned today, not claimed: no rule has anything to say yet
    overdue = make(start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY)  # not scanned
    warned_red = make()
    warned_yellow = make()
    reminded = make()
    withdrawn = make()
    for task, level in ((warned_red, rules.RED), (warned_yellow, rules.YELLOW)):
        TaskWarning.objects.create(task=task, unit=unit_a, rule=rules.SLOW, level=level, facts=SLOW)
    TaskWarning.objects.create(
        task=reminded, unit=unit_a, rule=rules.NEAR_DUE, level=rules.REMINDER, facts=NEAR
    )
    TaskWarning.objects.create(
        task=withdrawn,
        unit=unit_a,
        rule=rules.SLOW,
        level=rules.RED,
        facts=SLOW,
        withdrawn_at=f.NOW,
    )
    expected = {
        fresh.pk: "green",
        overdue.pk: "red",
        warned_red.pk: "red",
        warned_yellow.pk: "yellow",
        reminded.pk: "green",
        withdrawn.pk: "green",
    }
    return meeting, expected


def _lights_on(html: str) -> dict[int, str]:
    return {
        int(pk): light
        for pk, light in re.findall(
            r'<tr data-task="(\d+)">.*?class="light light-(\w+)"', html, re.S
        )
    }


def test_every_page_shows_the_same_light(as_, office, leader, liaison_a, cases):
    meeting, expected = cases
    client = as_(office)
    assert _lights_on(client.get("/tasks/").content.decode()) == expected
    assert _lights_on(client.get(f"/meetings/{meeting.pk}/").content.decode()) == expected
    for pk, light in expected.items():
        page = client.get(f"/tasks/{pk}/").content.decode()
        assert re.search(r'<h1><span class="light light-(\w+)"', page)[1] == light

    counted = {c: list(expected.values()).count(c) for c in ("red", "yellow")}
    totals = overview(office)["totals"]
    assert (totals["red"], totals["yellow"]) == (counted["red"], counted["yellow"])
    assert totals["open"] == len(expected)
    mine = unit_summary(liaison_a)
    assert (mine["red"], mine["yellow"]) == (counted["red"], counted["yellow"])
    first = overview(leader)["leader"]
    unit_row = first["units"][0]
    assert (unit_row["red"], unit_row["yellow"]) == (counted["red"], counted["yellow"])

    weekly_digest(now=f.NOW)
    for person in (liaison_a, leader):
        digest = Notification.objects.get(recipient=person, kind=Kind.DIGEST).data
        assert (digest["red"], digest["yellow"]) == (counted["red"], counted["yellow"])
        assert digest["open"] == len(expected)
