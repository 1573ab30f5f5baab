"""What is asked and decided on a task through the API: deadline changes,
leaders' instructions, supervision notices and appeals against warnings;
and the meetings that assign tasks. Each operation is one service call."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from ninja import File, Form, Router, Schema, UploadedFile

from duban.supervision import services as supervision
from duban.supervision.models import SupervisionNotice, WarningAppeal
from duban.supervision.queries import active_warnings
from duban.work import queries, services
from duban.work.models import CloseRequest, DeadlineChange, Instruction

from .common import caller, scoped_task
from .idempotency import answer_once
from .schemas import (
    AnswerIn,
    AppealDecisionIn,
    AppealIn,
    AppealOut,
    CloseDecisionIn,
    CloseRequestOut,
    DeadlineRequestIn,
    DeadlineRequestOut,
    DecisionIn,
    Id,
    InstructionIn,
    InstructionOut,
    MeetingOut,
    NoticeIn,
    NoticeOut,
    Text,
)

router = Router()

Answer = tuple[int, type[Schema], Any]


def _notice(notice: SupervisionNotice) -> dict[str, Any]:
    return {
        **{name: getattr(notice, name) for name in NoticeOut.model_fields if name != "number"},
        "number": str(notice),
    }


# --- meetings -----------------------------------------------------------------------


@router.get(
    "/meetings",
    response=list[MeetingOut],
    tags=["meetings"],
    summary="The meetings you may see, the latest first",
)
def meeting_list(request: HttpRequest) -> Any:
    return queries.visible_meetings(caller(request)).order_by("-date", "-id")[:200]


@router.get(
    "/meetings/{meeting_id}",
    response=MeetingOut,
    tags=["meetings"],
    summary="One meeting (its tasks: /tasks?meeting=ID)",
)
def meeting_read(request: HttpRequest, meeting_id: Id) -> Any:
    return get_object_or_404(queries.visible_meetings(caller(request)), pk=meeting_id)


# --- deadline changes ---------------------------------------------------------------


@router.get(
    "/tasks/{task_id}/deadline-requests",
    response=list[DeadlineRequestOut],
    tags=["requests"],
    summary="A task's requests for a new deadline",
)
def deadline_list(request: HttpRequest, task_id: Id) -> Any:
    return list(
        scoped_task(caller(request), task_id).deadline_changes.order_by("-requested_at", "-id")
    )


@router.post(
    "/tasks/{task_id}/deadline-requests",
    response={201: DeadlineRequestOut},
    tags=["requests"],
    summary="Ask for a new deadline (the lead unit's liaison)",
)
def deadline_ask(request: HttpRequest, task_id: Id, data: DeadlineRequestIn) -> HttpResponse:
    person = caller(request)

    def ask() -> Answer:
        change = services.deadline_change_request(
            actor=person,
            task=scoped_task(person, task_id),
            new_deadline=data.new_deadline,
            reason=data.reason,
        )
        return 201, DeadlineRequestOut, change

    return answer_once(request, ask)


@router.post(
    "/deadline-requests/{request_id}/decide",
    response=DeadlineRequestOut,
    tags=["requests"],
    summary="Approve or refuse a new deadline (the office)",
)
def deadline_decide(request: HttpRequest, request_id: Id, data: DecisionIn) -> HttpResponse:
    person = caller(request)
    change = get_object_or_404(
        DeadlineChange.objects.filter(task__in=queries.visible_tasks(person)), pk=request_id
    )

    def decide() -> Answer:
        done = services.deadline_change_decide(
            actor=person, change=change, approve=data.approve, comment=data.comment
        )
        return 200, DeadlineRequestOut, done

    return answer_once(request, decide)


# --- closing with evidence ---------------------------------------------------------


def _close(close: CloseRequest) -> dict[str, Any]:
    return {
        **{n: getattr(close, n) for n in CloseRequestOut.model_fields if n != "evidence"},
        "evidence": [a.original_name for a in close.attachments.all()],
    }


@router.get(
    "/tasks/{task_id}/close-requests",
    response=list[CloseRequestOut],
    tags=["requests"],
    summary="A task's requests to close it",
)
def close_list(request: HttpRequest, task_id: Id) -> Any:
    task = scoped_task(caller(request), task_id)
    rows = task.close_requests.prefetch_related("attachments").order_by("-requested_at", "-id")
    return [_close(c) for c in rows]


@router.post(
    "/tasks/{task_id}/close-requests",
    response={201: CloseRequestOut},
    tags=["requests"],
    summary="Ask to close a task, with the evidence (the lead unit's liaison)",
    description=(
        "multipart/form-data: `summary` and one or more `evidence` files (PDF, images, "
        "Office files; each checked by type, content and size as on the pages)."
    ),
)
def close_ask(
    request: HttpRequest,
    task_id: Id,
    summary: Form[Text],
    evidence: File[list[UploadedFile]],
) -> HttpResponse:
    person = caller(request)

    def ask() -> Answer:
        made = services.close_request_create(
            actor=person, task=scoped_task(person, task_id), summary=summary, files=evidence
        )
        return 201, CloseRequestOut, _close(made)

    return answer_once(request, ask)


@router.post(
    "/close-requests/{request_id}/decide",
    response=CloseRequestOut,
    tags=["requests"],
    summary="Close the task, or send it back (the office)",
)
def close_decide(request: HttpRequest, request_id: Id, data: CloseDecisionIn) -> HttpResponse:
    person = caller(request)
    close = get_object_or_404(
        CloseRequest.objects.filter(task__in=queries.visible_tasks(person)), pk=request_id
    )

    def decide() -> Answer:
        done = services.close_request_decide(
            actor=person,
            request=close,
            accept=data.accept,
            comment=data.comment,
            set_complete=data.set_complete,
        )
        return 200, CloseRequestOut, _close(done)

    return answer_once(request, decide)


# --- instructions -------------------------------------------------------------------


@router.get(
    "/tasks/{task_id}/instructions",
    response=list[InstructionOut],
    tags=["instructions"],
    summary="Leaders' instructions on a task",
)
def instruction_list(request: HttpRequest, task_id: Id) -> Any:
    return list(scoped_task(caller(request), task_id).instructions.order_by("-created_at", "-id"))


@router.post(
    "/tasks/{task_id}/instructions",
    response={201: InstructionOut},
    tags=["instructions"],
    summary="Write an instruction on a task (a leader)",
)
def instruction_write(request: HttpRequest, task_id: Id, data: InstructionIn) -> HttpResponse:
    person = caller(request)

    def write() -> Answer:
        made = services.instruction_create(
            actor=person, task=scoped_task(person, task_id), text=data.text
        )
        return 201, InstructionOut, made

    return answer_once(request, write)


@router.post(
    "/instructions/{instruction_id}/read",
    response=InstructionOut,
    tags=["instructions"],
    summary="Mark an instruction read (the lead unit's liaison)",
)
def instruction_read(request: HttpRequest, instruction_id: Id) -> HttpResponse:
    person = caller(request)
    found = get_object_or_404(
        Instruction.objects.filter(task__in=queries.visible_tasks(person)), pk=instruction_id
    )

    def read() -> Answer:
        services.instruction_mark_read(actor=person, instruction=found)
        return 200, InstructionOut, Instruction.objects.get(pk=found.pk)

    return answer_once(request, read)


# --- supervision notices ------------------------------------------------------------


@router.get(
    "/tasks/{task_id}/notices",
    response=list[NoticeOut],
    tags=["notices"],
    summary="A task's supervision notices",
)
def notice_list(request: HttpRequest, task_id: Id) -> Any:
    task = scoped_task(caller(request), task_id)
    return [_notice(n) for n in task.notices.order_by("-issued_at", "-id")]


@router.post(
    "/tasks/{task_id}/notices",
    response={201: NoticeOut},
    tags=["notices"],
    summary="Issue a supervision notice (督办单) on a task (the office)",
)
def notice_issue(request: HttpRequest, task_id: Id, data: NoticeIn) -> HttpResponse:
    person = caller(request)

    def issue() -> Answer:
        notice = supervision.notice_issue(
            actor=person,
            task=scoped_task(person, task_id),
            reason=data.reason,
            answer_by=data.answer_by,
        )
        return 201, NoticeOut, _notice(notice)

    return answer_once(request, issue)


@router.post(
    "/notices/{notice_id}/answer",
    response=NoticeOut,
    tags=["notices"],
    summary="Answer a supervision notice (the lead unit's liaison)",
)
def notice_answer(request: HttpRequest, notice_id: Id, data: AnswerIn) -> HttpResponse:
    person = caller(request)
    notice = get_object_or_404(
        SupervisionNotice.objects.filter(task__in=queries.visible_tasks(person)), pk=notice_id
    )

    def answer() -> Answer:
        done = supervision.notice_answer(actor=person, notice=notice, answer=data.answer)
        return 200, NoticeOut, _notice(done)

    return answer_once(request, answer)


# --- appeals ------------------------------------------------------------------------


@router.post(
    "/warnings/{warning_id}/appeals",
    response={201: AppealOut},
    tags=["warnings"],
    summary="Appeal against a warning (the lead unit's liaison)",
)
def appeal_file(request: HttpRequest, warning_id: Id, data: AppealIn) -> HttpResponse:
    person = caller(request)
    warning = get_object_or_404(active_warnings(person), pk=warning_id)

    def appeal() -> Answer:
        made = supervision.appeal_file(actor=person, warning=warning, reason=data.reason)
        return 201, AppealOut, made

    return answer_once(request, appeal)


@router.post(
    "/appeals/{appeal_id}/decide",
    response=AppealOut,
    tags=["warnings"],
    summary="Withdraw the warning or uphold it (the office)",
)
def appeal_decide(request: HttpRequest, appeal_id: Id, data: AppealDecisionIn) -> HttpResponse:
    person = caller(request)
    appeal = get_object_or_404(
        WarningAppeal.objects.filter(warning__task__in=queries.visible_tasks(person)), pk=appeal_id
    )

    def decide() -> Answer:
        done = supervision.appeal_decide(
            actor=person, appeal=appeal, withdraw=data.withdraw, comment=data.comment
        )
        return 200, AppealOut, done

    return answer_once(request, decide)
