"""One rule for "closed on time" (按期办结), asked by the meeting page, the
monthly review and the quarterly score (STYLE.md, habit 16).

The rule (``Task.closed_on_time`` and ``work.models.CLOSED_ON_TIME``): the task
is closed, and the unit asked to close it, with its evidence, by the deadline;
the office's review may come later without making it late. A request sent back
and asked again after the deadline is late.
"""

from __future__ import annotations

import datetime as dt

from duban.assessment.facts import quarter_facts
from duban.assessment.review import month_review
from duban.lib import periods
from duban.work import queries, services
from duban.work.models import Task

from . import factories as f

DAY = dt.timedelta(days=1)
MARCH = periods.period_from_label("2026-03")
Q1 = periods.quarter_from_label("2026Q1")


def _close(office, liaison, task, *, asked, decided, sent_back_first=False):
    if sent_back_first:
        first = services.close_request_create(
            actor=liaison, task=task, summary="已完成。", files=[f.pdf()], at=asked
        )
        services.close_request_decide(
            actor=office, request=first, accept=False, comment="证据不全", at=asked
        )
        asked = asked + 4 * DAY
    request = services.close_request_create(
        actor=liaison, task=task, summary="已完成并验收。", files=[f.pdf()], at=asked
    )
    services.close_request_decide(actor=office, request=request, accept=True, at=decided)
    return Task.objects.get(pk=task.pk)


def test_every_reader_says_the_same_about_on_time(office, liaison_a, unit_a, clock):
    clock.move_to(f.at(2026, 3, 2, 9))
    earlier = f.meeting(office, dt.date(2026, 3, 2), number=79)
    deadline = dt.date(2026, 3, 10)

    def assigned():
        return f.claimed(
            office, liaison_a, unit_a, meeting=earlier, start=dt.date(2026, 3, 2), deadline=deadline
        )

    asked_in_time = assigned()  # asked on the 9th, closed by the office on the 12th
    asked_late = assigned()  # asked on the 11th, closed on the 11th
    sent_back = assigned()  # asked on the 8th, sent back, asked again on the 12th
    clock.move_to(f.NOW)
    asked_in_time = _close(
        office, liaison_a, asked_in_time, asked=f.at(2026, 3, 9, 10), decided=f.at(2026, 3, 12, 10)
    )
    asked_late = _close(
        office, liaison_a, asked_late, asked=f.at(2026, 3, 11, 10), decided=f.at(2026, 3, 11, 15)
    )
    sent_back = _close(
        office,
        liaison_a,
        sent_back,
        asked=f.at(2026, 3, 8, 10),
        decided=f.at(2026, 3, 13, 10),
        sent_back_first=True,
    )
    expected = {asked_in_time.pk: True, asked_late.pk: False, sent_back.pk: False}

    assert {pk: Task.objects.get(pk=pk).closed_on_time for pk in expected} == expected

    meeting = f.meeting(office, f.TODAY, number=80)
    standing = {
        row.task.pk: row.status for row in queries.meeting_standing(meeting, office, f.TODAY)
    }
    assert standing == {
        pk: "closed_on_time" if on_time else "closed_late" for pk, on_time in expected.items()
    }

    review = month_review(MARCH)
    row = next(r for r in review["finished"] if r["unit_id"] == unit_a.pk)
    assert (row["closed"], row["on_time"]) == (3, 1)

    facts = quarter_facts(Q1, dt.date(2026, 4, 1))[unit_a.pk]
    assert (facts.due, facts.closed_on_time) == (3, 1)
