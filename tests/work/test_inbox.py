"""The inbox: what waits for each person, and the count on its link."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.work import services

from .. import factories as f


def _box(client):
    response = client.get("/inbox/")
    assert response.status_code == 200
    return response.context["box"], response.context["inbox_count"]


def test_a_new_task_waits_to_be_claimed_then_to_be_reported_on(as_, liaison_a, task):
    client = as_(liaison_a)
    box, count = _box(client)
    assert box.to_claim == [task]
    assert count == 1

    client.post(f"/tasks/{task.pk}/claim/", {"next": "/inbox/"})
    box, count = _box(client)
    assert box.to_claim == []
    assert box.due_now == [task]
    assert count == 1

    f.report(liaison_a, task)
    box, count = _box(client)
    assert box.due_now == []
    assert count == 0


def test_the_count_on_the_link_is_what_the_inbox_holds(
    as_, office, leader, liaison_a, claimed_task, unit_a
):
    f.task(office, unit_a)  # to claim
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    services.report_review(actor=office, report=report, accept=False, comment="补充。")
    services.instruction_create(actor=leader, task=claimed_task, text="抓紧。")
    box, count = _box(as_(liaison_a))
    assert (len(box.to_claim), len(box.returned), len(box.instructions)) == (1, 1, 1)
    assert count == box.total == 4  # claimed_task is also due this week

    f.report(liaison_a, claimed_task, period=f.THIS_WEEK)
    other = f.claimed(office, liaison_a, unit_a)
    services.close_request_create(actor=liaison_a, task=other, summary="完成。", files=[f.pdf()])
    box, count = _box(as_(office))
    assert (len(box.to_review), len(box.close_requests)) == (1, 1)
    assert count == box.total == 2


@pytest.mark.parametrize("who", ["liaison_b", "liaison_c"])
def test_other_units_have_nothing_of_unit_as_waiting(as_, request, task, who):
    box, count = _box(as_(request.getfixturevalue(who)))
    assert box.to_claim == []
    assert count == 0


def test_a_leader_sees_the_overdue_tasks_they_are_responsible_for(
    as_, office, leader, liaison_a, unit_a, task
):
    mine = f.claimed(office, liaison_a, unit_a, deadline=f.TODAY.replace(day=10), leader=leader)
    f.claimed(office, liaison_a, unit_a, deadline=f.TODAY.replace(day=10))  # someone else's
    box, _ = _box(as_(leader))
    assert box.overdue == [mine]
    assert len(_box(as_(office))[0].overdue) == 2


def test_every_list_shows_its_first_ones_with_the_whole_count(
    as_, office, liaison_a, unit_a, monkeypatch, django_assert_max_num_queries
):
    """A province office has hundreds of requests waiting (issue 15): each
    list shows the first LISTED, oldest first, with its whole count, the
    count on the link stays whole, and the page reads as many queries at 3 as
    at 7."""
    from duban.work import queries

    monkeypatch.setattr(queries, "LISTED", 3)
    for n in range(7):
        task = f.claimed(office, liaison_a, unit_a, title=f"待销号任务{n}")
        services.close_request_create(actor=liaison_a, task=task, summary="完成。", files=[f.pdf()])
        f.task(office, unit_a, title=f"待签收任务{n}")
    client = as_(office, HTTP_ACCEPT_LANGUAGE="en")
    with CaptureQueriesContext(connection) as counted:
        box, count = _box(client)
    queries_at_7 = len(counted)  # read now: the next request starts a new log
    assert [c.task.title for c in box.close_requests] == [
        "待销号任务0",
        "待销号任务1",
        "待销号任务2",
    ]
    assert box.totals["close_requests"] == 7 and count == 7
    page = client.get("/inbox/").content.decode()
    assert "The first 3 of 7." in page and "/tasks/?state=closing" in page
    liaison = as_(liaison_a)
    box, count = _box(liaison)
    assert len(box.to_claim) == 3 and box.totals["to_claim"] == 7
    assert count == 7 + box.totals["due_now"]
    for _n in range(3):
        task = f.claimed(office, liaison_a, unit_a)
        services.close_request_create(actor=liaison_a, task=task, summary="完成。", files=[f.pdf()])
    with django_assert_max_num_queries(queries_at_7):
        _box(client)
