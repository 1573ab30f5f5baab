"""Pages ask the database a fixed number of questions however much data there
is (STYLE.md, habit 13): measure with N items, grow to 3N, measure again."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.lib import periods
from duban.work import services

from .. import factories as f

N = 2
_meeting_numbers = itertools.count(100)


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries)


def _assert_constant(client, url, grow, django_assert_num_queries, ceiling=30):
    grow(N)
    client.get(url)  # warm the caches (content types, translations)
    small = _queries(client, url)
    assert small <= ceiling
    grow(2 * N)
    with django_assert_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200
    return response


@pytest.fixture
def grow_tasks(office, leader, liaison_a, plan, unit_a, unit_b, unit_c):
    """Tasks of every kind unit A deals with: led or co-operated, claimed or not,
    reported, returned, drafted, instructed, overdue, asking for time or to close."""
    meeting = f.meeting(office, f.TODAY, number=next(_meeting_numbers))

    def grow(n):
        for _ in range(n):
            common = {"plan": plan, "leader": leader, "meeting": meeting, "co_units": [unit_c]}
            f.task(office, unit_a, **common)  # to claim
            f.task(office, unit_b, co_units=[unit_a], plan=plan)  # A co-operates
            reported = f.claimed(office, liaison_a, unit_a, **common)
            f.report(liaison_a, reported, period=f.TWO_WEEKS_AGO, files=[f.pdf()])
            returned = f.report(liaison_a, reported, period=f.LAST_WEEK)
            services.report_review(actor=office, report=returned, accept=False, comment="补充。")
            f.report(liaison_a, reported, period=f.THIS_WEEK, submit=False)
            services.instruction_create(actor=leader, task=reported, text="抓紧。")
            late = f.claimed(
                office, liaison_a, unit_a, deadline=f.TODAY - dt.timedelta(days=1), **common
            )
            services.deadline_change_request(
                actor=liaison_a,
                task=late,
                new_deadline=f.TODAY + dt.timedelta(days=20),
                reason="延期",
            )
            moved = f.claimed(office, liaison_a, unit_a, **common)
            change = services.deadline_change_request(
                actor=liaison_a,
                task=moved,
                new_deadline=f.TODAY + dt.timedelta(days=9),
                reason="延期",
            )
            services.deadline_change_decide(actor=office, change=change, approve=True)
            closing = f.claimed(office, liaison_a, unit_a, **common)
            f.report(liaison_a, closing, period=f.LAST_WEEK)
            services.close_request_create(
                actor=liaison_a, task=closing, summary="完成。", files=[f.pdf()]
            )
            done = f.claimed(office, liaison_a, unit_a, **common)
            f.close(office, liaison_a, done)

    grow.meeting = meeting
    return grow


def _pages(plan, meeting):
    return [
        "/inbox/",
        "/tasks/",
        "/tasks/?closed=on",
        "/tasks/?q=重点任务&sort=-progress",
        "/tasks/?due=overdue&sort=deadline",
        f"/tasks/?plan={plan.pk}&sort=unit",
        f"/plans/{plan.pk}/",
        "/plans/",
        "/meetings/",
        f"/meetings/{meeting.pk}/",
        "/units/",
    ]


def test_lists_and_inboxes_ask_a_fixed_number_of_queries(
    as_, office, leader, liaison_a, liaison_c, plan, grow_tasks, django_assert_max_num_queries
):
    # Everyone who reads them: the office and a leader see everything, unit A's
    # liaison what A leads or co-operates on, unit C's liaison what C co-operates on.
    clients = {who.username: as_(who) for who in (office, leader, liaison_a, liaison_c)}
    pages = _pages(plan, grow_tasks.meeting)

    def measure():
        return {
            (who, url): _queries(client, url) for who, client in clients.items() for url in pages
        }

    grow_tasks(N)
    measure()  # warm the caches (content types, translations)
    small = measure()
    grow_tasks(2 * N)
    with django_assert_max_num_queries(30 * len(small)):
        big = measure()
    assert big == small


def test_the_lists_hold_what_was_measured(as_, office, liaison_a, plan, grow_tasks):
    grow_tasks(N)
    page = as_(office).get("/tasks/").context["page"]
    assert len(page.object_list) == 6 * N  # every open task
    overdue = as_(office).get("/tasks/?due=overdue").context["page"]
    assert len(overdue.object_list) == N
    box = as_(liaison_a).get("/inbox/").context["box"]
    assert len(box.to_claim) == len(box.returned) == len(box.instructions) == N
    assert len(box.drafts) == N
    assert len(box.decisions) == 2 * N  # deadline moves approved, tasks closed
    box = as_(office).get("/inbox/").context["box"]
    assert len(box.to_review) == 2 * N
    assert len(box.deadline_requests) == len(box.close_requests) == N
    assert len(box.overdue) == N


@pytest.mark.parametrize("who", ["office", "liaison_a"])
def test_the_meeting_page_asks_a_fixed_number_of_queries(
    as_, request, office, liaison_a, leader, unit_a, unit_c, django_assert_num_queries, clock, who
):
    # Last week's meeting assigned tasks that now stand in every way; this
    # week's meeting assigns more. Both lists grow.
    last_week = f.meeting(office, f.TODAY - dt.timedelta(days=7), number=79)
    this_week = f.meeting(office, f.TODAY, number=80)
    plan = f.plan(office)

    def grow(n):
        for _ in range(n):
            common = {"leader": leader, "co_units": [unit_c], "plan": plan}
            f.task(office, unit_a, meeting=last_week, **common)
            f.claimed(office, liaison_a, unit_a, meeting=last_week, **common)
            f.close(office, liaison_a, f.claimed(office, liaison_a, unit_a, meeting=last_week))
            f.claimed(
                office,
                liaison_a,
                unit_a,
                meeting=last_week,
                deadline=f.TODAY - dt.timedelta(days=1),
                **common,
            )
            f.task(office, unit_a, meeting=this_week, **common)
            f.claimed(office, liaison_a, unit_a, meeting=this_week, **common)

    client = as_(request.getfixturevalue(who))
    response = _assert_constant(
        client, f"/meetings/{this_week.pk}/", grow, django_assert_num_queries
    )
    assert len(response.context["standing"]) == 4 * 3 * N
    assert len(response.context["assignments"]) == 2 * 3 * N


@pytest.mark.parametrize("who", ["office", "liaison_a"])
def test_the_task_page_asks_a_fixed_number_of_queries(
    as_, request, office, leader, liaison_a, unit_a, django_assert_num_queries, who
):
    # A long-running task: one report (with a file) a week, instructions, deadline moves.
    task = f.claimed(office, liaison_a, unit_a, start=dt.date(2026, 1, 5), leader=leader)
    weeks = iter(periods.periods_between(dt.date(2026, 1, 5), f.TODAY, periods.WEEKLY))

    def grow(n):
        for _ in range(n):
            f.report(liaison_a, task, period=next(weeks).label, files=[f.pdf()])
            services.instruction_create(actor=leader, task=task, text="抓紧。")
            fresh = type(task).objects.get(pk=task.pk)
            change = services.deadline_change_request(
                actor=liaison_a,
                task=fresh,
                new_deadline=fresh.deadline + dt.timedelta(days=7),
                reason="延期",
            )
            services.deadline_change_decide(actor=office, change=change, approve=True)

    client = as_(request.getfixturevalue(who))
    response = _assert_constant(client, f"/tasks/{task.pk}/", grow, django_assert_num_queries)
    filed = [row for row in response.context["calendar"] if row.report is not None]
    assert len(filed) == 3 * N
    assert response.content.decode().count("evidence.pdf") == 3 * N


def test_a_parent_task_page_asks_a_fixed_number_of_queries(
    as_, office, liaison_a, plan, unit_a, unit_b, django_assert_num_queries
):
    root = f.task(office, unit_a, plan=plan)
    middle = f.task(office, unit_a, parent=root)

    def grow(n):
        for _ in range(n):
            f.claimed(office, liaison_a, unit_a, parent=middle)
            f.task(office, unit_b, parent=middle)

    response = _assert_constant(
        as_(office), f"/tasks/{middle.pk}/", grow, django_assert_num_queries
    )
    assert len(response.context["children"]) == 2 * 3 * N
