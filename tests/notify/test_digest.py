"""The Monday digest: each unit's liaisons (and robots) get how the unit
stands, each leader how the tasks they answer for stand; the figures are
right, and running it twice in a week adds nothing."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils.translation import override

from duban.lib import rules
from duban.notify.digest import weekly_digest
from duban.notify.models import Delivery, Kind, Notification
from duban.notify.render import render
from duban.ops.jobs import scan_and_notify
from duban.org.models import Role
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning
from duban.work import services as work
from tests import factories as f

from .support import add_hook

MONDAY = f.at(2026, 3, 23, 8)  # the week 2026-W13 starts; the digest is about W12
DUE_21 = dt.date(2026, 3, 25)  # task 2.1's deadline: two days after MONDAY


@pytest.fixture
def week(office, leader, liaison_a, liaison_b, liaison_c, unit_a, unit_b, claimed_task, clock):
    """How things stand on Monday 23 March, 08:00.

    Unit A: 1.1 (the default task: no report for W12, behind schedule, an
    unanswered notice), 1.2 (reported every week, on schedule), 1.3 (due on
    10 March: overdue). Unit B: 2.1 (due on 25 March, no report for W12).
    The leader answers for 1.1 and 1.3. Unit C only co-operates on 1.1."""
    clock.move_to(f.at(2026, 3, 2))
    late = f.claimed(
        office, liaison_a, unit_a, serial="1.3", leader=leader, deadline=dt.date(2026, 3, 10)
    )
    clock.move_to(f.NOW)
    supervision.notice_issue(
        actor=office, task=claimed_task, reason="请说明。", answer_by=dt.date(2026, 3, 25)
    )
    filed = f.claimed(office, liaison_a, unit_a, serial="1.2")
    # Reported every week and accepted by the office: the progress it counts.
    f.accepted(office, liaison_a, filed, period=f.TWO_WEEKS_AGO, percent="10", text="完成选址。")
    f.accepted(office, liaison_a, filed, period=f.LAST_WEEK, percent="20", text="完成立项审批。")
    clock.move_to(MONDAY)
    f.accepted(office, liaison_a, filed, period="2026-W12", percent="30", text="开工建设。")
    soon = f.claimed(
        office, liaison_b, unit_b, serial="2.1", start=f.at(2026, 3, 9).date(), deadline=DUE_21
    )
    robots = {
        u.code: add_hook(office, u, f"https://oapi.dingtalk.com/robot/send?access_token={u.code}")
        for u in (unit_a, unit_b)
    }
    scan_and_notify()
    Notification.objects.all().delete()  # only the digest from here on
    Delivery.objects.all().delete()
    return {"late": late, "filed": filed, "soon": soon, "robots": robots}


def digests(person):
    return {
        n.key: n.data
        for n in Notification.objects.filter(recipient=person, kind=Kind.DIGEST).order_by("key")
    }


def figures(data):
    return {k: data[k] for k in ("open", "owed", "overdue", "red", "yellow", "reminder", "notices")}


def test_the_warnings_behind_the_figures(week, claimed_task):
    # What the scan found on Monday, so the figures below can be read.
    active = {
        (w.task.serial, w.rule): w.level
        for w in TaskWarning.objects.filter(cleared_at__isnull=True).select_related("task")
    }
    assert active == {
        ("1.1", rules.INACTION_REPORT): rules.YELLOW,
        ("1.1", rules.SLOW): rules.YELLOW,
        ("1.1", rules.NOTICE_OPEN): rules.NOTICE,
        ("1.3", rules.INACTION_REPORT): rules.YELLOW,
        ("1.3", rules.OVERDUE): rules.RED,
        ("2.1", rules.INACTION_REPORT): rules.YELLOW,
        ("2.1", rules.SLOW): rules.RED,
        ("2.1", rules.NEAR_DUE): rules.REMINDER,
    }


def test_each_units_liaisons_get_the_units_figures(
    week, liaison_a, liaison_b, liaison_c, unit_a, unit_b
):
    new = weekly_digest()

    a, b = f"digest:2026-W13:u{unit_a.pk}", f"digest:2026-W13:u{unit_b.pk}"
    assert list(digests(liaison_a)) == [a]
    assert figures(digests(liaison_a)[a]) == {
        "open": 3,
        "owed": 1,  # 1.1 has no report for W12; 1.2 filed; 1.3 was due before W12
        "overdue": 1,  # 1.3
        # Lights, not warnings (rules.light, as the lists and the cockpit):
        "red": 1,  # 1.3, overdue (and its red warning)
        "yellow": 1,  # 1.1, with three yellow warnings (a notice counts as yellow)
        "reminder": 0,
        "notices": 1,
    }
    assert digests(liaison_a)[a]["week"] == "2026-W12"
    assert digests(liaison_a)[a]["scope"] == "发展改革局"
    assert list(digests(liaison_b)) == [b]
    assert figures(digests(liaison_b)[b]) == {
        "open": 1,
        "owed": 1,
        "overdue": 0,
        "red": 1,  # 2.1: a red, a yellow warning and a reminder make one red light
        "yellow": 0,
        "reminder": 0,
        "notices": 0,
    }
    assert digests(liaison_c) == {}  # unit C leads no task
    assert new == 3  # liaison A, liaison B, the leader
    # Each unit's robot gets its own unit's digest.
    assert list(
        Delivery.objects.filter(hook=week["robots"]["A"]).values_list("key", flat=True)
    ) == [a]
    assert list(
        Delivery.objects.filter(hook=week["robots"]["B"]).values_list("key", flat=True)
    ) == [b]


def test_a_liaison_of_two_units_gets_one_digest_for_each(week, unit_a, unit_b):
    both = f.person("liaison_ab", Role.LIAISON, units=[unit_a, unit_b], full_name="周联络")
    weekly_digest()
    mine = digests(both)
    assert list(mine) == [f"digest:2026-W13:u{unit_a.pk}", f"digest:2026-W13:u{unit_b.pk}"]
    assert [d["open"] for d in mine.values()] == [3, 1]


def test_a_leader_gets_one_digest_for_the_tasks_they_answer_for(week, leader, office):
    weekly_digest()
    mine = digests(leader)
    assert list(mine) == ["digest:2026-W13:leader"]
    assert figures(mine["digest:2026-W13:leader"]) == {
        "open": 2,  # 1.1 and 1.3
        "owed": 1,
        "overdue": 1,
        "red": 1,
        "yellow": 1,
        "reminder": 0,
        "notices": 1,
    }
    assert digests(office) == {}


def test_the_digest_reads_in_both_languages(week, leader, liaison_a):
    weekly_digest()
    unit = Notification.objects.get(recipient=liaison_a)
    with override("en"):
        text = render(unit.kind, unit.data)
    assert text.title == "Weekly digest Week 12 (16–22 Mar): Development and Reform Bureau"
    assert text.body.splitlines() == [
        "Open tasks: 3",
        "Reports owed for Week 12 (16–22 Mar) and not yet filed: 1",
        "Overdue tasks: 1",
        "Open tasks by light: 1 red, 1 yellow, 0 with a reminder",
        "Supervision notices waiting for an answer: 1",
    ]
    with override("zh-hans"):
        text = render(unit.kind, unit.data)
    assert text.title == "每周简报 第12周（3月16日—22日）：发展改革局"
    assert text.body.splitlines()[0] == "在办任务：3 项"
    own = Notification.objects.get(recipient=leader)
    with override("en"):
        assert render(own.kind, own.data).title == (
            "Weekly digest Week 12 (16–22 Mar): tasks 李副主任 answers for"
        )


def test_running_the_digest_twice_in_a_week_adds_nothing(week, clock):
    assert weekly_digest() == 3
    rows = (Notification.objects.count(), Delivery.objects.count())
    assert weekly_digest() == 0
    clock.move_to(f.at(2026, 3, 26, 15))  # Thursday, the same week
    assert weekly_digest() == 0
    assert (Notification.objects.count(), Delivery.objects.count()) == rows
    # The next Monday is a new week: a new digest.
    clock.move_to(f.at(2026, 3, 30, 8))
    assert weekly_digest() == 3


def test_a_closed_task_drops_out_of_the_digest(week, office, liaison_b, unit_b):
    f.close(office, liaison_b, week["soon"])
    weekly_digest()
    assert digests(liaison_b) == {}  # unit B has nothing open
    assert not Notification.objects.filter(key__endswith=f":u{unit_b.pk}").exists()


def test_a_report_owed_for_last_week_stays_owed_when_the_unit_asks_to_close_on_monday(
    week, liaison_b, unit_b
):
    # 2.1 ran all of W12 without a report; put up for closing this morning, it
    # still owes W12 (owes_for: only a stop before the week ended releases it).
    work.close_request_create(
        actor=liaison_b, task=week["soon"], summary="已完成。", files=[f.pdf()]
    )
    weekly_digest()
    data = digests(liaison_b)[f"digest:2026-W13:u{unit_b.pk}"]
    assert (data["open"], data["owed"]) == (1, 1)


def test_the_digest_counts_lights_as_the_task_list_shows_them(as_, week, office, unit_a):
    weekly_digest()
    data = Notification.objects.filter(key=f"digest:2026-W13:u{unit_a.pk}").first().data
    html = as_(office).get(f"/tasks/?unit={unit_a.pk}").content.decode()
    shown = re.findall(r'<tr data-task="\d+">.*?class="light light-(\w+)"', html, re.S)
    assert (data["red"], data["yellow"]) == (shown.count("red"), shown.count("yellow"))
