"""Appeals (申诉): a unit appeals a warning; the office upholds it (with a reason)
or withdraws it, and a withdrawn warning counts nowhere."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.supervision import services
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from duban.work import services as work
from tests import factories as f


@pytest.fixture
def postponed(office, liaison_a, claimed_task):
    """A task whose deadline moved twice: the postponement warning fires."""
    for days in (10, 20):
        change = work.deadline_change_request(
            actor=liaison_a,
            task=type(claimed_task).objects.get(pk=claimed_task.pk),
            new_deadline=claimed_task.deadline + dt.timedelta(days=days),
            reason="施工许可延后",
        )
        work.deadline_change_decide(actor=office, change=change, approve=True)
    f.report(liaison_a, claimed_task, percent="50")
    scan()
    return TaskWarning.objects.get(task=claimed_task, rule="postponed", cleared_at__isnull=True)


def test_a_withdrawn_warning_counts_nowhere_and_is_not_raised_again(
    as_, office, liaison_a, postponed
):
    appeal = services.appeal_file(actor=liaison_a, warning=postponed, reason="两次延期均经批准。")
    services.appeal_decide(actor=office, appeal=appeal, withdraw=True)
    postponed.refresh_from_db()
    assert postponed.withdrawn_at is not None
    assert [e.kind for e in postponed.events.all()] == ["raised", "withdrawn"]

    board = as_(office).get("/warnings/")
    assert postponed not in board.context["page"].object_list
    others = TaskWarning.objects.filter(
        task=postponed.task, cleared_at__isnull=True, withdrawn_at__isnull=True
    ).exclude(pk=postponed.pk)
    expected = max((w.level for w in others), default=None)
    listed = as_(office).get("/tasks/").context["page"].object_list
    assert next(t for t in listed if t.pk == postponed.task_id).warning_level == expected
    assert postponed not in as_(liaison_a).get("/inbox/").context["box"].warnings

    scan()  # the condition lasts, but the withdrawn warning keeps its place
    assert TaskWarning.objects.filter(task=postponed.task, rule="postponed").count() == 1


def test_an_upheld_warning_stays_and_needs_a_reason(office, liaison_a, postponed):
    appeal = services.appeal_file(actor=liaison_a, warning=postponed, reason="理由")
    with pytest.raises(ValidationError):
        services.appeal_decide(actor=office, appeal=appeal, withdraw=False)
    services.appeal_decide(
        actor=office, appeal=appeal, withdraw=False, comment="延期过多，预警维持。"
    )
    postponed.refresh_from_db()
    assert postponed.withdrawn_at is None
    appeal.refresh_from_db()
    assert appeal.state == "upheld"


def test_one_appeal_at_a_time_only_by_the_lead_unit(office, liaison_a, liaison_b, postponed):
    with pytest.raises(PermissionDenied):
        services.appeal_file(actor=liaison_b, warning=postponed, reason="x")
    with pytest.raises(PermissionDenied):
        services.appeal_file(actor=office, warning=postponed, reason="x")
    appeal = services.appeal_file(actor=liaison_a, warning=postponed, reason="x")
    with pytest.raises(ValidationError):
        services.appeal_file(actor=liaison_a, warning=postponed, reason="again")
    with pytest.raises(PermissionDenied):
        services.appeal_decide(actor=liaison_a, appeal=appeal, withdraw=True)


def test_the_appeal_goes_through_the_pages(as_, office, liaison_a, postponed):
    client = as_(liaison_a)
    assert client.post(f"/warnings/{postponed.pk}/appeal/", {"reason": ""}).status_code == 400
    assert client.post(f"/warnings/{postponed.pk}/appeal/", {"reason": "已批准"}).status_code == 302
    inbox = as_(office).get("/inbox/").context["box"]
    assert len(inbox.appeals) == 1
    decided = as_(office).post(f"/appeals/{inbox.appeals[0].pk}/decide/", {"decision": "withdraw"})
    assert decided.status_code == 302
    postponed.refresh_from_db()
    assert postponed.withdrawn_at is not None
