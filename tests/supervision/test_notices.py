"""The ladder's notice rung: a supervision notice waits for a written answer;
unanswered past its date it turns red; the answer clears it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.lib import rules
from duban.supervision import services
from duban.supervision.models import SupervisionNotice, TaskWarning
from duban.supervision.scan import scan
from tests import factories as f


def _notice_warning(task):
    return TaskWarning.objects.filter(
        task=task, rule=rules.NOTICE_OPEN, cleared_at__isnull=True
    ).first()


def test_a_notice_climbs_to_red_unanswered_and_clears_when_answered(
    office, liaison_a, claimed_task, clock
):
    notice = services.notice_issue(
        actor=office,
        task=claimed_task,
        reason="请书面说明滞后原因。",
        answer_by=f.TODAY + dt.timedelta(days=2),
    )
    assert str(notice).endswith("No. 1") or "1" in str(notice)
    scan()
    assert _notice_warning(claimed_task).level == rules.NOTICE

    clock.move_to(f.NOW + dt.timedelta(days=3))
    scan()
    warning = _notice_warning(claimed_task)
    shown = rules.counted(warning.rule, warning.facts, f.TODAY + dt.timedelta(days=3))
    assert warning.level == rules.RED and shown["days_late"] == 1

    services.notice_answer(actor=liaison_a, notice=notice, answer="已制定整改方案，本周内完成。")
    scan()
    assert _notice_warning(claimed_task) is None
    kinds = [
        e.kind
        for e in TaskWarning.objects.get(task=claimed_task, rule=rules.NOTICE_OPEN).events.all()
    ]
    assert kinds == ["raised", "escalated", "cleared"]
    assert claimed_task.events.filter(kind__in=["notice_issued", "notice_answered"]).count() == 2


def test_notices_are_numbered_per_year(office, claimed_task):
    first = services.notice_issue(actor=office, task=claimed_task, reason="一", answer_by=f.TODAY)
    second = services.notice_issue(actor=office, task=claimed_task, reason="二", answer_by=f.TODAY)
    assert (first.year, first.number, second.number) == (2026, 1, 2)


def test_only_the_office_issues_and_only_the_lead_unit_answers(
    office, leader, liaison_a, liaison_b, claimed_task
):
    with pytest.raises(PermissionDenied):
        services.notice_issue(actor=liaison_a, task=claimed_task, reason="x", answer_by=f.TODAY)
    notice = services.notice_issue(actor=office, task=claimed_task, reason="x", answer_by=f.TODAY)
    for someone in (liaison_b, leader, office):
        with pytest.raises(PermissionDenied):
            services.notice_answer(actor=someone, notice=notice, answer="y")
    services.notice_answer(actor=liaison_a, notice=notice, answer="y")
    with pytest.raises(ValidationError):
        services.notice_answer(actor=liaison_a, notice=notice, answer="again")


def test_a_notice_with_a_past_date_or_no_reason_is_refused_on_the_page(as_, office, claimed_task):
    page = as_(office).post(
        f"/tasks/{claimed_task.pk}/notice/",
        {"reason": "请说明情况", "answer_by": (f.TODAY - dt.timedelta(days=1)).isoformat()},
    )
    assert page.status_code == 400
    assert "The answer date is in the past." in page.content.decode()
    assert "请说明情况" in page.content.decode()  # what was typed is kept
    assert SupervisionNotice.objects.count() == 0


def test_the_liaison_answers_from_the_task_page_and_sees_it_in_the_inbox(
    as_, office, liaison_a, claimed_task
):
    as_(office).post(
        f"/tasks/{claimed_task.pk}/notice/",
        {"reason": "请书面说明滞后原因", "answer_by": f.TODAY.isoformat()},
    )
    client = as_(liaison_a)
    inbox = client.get("/inbox/")
    assert len(inbox.context["box"].notices) == 1
    notice = SupervisionNotice.objects.get()
    answered = client.post(f"/notices/{notice.pk}/answer/", {"answer": "已整改到位。"})
    assert answered.status_code == 302
    notice.refresh_from_db()
    assert notice.is_answered and notice.answer == "已整改到位。"
    assert client.get("/inbox/").context["box"].notices == []
