"""Moving a deadline: the lead unit asks, the office approves or rejects; every
move is counted and the original deadline is kept."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.work import services
from duban.work.models import DeadlineChange, EventKind, RequestState, Task

from .. import factories as f

ORIGINAL = f.TODAY + dt.timedelta(days=60)  # the default task's deadline
LATER = ORIGINAL + dt.timedelta(days=30)


def _ask(liaison, task, new=LATER, reason="土地报批未完成。"):
    return services.deadline_change_request(
        actor=liaison, task=task, new_deadline=new, reason=reason
    )


def test_an_approved_change_moves_the_deadline_counts_it_and_keeps_the_original(
    office, liaison_a, claimed_task
):
    change = _ask(liaison_a, claimed_task)
    assert change.state == RequestState.PENDING
    assert change.old_deadline == ORIGINAL
    claimed_task.refresh_from_db()
    assert claimed_task.deadline == ORIGINAL, "nothing moves until the office decides"

    services.deadline_change_decide(actor=office, change=change, approve=True, comment="同意。")
    change.refresh_from_db()
    claimed_task.refresh_from_db()
    assert change.state == RequestState.APPROVED
    assert change.decided_by == office
    assert claimed_task.deadline == LATER
    assert claimed_task.original_deadline == ORIGINAL
    assert claimed_task.deadline_moves == 1
    assert list(claimed_task.events.values_list("kind", flat=True))[-2:] == [
        EventKind.DEADLINE_REQUESTED,
        EventKind.DEADLINE_APPROVED,
    ]
    assert claimed_task.history.filter(history_change_reason="deadline_approved").exists()


def test_every_approved_move_is_counted(office, liaison_a, claimed_task):
    for n, new in enumerate([LATER, LATER + dt.timedelta(days=10)], start=1):
        change = _ask(liaison_a, claimed_task, new=new)
        services.deadline_change_decide(actor=office, change=change, approve=True)
        claimed_task.refresh_from_db()
        assert claimed_task.deadline_moves == n
    assert claimed_task.original_deadline == ORIGINAL


def test_a_rejected_change_leaves_the_deadline_alone(office, liaison_a, claimed_task):
    change = _ask(liaison_a, claimed_task)
    services.deadline_change_decide(actor=office, change=change, approve=False, comment="不同意。")
    claimed_task.refresh_from_db()
    assert claimed_task.deadline == ORIGINAL
    assert claimed_task.deadline_moves == 0
    assert DeadlineChange.objects.get(pk=change.pk).state == RequestState.REJECTED
    assert claimed_task.events.last().kind == EventKind.DEADLINE_REJECTED
    # Rejected, the unit may ask again.
    assert _ask(liaison_a, claimed_task, reason="补充了理由。").state == RequestState.PENDING


def test_only_one_request_may_wait_at_a_time(liaison_a, claimed_task):
    _ask(liaison_a, claimed_task)
    with pytest.raises(ValidationError, match="already waiting for a decision"):
        _ask(liaison_a, claimed_task, new=LATER + dt.timedelta(days=5))
    assert DeadlineChange.objects.filter(task=claimed_task).count() == 1


def test_a_request_is_decided_once(office, liaison_a, claimed_task):
    change = _ask(liaison_a, claimed_task)
    services.deadline_change_decide(actor=office, change=change, approve=True)
    with pytest.raises(ValidationError, match="already been decided"):
        services.deadline_change_decide(actor=office, change=change, approve=True)
    assert Task.objects.get(pk=claimed_task.pk).deadline_moves == 1


@pytest.mark.parametrize(
    ("new", "reason", "field"),
    [(ORIGINAL, "理由。", "new_deadline"), (LATER, "  ", "reason")],
    ids=["same-deadline", "no-reason"],
)
def test_a_request_needs_a_new_date_and_a_reason(liaison_a, claimed_task, new, reason, field):
    with pytest.raises(ValidationError) as error:
        _ask(liaison_a, claimed_task, new=new, reason=reason)
    assert field in error.value.message_dict
    assert not DeadlineChange.objects.exists()


@pytest.mark.parametrize("who", ["liaison_b", "liaison_c", "leader", "office"])
def test_only_the_lead_units_liaison_may_ask(request, claimed_task, who):
    with pytest.raises(PermissionDenied):
        _ask(request.getfixturevalue(who), claimed_task)
    assert not DeadlineChange.objects.exists()


@pytest.mark.parametrize("who", ["liaison_a", "leader"])
def test_only_the_office_may_decide(request, liaison_a, claimed_task, who):
    change = _ask(liaison_a, claimed_task)
    with pytest.raises(PermissionDenied):
        services.deadline_change_decide(
            actor=request.getfixturevalue(who), change=change, approve=True
        )
    assert DeadlineChange.objects.get(pk=change.pk).state == RequestState.PENDING


def test_a_closed_task_keeps_its_deadline(office, liaison_a, claimed_task):
    f.close(office, liaison_a, claimed_task)
    with pytest.raises(ValidationError, match="This task is closed"):
        _ask(liaison_a, claimed_task)


def test_the_pages_show_the_request_the_decision_and_the_count(
    as_, office, liaison_a, claimed_task
):
    liaison = as_(liaison_a)
    response = liaison.post(
        f"/tasks/{claimed_task.pk}/deadline/",
        {"new_deadline": LATER.isoformat(), "reason": "土地报批未完成。"},
    )
    assert response.status_code == 302
    change = DeadlineChange.objects.get(task=claimed_task)

    inbox = as_(office).get("/inbox/")
    assert inbox.context["box"].deadline_requests == [change]
    response = as_(office).post(
        f"/deadline-changes/{change.pk}/decide/", {"decision": "approve", "comment": "同意。"}
    )
    assert response.status_code == 302

    html = liaison.get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert f'<strong class="">{LATER:%Y-%m-%d}</strong>' in html
    assert f"(originally {ORIGINAL:%Y-%m-%d})" in html
    assert "moved 1 time" in html
    assert liaison.get("/inbox/").context["box"].decisions == [
        DeadlineChange.objects.get(pk=change.pk)
    ]


def test_a_second_request_on_the_page_is_refused_with_the_reason(as_, liaison_a, claimed_task):
    _ask(liaison_a, claimed_task)
    before = f.snapshot()
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/deadline/",
        {"new_deadline": (LATER + dt.timedelta(days=3)).isoformat(), "reason": "再申请。"},
    )
    assert response.status_code == 400
    assert "already waiting for a decision" in response.content.decode()
    assert f.snapshot() == before
