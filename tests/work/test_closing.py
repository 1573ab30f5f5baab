"""Closing with evidence (办结销号): the unit asks with evidence, the office
verifies and closes or sends it back. Closed tasks leave the lists but stay findable."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.work import services
from duban.work.models import CloseRequest, EventKind, RequestState, TaskState

from .. import factories as f


def _ask(liaison, task, files=None):
    return services.close_request_create(
        actor=liaison,
        task=task,
        summary="平台已建成投用。",
        files=[f.pdf()] if files is None else files,
    )


def test_closing_needs_evidence(liaison_a, claimed_task):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        _ask(liaison_a, claimed_task, files=[])
    assert error.value.message_dict == {
        "attachments": ["Attach the evidence that the task is done."]
    }
    assert f.snapshot() == before


def test_closing_needs_a_summary(liaison_a, claimed_task):
    with pytest.raises(ValidationError) as error:
        services.close_request_create(
            actor=liaison_a, task=claimed_task, summary=" ", files=[f.pdf()]
        )
    assert error.value.message_dict == {"summary": ["Describe what was done."]}


def test_the_page_asks_for_evidence_and_keeps_the_summary(as_, liaison_a, claimed_task):
    before = f.snapshot()
    response = as_(liaison_a).post(f"/tasks/{claimed_task.pk}/close/", {"summary": "平台已建成。"})
    assert response.status_code == 400
    html = response.content.decode()
    assert "Attach the evidence that the task is done." in html
    assert "平台已建成。</textarea>" in html
    assert f.snapshot() == before


def test_an_approved_request_closes_the_task_at_the_figure_the_unit_last_reported(
    office, liaison_a, claimed_task, plan
):
    f.accepted(office, liaison_a, claimed_task, period=f.LAST_WEEK, percent="30")
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK, percent="35")  # awaiting review
    request = _ask(liaison_a, claimed_task)
    claimed_task.refresh_from_db()
    assert claimed_task.state == TaskState.CLOSING
    services.close_request_decide(actor=office, request=request, accept=True)
    claimed_task.refresh_from_db()
    assert claimed_task.state == TaskState.CLOSED
    assert claimed_task.closed_at == f.NOW
    assert claimed_task.progress == Decimal("35"), "not 100 % unasked"
    assert Decimal(str(plan.__class__.objects.get(pk=plan.pk).progress)) == Decimal("35")
    decided = CloseRequest.objects.get(pk=request.pk)
    assert (decided.final_progress, decided.set_complete) == (Decimal("35"), False)
    closed = claimed_task.events.get(kind=EventKind.CLOSED)
    assert closed.data == {"percent": "35.0", "complete": False}


def test_the_office_may_choose_to_close_at_100(office, liaison_a, claimed_task):
    f.accepted(office, liaison_a, claimed_task, percent="35")
    request = _ask(liaison_a, claimed_task)
    services.close_request_decide(actor=office, request=request, accept=True, set_complete=True)
    claimed_task.refresh_from_db()
    assert claimed_task.progress == Decimal("100")
    assert CloseRequest.objects.get(pk=request.pk).set_complete
    assert claimed_task.events.get(kind=EventKind.CLOSED).data["complete"] is True


def test_a_task_closed_without_any_report_stays_at_zero(office, liaison_a, claimed_task):
    closed = f.close(office, liaison_a, claimed_task)
    assert closed.progress == Decimal("0")


def test_the_close_decision_on_the_page_sets_100_only_when_ticked(
    as_, office, liaison_a, claimed_task, unit_a
):
    f.accepted(office, liaison_a, claimed_task, percent="35")
    request = _ask(liaison_a, claimed_task)
    page = as_(office).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert (
        'name="set_complete"' in page and "checked" not in page.split('name="set_complete"')[1][:40]
    )
    assert "Set progress to 100% (the unit last reported 35%)" in page
    as_(office).post(f"/close-requests/{request.pk}/decide/", {"decision": "approve"})
    claimed_task.refresh_from_db()
    assert claimed_task.progress == Decimal("35")
    html = as_(office).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert "Closed at 35%, as the unit last reported" in html

    other = f.claimed(office, liaison_a, unit_a)
    f.accepted(office, liaison_a, other, percent="35")
    ticked = _ask(liaison_a, other)
    as_(office).post(
        f"/close-requests/{ticked.pk}/decide/", {"decision": "approve", "set_complete": "1"}
    )
    other.refresh_from_db()
    assert other.progress == Decimal("100")
    html = as_(office).get(f"/tasks/{other.pk}/").content.decode()
    assert "Progress set to 100% by the office at closing" in html


def test_a_closed_parent_keeps_its_roll_up_and_a_later_acceptance_moves_nothing(
    office, liaison_a, plan, unit_a
):
    parent = f.task(office, unit_a, plan=plan)
    one = f.claimed(office, liaison_a, unit_a, parent=parent)
    two = f.claimed(office, liaison_a, unit_a, parent=parent)
    f.accepted(office, liaison_a, one, percent="80")
    f.accepted(office, liaison_a, two, percent="40")
    services.task_claim(actor=liaison_a, task=parent)
    request = _ask(liaison_a, parent)
    services.close_request_decide(actor=office, request=request, accept=True)
    assert parent.__class__.objects.get(pk=parent.pk).progress == Decimal("60.0")
    f.accepted(office, liaison_a, two, period=f.LAST_WEEK, percent="30")
    assert parent.__class__.objects.get(pk=parent.pk).progress == Decimal("60.0")


def test_a_request_sent_back_returns_the_task_to_in_progress(office, liaison_a, claimed_task):
    f.accepted(office, liaison_a, claimed_task, percent="90")
    request = _ask(liaison_a, claimed_task)
    with pytest.raises(ValidationError, match="Say why the task is sent back"):
        services.close_request_decide(actor=office, request=request, accept=False)
    services.close_request_decide(
        actor=office, request=request, accept=False, comment="缺少验收报告。"
    )
    claimed_task.refresh_from_db()
    assert claimed_task.state == TaskState.IN_PROGRESS
    assert claimed_task.closed_at is None
    assert claimed_task.progress == Decimal("90")
    assert CloseRequest.objects.get(pk=request.pk).state == RequestState.REJECTED
    assert claimed_task.events.last().kind == EventKind.CLOSE_RETURNED
    # Sent back, the unit may report again and ask again.
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="95")
    assert _ask(liaison_a, claimed_task).state == RequestState.PENDING


def test_only_a_task_in_progress_can_be_put_forward(liaison_a, task):
    with pytest.raises(ValidationError, match="Only a claimed task in progress"):
        _ask(liaison_a, task)
    services.task_claim(actor=liaison_a, task=task)
    _ask(liaison_a, task)
    with pytest.raises(ValidationError, match="Only a claimed task in progress"):
        _ask(liaison_a, task)
    assert CloseRequest.objects.filter(task=task).count() == 1


@pytest.mark.parametrize("who", ["liaison_b", "liaison_c", "leader", "office"])
def test_only_the_lead_units_liaison_may_ask_to_close(request, claimed_task, who):
    with pytest.raises(PermissionDenied):
        _ask(request.getfixturevalue(who), claimed_task)


@pytest.mark.parametrize("who", ["liaison_a", "leader"])
def test_only_the_office_may_close(request, liaison_a, claimed_task, who):
    close = _ask(liaison_a, claimed_task)
    with pytest.raises(PermissionDenied):
        services.close_request_decide(
            actor=request.getfixturevalue(who), request=close, accept=True
        )
    claimed_task.refresh_from_db()
    assert claimed_task.state == TaskState.CLOSING


def test_the_evidence_can_be_downloaded_by_those_who_see_the_task(
    as_, office, leader, liaison_a, liaison_b, liaison_c, claimed_task
):
    close = _ask(liaison_a, claimed_task)
    attachment = close.attachments.get()
    for who in (office, leader, liaison_a, liaison_c):
        response = as_(who).get(f"/attachments/{attachment.pk}/")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == f.PDF_BYTES
        assert response["Content-Type"] == "application/pdf"
    assert as_(liaison_b).get(f"/attachments/{attachment.pk}/").status_code == 404


@pytest.fixture
def closed_task(office, liaison_a, claimed_task):
    return f.close(office, liaison_a, claimed_task)


def _listed(client, query=""):
    response = client.get(f"/tasks/{query}")
    assert response.status_code == 200
    return [t.pk for t in response.context["page"].object_list]


def test_a_closed_task_leaves_the_default_list(as_, office, liaison_a, closed_task, unit_a):
    open_task = f.task(office, unit_a)
    assert _listed(as_(office)) == [open_task.pk]
    assert _listed(as_(liaison_a)) == [open_task.pk]


@pytest.mark.parametrize(
    "query", ["?q=科技创新", "?q=innovation", "?q=1.1", "?q=发展改革局"], ids=str
)
def test_a_closed_task_is_found_by_search(as_, office, closed_task, query):
    assert _listed(as_(office), query) == [closed_task.pk]


def test_a_closed_task_is_listed_with_the_include_closed_filter(as_, office, closed_task, unit_a):
    open_task = f.task(office, unit_a)
    assert sorted(_listed(as_(office), "?closed=on")) == sorted([closed_task.pk, open_task.pk])
    assert _listed(as_(office), "?state=closed") == [closed_task.pk]


def test_a_closed_task_page_shows_it_closed_and_offers_no_more_actions(as_, liaison_a, closed_task):
    html = as_(liaison_a).get(f"/tasks/{closed_task.pk}/").content.decode()
    assert "Closed" in html
    assert 'data-testid="report"' not in html
    assert 'data-testid="ask-close"' not in html
    assert 'data-testid="ask-deadline"' not in html
