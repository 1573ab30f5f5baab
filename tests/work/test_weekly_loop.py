"""The whole weekly loop once, through the services: assign → claim → report →
return → report again → accept → ask to close with evidence → close."""

from __future__ import annotations

from decimal import Decimal

from duban.work import services
from duban.work.models import (
    CloseRequest,
    EventKind,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    TaskState,
)

from .. import factories as f


def test_a_task_goes_round_the_whole_loop_and_leaves_a_timeline(
    office, liaison_a, plan, task, clock
):
    # Assigned by the office at the weekly meeting.
    assert task.state == TaskState.ASSIGNED
    assert task.claimed_at is None
    assert task.created_by == office

    # Claimed by unit A's liaison the next morning.
    clock.move_to(f.at(2026, 3, 19, 9))
    services.task_claim(actor=liaison_a, task=task)
    task.refresh_from_db()
    assert task.state == TaskState.IN_PROGRESS
    assert task.claimed_at == f.at(2026, 3, 19, 9)
    assert task.claimed_by == liaison_a

    # This week's report: 30%.
    clock.move_to(f.at(2026, 3, 20, 16))
    report = f.report(liaison_a, task, period=f.THIS_WEEK, percent="30", text="完成选址论证。")
    assert report.state == ReportState.SUBMITTED
    assert report.submitted_at == f.at(2026, 3, 20, 16)
    assert not report.is_late
    task.refresh_from_db()
    plan.refresh_from_db()
    # Awaiting review: not the task's progress until the office accepts it.
    assert task.progress == Decimal("0")
    assert plan.progress == Decimal("0")

    # The office returns it.
    clock.move_to(f.at(2026, 3, 21, 10))
    services.report_review(actor=office, report=report, accept=False, comment="请补充佐证材料。")
    report.refresh_from_db()
    assert report.state == ReportState.RETURNED
    assert report.review_comment == "请补充佐证材料。"
    assert report.return_count == 1
    task.refresh_from_db()
    assert task.progress == Decimal("0")

    # Revised and submitted again for the same period: the same report, edited in place.
    clock.move_to(f.at(2026, 3, 21, 15))
    again = f.report(liaison_a, task, period=f.THIS_WEEK, percent="35", text="补充了选址材料。")
    assert again.pk == report.pk
    assert again.state == ReportState.SUBMITTED
    assert again.first_submitted_at == f.at(2026, 3, 20, 16)
    assert again.submitted_at == f.at(2026, 3, 21, 15)
    assert ProgressReport.objects.filter(task=task).count() == 1

    # Accepted.
    services.report_review(actor=office, report=again, accept=True)
    again.refresh_from_db()
    assert again.state == ReportState.ACCEPTED
    assert again.reviewed_by == office
    task.refresh_from_db()
    assert task.progress == Decimal("35")

    # Done: unit A asks to close, with evidence.
    clock.move_to(f.at(2026, 4, 10, 11))
    request = services.close_request_create(
        actor=liaison_a, task=task, summary="平台已建成投用。", files=[f.pdf("验收报告.pdf")]
    )
    task.refresh_from_db()
    assert task.state == TaskState.CLOSING
    assert request.state == RequestState.PENDING
    assert [a.original_name for a in request.attachments.all()] == ["验收报告.pdf"]

    # The office checks the evidence and closes it (办结销号), choosing 100 %.
    clock.move_to(f.at(2026, 4, 11, 9))
    services.close_request_decide(actor=office, request=request, accept=True, set_complete=True)
    task.refresh_from_db()
    plan.refresh_from_db()
    assert task.state == TaskState.CLOSED
    assert task.closed_at == f.at(2026, 4, 11, 9)
    assert task.claimed_at == f.at(2026, 3, 19, 9), "claiming is remembered after closing"
    assert task.progress == Decimal("100")
    assert plan.progress == Decimal("100")
    assert CloseRequest.objects.get(pk=request.pk).state == RequestState.APPROVED

    # The timeline tells the story in order.
    assert list(task.events.values_list("kind", flat=True)) == [
        EventKind.CREATED,
        EventKind.CLAIMED,
        EventKind.REPORT_SUBMITTED,
        EventKind.REPORT_RETURNED,
        EventKind.REPORT_SUBMITTED,
        EventKind.REPORT_ACCEPTED,
        EventKind.CLOSE_REQUESTED,
        EventKind.CLOSED,
    ]
    returned = task.events.get(kind=EventKind.REPORT_RETURNED)
    assert returned.actor == office
    assert returned.text == "请补充佐证材料。"
    assert returned.data["period"] == f.THIS_WEEK

    # And every version of the task and of the report is kept.
    reasons = list(
        task.history.order_by("history_date", "history_id").values_list(
            "history_change_reason", flat=True
        )
    )
    assert reasons == ["created", "claimed", "close_requested", "closed"]
    assert Task.objects.get(pk=task.pk).history.count() == 4
    report_states = list(
        report.history.order_by("history_date", "history_id").values_list("state", flat=True)
    )
    assert report_states == ["submitted", "returned", "submitted", "accepted"]


def test_the_task_page_shows_each_step_of_the_loop(as_, office, liaison_a, task):
    liaison = as_(liaison_a)
    assert liaison.post(f"/tasks/{task.pk}/claim/").status_code == 302
    response = liaison.post(
        f"/tasks/{task.pk}/report/",
        {"period": f.THIS_WEEK, "text": "完成选址论证。", "percent": "30", "submit": "1"},
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=task)

    office_client = as_(office)
    response = office_client.post(
        f"/reports/{report.pk}/review/", {"decision": "return", "comment": "请补充材料。"}
    )
    assert response.status_code == 302
    assert liaison.get("/inbox/").context["box"].returned == [report]

    seen = liaison.get(f"/tasks/{task.pk}/report/?period={f.THIS_WEEK}").context["form"]
    response = liaison.post(
        f"/tasks/{task.pk}/report/",
        {
            "period": f.THIS_WEEK,
            "text": "已补充。",
            "percent": "40",
            "submit": "1",
            "version": seen["version"].value(),
        },
    )
    assert response.status_code == 302
    office_client.post(f"/reports/{report.pk}/review/", {"decision": "accept"})
    response = liaison.post(
        f"/tasks/{task.pk}/close/", {"summary": "平台已建成。", "attachments": [f.pdf()]}
    )
    assert response.status_code == 302
    close = CloseRequest.objects.get(task=task)
    office_client.post(
        f"/close-requests/{close.pk}/decide/", {"decision": "approve", "set_complete": "1"}
    )

    page = office_client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    kinds = [e.kind for e in page.context["events"]]
    assert kinds == [
        "closed",
        "close_requested",
        "report_accepted",
        "report_submitted",
        "report_returned",
        "report_submitted",
        "claimed",
        "created",
    ]
    html = page.content.decode()
    assert "Closed with evidence" in html
    assert 'data-testid="progress">100%' in html
