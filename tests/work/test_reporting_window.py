"""Which periods a unit may report for, and which it owes, around closing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from duban.work import queries, services
from duban.work.models import Task
from tests import factories as f


def labels(task: Task, today: dt.date) -> list[str]:
    return [p.label for p in services.report_period_choices(task, today)]


def test_a_task_that_starts_next_week_offers_no_period_yet(office, liaison_a, unit_a):
    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY + dt.timedelta(days=7))
    assert labels(task, f.TODAY) == []
    with pytest.raises(ValidationError):
        f.report(liaison_a, task)


def test_a_week_spent_waiting_for_verification_is_not_owed(office, liaison_a, unit_a, clock):
    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=2))
    f.report(liaison_a, task)
    services.close_request_create(actor=liaison_a, task=task, summary="已完成。", files=[f.pdf()])
    # Three weeks later the office has still not verified: nothing is missing.
    clock.move_to(f.NOW + dt.timedelta(days=21))
    task.refresh_from_db()
    later = f.TODAY + dt.timedelta(days=21)
    assert queries.missing_count(task, later) == 0
    assert labels(task, later) == [f.THIS_WEEK]


def test_sending_a_closing_back_makes_the_skipped_weeks_owed_again(
    office, liaison_a, unit_a, clock
):
    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=2))
    f.report(liaison_a, task)
    request = services.close_request_create(
        actor=liaison_a, task=task, summary="已完成。", files=[f.pdf()]
    )
    clock.move_to(f.NOW + dt.timedelta(days=21))
    services.close_request_decide(actor=office, request=request, accept=False, comment="证据不足")
    task.refresh_from_db()
    assert task.state == "in_progress" and task.close_requested_at is None
    assert queries.missing_count(task, f.TODAY + dt.timedelta(days=21)) == 2


def test_a_closed_task_does_not_offer_the_current_week(office, liaison_a, unit_a, clock):
    task = f.claimed(office, liaison_a, unit_a, start=f.TODAY - dt.timedelta(days=2))
    f.report(liaison_a, task)
    closed = f.close(office, liaison_a, task)
    later = f.TODAY + dt.timedelta(days=30)
    assert labels(closed, later) == [f.THIS_WEEK]
    assert queries.missing_count(closed, later) == 0


def test_a_closed_task_deadline_cannot_move(office, liaison_a, unit_a):
    task = f.claimed(office, liaison_a, unit_a)
    change = services.deadline_change_request(
        actor=liaison_a,
        task=task,
        new_deadline=task.deadline + dt.timedelta(days=30),
        reason="施工许可延后",
    )
    f.report(liaison_a, task)
    f.close(office, liaison_a, task)
    with pytest.raises(ValidationError, match="closed"):
        services.deadline_change_decide(actor=office, change=change, approve=True)
    task.refresh_from_db()
    assert task.deadline == task.original_deadline and task.deadline_moves == 0


def test_a_liaison_sees_the_overdue_tasks_of_the_unit_in_the_inbox(office, liaison_a, unit_a, as_):
    late = f.claimed(
        office,
        liaison_a,
        unit_a,
        title="逾期的任务",
        start=f.TODAY - dt.timedelta(days=40),
        deadline=f.TODAY - dt.timedelta(days=3),
    )
    page = as_(liaison_a).get("/inbox/")
    assert page.status_code == 200
    assert "逾期的任务" in page.content.decode()
    assert late in queries.inbox(liaison_a, f.TODAY).overdue


def test_the_office_inbox_shows_the_oldest_reports_a_page_at_a_time(
    office, liaison_a, unit_a, as_, settings, monkeypatch
):
    monkeypatch.setattr(queries, "REVIEW_PAGE", 2)
    for n in range(3):
        task = f.claimed(office, liaison_a, unit_a, title=f"待审任务{n}")
        f.report(liaison_a, task, text=f"第{n}份报告")
    box = queries.inbox(office, f.TODAY)
    assert box.to_review_total == 3
    assert [r.text for r in box.to_review] == ["第0份报告", "第1份报告"]
    page = as_(office).get("/inbox/").content.decode()
    assert "The oldest 2 of 3" in page
