"""/api/v1/: the office's record for programs, through the same services and
scoped queries as the pages (a liaison's token sees what the liaison sees).

Signed in with a personal access token (``Authorization: Bearer dbn_…``) or
the browser session (with its CSRF token). Reads carry an ``ETag``; edits
need ``If-Match`` (412 when someone else saved first); a POST with an
``Idempotency-Key`` is done once however often it is retried. Errors are
``application/problem+json`` in the caller's language.
"""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, NinjaAPI, Query, Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as SchemaError
from ninja.security import HttpBearer, SessionAuth
from ninja.throttling import AuthRateThrottle

from duban.lib import deadlines
from duban.org.models import Person, Unit
from duban.supervision.explain import warning_reason
from duban.supervision.queries import active_warnings, with_warning_level
from duban.work import queries, services
from duban.work.models import ProgressReport, Task, awaiting_review

from . import cursor
from .common import caller as _person
from .common import scoped_task as _task
from .directory import router as directory_router
from .figures import router as figures_router
from .idempotency import answer_once, render
from .problems import PROBLEM as PROBLEM_TYPE
from .problems import problem
from .projects import router as projects_router
from .requests import router as requests_router
from .schemas import (
    Id,
    MeOut,
    ReportIn,
    ReportOut,
    ReviewIn,
    TaskIn,
    TaskOut,
    TaskPage,
    TaskPatch,
    Text,
    UnitOut,
    WarningPage,
)
from .tokens import token_find
from .versions import if_match as _if_match
from .versions import read as _read

SAFE = ("GET", "HEAD", "OPTIONS")


class TokenAuth(HttpBearer):
    """A personal access token; a read-only one may not write."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = token_find(token, request)
        if found is None:
            return None
        if request.method not in SAFE and not found.can_write:
            raise HttpError(403, _("This token may only read."))
        request.user = found.person
        request.api_token = found  # type: ignore[attr-defined]
        return found


class Session(SessionAuth):
    """The browser session (the pages' own sign-in), CSRF-checked on writes."""

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


class PerCaller(AuthRateThrottle):
    """Requests per token (or session) per minute (``DUBAN_API_RATE``),
    counted in a cache every worker process shares.

    A sliding window of two counts (this minute's and the last one's, the last
    weighed by how much of it still falls within a minute of now), not
    ninja's list of every request's time: that list, read and written back
    on every request, grew with the rate allowed (6,000 times for 6,000 a
    minute)."""

    @property
    def cache(self) -> Any:  # type: ignore[override]
        return caches["api"]

    def allow_request(self, request: HttpRequest) -> bool:
        key = self.get_cache_key(request)
        duration, limit = float(self.duration or 60), int(self.num_requests or 0)
        now = self.timer()  # type: ignore[misc]
        window = int(now // duration)
        start, this, before = self.cache.get(key) or (window, 0, 0)
        if start != window:
            this, before = 0, (this if start == window - 1 else 0)
        elapsed = now - window * duration
        if before * (1 - elapsed / duration) + this >= limit:
            # Whole seconds, strictly after the count falls below the limit.
            self._wait = math.floor(_wait(duration, limit, elapsed, this, before)) + 1
            return False
        self.cache.set(key, (window, this + 1, before), int(2 * duration))
        return True

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)


def _wait(duration: float, limit: int, elapsed: float, this: int, before: int) -> float:
    """Seconds until the window's count falls below ``limit`` with no more requests."""
    if this < limit and before:
        # Later this minute, as less of the last one counts.
        seconds = duration * (1 - (limit - this) / before) - elapsed
        if seconds < duration - elapsed:
            return max(0.0, seconds)
    # Next minute, once enough of this one has slid out.
    later = max(0.0, duration * (1 - limit / this)) if this else 0.0
    return duration - elapsed + later

    def get_cache_key(self, request: HttpRequest) -> str:
        token = getattr(request, "api_token", None)
        ident = f"t{token.pk}" if token is not None else f"p{request.user.pk}"
        return self.cache_format % {"scope": self.scope, "ident": ident}


PROBLEM_SCHEMA = {
    "type": "object",
    "description": "An error (RFC 9457), worded in the caller's language",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "object",
            "description": "The reasons, per field",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        },
    },
}


class DubanApi(NinjaAPI):
    """The document says what every operation may answer besides its result:
    a problem (4XX, ``application/problem+json``), and 304 for a read with an ETag."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):  # type: ignore[no-untyped-def]
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        schema.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for item in schema["paths"].values():
            for operation in item.values():
                responses = operation.setdefault("responses", {})
                responses["4XX"] = {
                    "description": "A problem: the request was refused, with the reason",
                    "content": {PROBLEM_TYPE: {"schema": problem_ref}},
                }
                if "ETag" in operation.get("summary", ""):
                    responses["304"] = {"description": "Not modified since the ETag sent"}
        return schema


api = DubanApi(
    title="duban",
    version="1",
    description=(
        "The supervision office's record: units, tasks, progress reports, warnings. "
        "See docs/api.md for authentication, examples and the error format."
    ),
    urls_namespace="api-v1",
    auth=[TokenAuth(), Session()],
    throttle=[PerCaller(settings.DUBAN_API_RATE)],
    docs_url="/docs",
)


# --- errors -------------------------------------------------------------------------


def _messages(error: ValidationError) -> tuple[str, dict[str, list[str]]]:
    if hasattr(error, "error_dict"):
        fields = {
            name: [str(m) for e in errs for m in e.messages]
            for name, errs in error.error_dict.items()
        }
        return " ".join(m for ms in fields.values() for m in ms), fields
    return " ".join(str(m) for m in error.messages), {}


@api.exception_handler(services.ConflictError)
def _conflict(request: HttpRequest, error: services.ConflictError) -> HttpResponse:
    detail, _fields = _messages(error)
    return problem(412, detail)


@api.exception_handler(ValidationError)
def _refused(request: HttpRequest, error: ValidationError) -> HttpResponse:
    detail, fields = _messages(error)
    return problem(422, detail, errors=fields)


def _field_message(item: dict[str, Any]) -> str:
    """Pydantic's reason in the caller's language, from Django's own catalogue."""
    kind = str(item.get("type", ""))
    if kind == "value_error":  # our own validators' reasons (schemas.py), translated here
        return _(str((item.get("ctx") or {}).get("error", item.get("msg", ""))))
    if kind == "missing":
        return _("This field is required.")
    if kind.startswith(("decimal", "float")):
        return _("Enter a number.")
    if kind.startswith("int"):
        return _("Enter a whole number.")
    if kind.startswith("date"):
        return _("Enter a valid date.")
    if kind.startswith("bool"):
        return _("Enter true or false.")
    return str(item.get("msg", ""))


@api.exception_handler(SchemaError)
def _unreadable(request: HttpRequest, error: SchemaError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for item in error.errors:
        loc = [str(p) for p in item.get("loc", ())]
        # ("body", "data", "percent"), ("query", "page_size"), ("path", "task_id")
        parts = loc[2:] if loc[:1] == ["body"] and len(loc) > 2 else loc[1:]
        fields.setdefault(".".join(parts) or "body", []).append(_field_message(item))
    return problem(422, _("Some fields cannot be read."), errors=fields)


@api.exception_handler(PermissionDenied)
def _forbidden(request: HttpRequest, error: PermissionDenied) -> HttpResponse:
    return problem(403, str(error) or _("You may not do this."))


@api.exception_handler(Http404)
def _missing(request: HttpRequest, error: Http404) -> HttpResponse:
    return problem(404, _("There is no such record, or it is outside your scope."))


@api.exception_handler(ObjectDoesNotExist)
def _missing_row(request: HttpRequest, error: ObjectDoesNotExist) -> HttpResponse:
    return _missing(request, Http404())


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
    return problem(
        401,
        _("Sign in with a token (Authorization: Bearer …) or a browser session."),
        headers={"WWW-Authenticate": 'Bearer realm="duban"'},
    )


@api.exception_handler(Throttled)
def _throttled(request: HttpRequest, error: Throttled) -> HttpResponse:
    wait = max(1, math.ceil(error.wait or 1))
    return problem(
        429,
        _("Too many requests: try again in %(n)s seconds.") % {"n": wait},
        headers={"Retry-After": str(wait)},
    )


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, error: HttpError) -> HttpResponse:
    message = str(error)
    if message == "Cannot parse request body":  # ninja's own words
        message = _("The body cannot be read: send JSON.")
    return problem(error.status_code, message)


@api.exception_handler(cursor.BadCursor)
def _bad_cursor(request: HttpRequest, error: cursor.BadCursor) -> HttpResponse:
    return problem(400, _("This cursor cannot be read: start again from the first page."))


# --- helpers ------------------------------------------------------------------------


def _unit_ref(unit: Unit) -> dict[str, Any]:
    return {"id": unit.pk, "code": unit.code, "name": unit.name, "name_en": unit.name_en}


def _deadline_in(data: TaskIn) -> dt.date:
    """The deadline of a task assigned through the API: given, or none (long_term)."""
    if data.long_term:
        return deadlines.LONG_TERM
    if data.deadline is None:
        raise ValidationError({"deadline": _("Give a deadline, or tick long-term.")})
    return data.deadline


def _task_out(task: Task, today: dt.date) -> dict[str, Any]:
    data = {name: getattr(task, name) for name in TaskOut.model_fields if hasattr(task, name)}
    data.update(
        lead_unit=_unit_ref(task.lead_unit),
        co_unit_ids=sorted(u.pk for u in task.co_units.all()),
        long_term=task.is_long_term,
        deadline=None if task.is_long_term else task.deadline,
        original_deadline=(
            None if task.original_deadline == deadlines.LONG_TERM else task.original_deadline
        ),
        light=task.light(today),
        # Annotated by the list's query (queries.task_list); one query for one task.
        awaiting_review=(
            task.awaiting
            if hasattr(task, "awaiting")
            else Task.objects.filter(pk=task.pk)
            .annotate(awaiting=awaiting_review())
            .values_list("awaiting", flat=True)
            .first()
        ),
    )
    return data


# --- who is asking, units -----------------------------------------------------------


@api.get("/me", response=MeOut, tags=["people"], summary="The person the request acts as")
def me(request: HttpRequest) -> dict[str, Any]:
    person = _person(request)
    token = getattr(request, "api_token", None)
    return {
        "id": person.pk,
        "username": person.username,
        "full_name": person.full_name,
        "role": person.role,
        "units": [_unit_ref(u) for u in person.units.order_by("path")],
        "token": token.name if token else None,
        "token_may_write": token.can_write if token else None,
    }


@api.get("/units", response=list[UnitOut], tags=["units"], summary="The units in your scope")
def units(request: HttpRequest) -> Any:
    return queries.visible_units(_person(request)).order_by("path")


# --- tasks --------------------------------------------------------------------------

TASK_SORTS: dict[str, tuple[cursor.Key, ...]] = {
    "deadline": (cursor.Key("deadline", kind=dt.date), cursor.Key("id")),
    "-deadline": (cursor.Key("deadline", True, dt.date), cursor.Key("id", True)),
    "progress": (cursor.Key("progress", kind=Decimal), cursor.Key("id")),
    "-progress": (cursor.Key("progress", True, Decimal), cursor.Key("id")),
    "unit": (
        cursor.Key("lead_unit__path", kind=str),
        cursor.Key("deadline", kind=dt.date),
        cursor.Key("id"),
    ),
    "-updated": (cursor.Key("updated_at", True, dt.datetime), cursor.Key("id", True)),
    "id": (cursor.Key("id"),),
}


TaskSort = Literal["deadline", "-deadline", "progress", "-progress", "unit", "-updated", "id"]
assert set(TaskSort.__args__) == set(TASK_SORTS)  # type: ignore[attr-defined]


class TaskQuery(Schema):
    plan: Id | None = None
    meeting: Id | None = None
    unit: Id | None = None
    leader: Id | None = None
    state: Text = ""
    due: Text = ""
    q: Text = ""
    include_closed: bool = False
    sort: TaskSort = "deadline"
    cursor: Text | None = None
    page_size: int = 50


@api.get(
    "/tasks",
    response=TaskPage,
    tags=["tasks"],
    summary="The task list, with the pages' filters",
    description=(
        "Filters as on the task list (plan, meeting, unit, leader, state, due=week|overdue, q, "
        "include_closed). sort: deadline, -deadline, progress, -progress, unit, -updated, id. "
        "Pass `next` back as `cursor` for the next page; page_size up to 200."
    ),
)
def task_list(request: HttpRequest, query: Query[TaskQuery]) -> HttpResponse:
    if query.sort not in TASK_SORTS:
        raise HttpError(400, _("Sort by one of: %(sorts)s.") % {"sorts": ", ".join(TASK_SORTS)})
    if not 1 <= query.page_size <= 200:
        raise HttpError(400, _("page_size goes from 1 to 200."))
    filters = queries.TaskFilters(
        plan=query.plan,
        meeting=query.meeting,
        unit=query.unit,
        leader=query.leader,
        state=query.state,
        due=query.due,
        q=query.q,
        include_closed=query.include_closed,
    )
    today = timezone.localdate()
    rows = with_warning_level(queries.task_list(_person(request), filters, today))
    found, after = cursor.page(
        rows, query.sort, TASK_SORTS[query.sort], query.cursor, query.page_size
    )
    return render(200, TaskPage, {"results": [_task_out(t, today) for t in found], "next": after})


@api.get("/tasks/{task_id}", response=TaskOut, tags=["tasks"], summary="One task, with its ETag")
def task_read(request: HttpRequest, task_id: Id) -> HttpResponse:
    task = _task(_person(request), task_id)
    return _read(request, "task", task, _task_out(task, timezone.localdate()), TaskOut)


def _unit(person: Person, pk: int | None) -> Unit | None:
    if pk is None:
        return None
    return get_object_or_404(queries.visible_units(person), pk=pk)


def _units(person: Person, pks: list[int]) -> list[Unit]:
    found = list(queries.visible_units(person).filter(pk__in=pks))
    if len(found) != len(set(pks)):
        raise Http404
    return found


def _leader(pk: int | None) -> Person | None:
    if pk is None:
        return None
    leader = Person.objects.filter(pk=pk, is_active=True).first()
    if leader is None:
        raise ValidationError({"leader_id": _("There is no such leader.")})
    return leader


@api.post(
    "/tasks",
    response={201: TaskOut},
    tags=["tasks"],
    summary="Assign a task (the office)",
    description="Send an Idempotency-Key so a retried request assigns one task, not two.",
)
def task_create(request: HttpRequest, data: TaskIn) -> HttpResponse:
    person = _person(request)

    def create() -> tuple[int, type[Schema], Any]:
        lead = _unit(person, data.lead_unit_id)
        task = services.task_create(
            actor=person,
            title=data.title,
            lead_unit=lead,  # type: ignore[arg-type]
            start_date=data.start_date,
            deadline=_deadline_in(data),
            plan=get_object_or_404(queries.office_plans(person), pk=data.plan_id)
            if data.plan_id
            else None,
            parent=_task(person, data.parent_id) if data.parent_id else None,
            meeting=get_object_or_404(queries.visible_meetings(person), pk=data.meeting_id)
            if data.meeting_id
            else None,
            serial=data.serial,
            title_en=data.title_en,
            description=data.description,
            source=data.source,
            co_units=_units(person, data.co_unit_ids),
            leader=_leader(data.leader_id),
            cadence=data.cadence,
            metric=data.metric,
            metric_unit=data.metric_unit,
            target_value=data.target_value,
            weight=data.weight,
        )
        return 201, TaskOut, _task_out(_task(person, task.pk), timezone.localdate())

    return answer_once(request, create)


@api.patch(
    "/tasks/{task_id}",
    response=TaskOut,
    tags=["tasks"],
    summary="Edit a task (the office); needs If-Match",
)
def task_update(request: HttpRequest, task_id: Id, data: TaskPatch) -> HttpResponse:
    person = _person(request)
    task = _task(person, task_id)
    version = _if_match(request, "task", task)
    sent = data.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {}
    for name, value in sent.items():
        if name == "lead_unit_id":
            changes["lead_unit"] = _unit(person, value)
        elif name == "leader_id":
            changes["leader"] = _leader(value)
        elif name != "co_unit_ids":
            changes[name] = value
    co_units = _units(person, sent["co_unit_ids"]) if "co_unit_ids" in sent else None
    services.task_update(actor=person, task=task, version=version, co_units=co_units, **changes)
    fresh = _task(person, task_id)
    return _read(request, "task", fresh, _task_out(fresh, timezone.localdate()), TaskOut)


@api.post(
    "/tasks/{task_id}/claim", response=TaskOut, tags=["tasks"], summary="Claim a task (its liaison)"
)
def task_claim(request: HttpRequest, task_id: Id) -> HttpResponse:
    person = _person(request)

    def claim() -> tuple[int, type[Schema], Any]:
        services.task_claim(actor=person, task=_task(person, task_id))
        return 200, TaskOut, _task_out(_task(person, task_id), timezone.localdate())

    return answer_once(request, claim)


# --- progress reports ---------------------------------------------------------------


@api.get(
    "/tasks/{task_id}/reports",
    response=list[ReportOut],
    tags=["reports"],
    summary="A task's reports",
)
def report_list(request: HttpRequest, task_id: Id) -> Any:
    task = _task(_person(request), task_id)
    return list(task.reports.order_by("-period_start", "-id"))


@api.post(
    "/tasks/{task_id}/reports",
    response={201: ReportOut},
    tags=["reports"],
    summary="File (or save as a draft) the report for one period (the lead unit's liaison)",
    description=(
        "Files the period's report, or updates the draft or returned one (send its `version`; "
        "leave it out for a period without a report). Send an Idempotency-Key: a retried "
        "request files one report, not two."
    ),
)
def report_file(request: HttpRequest, task_id: Id, data: ReportIn) -> HttpResponse:
    person = _person(request)

    def file() -> tuple[int, type[Schema], Any]:
        report = services.report_save(
            actor=person,
            task=task_id,  # read once, in scope, under its lock (none: 404)
            period_label=data.period,
            text=data.text,
            percent=data.percent,
            value=data.value,
            no_change=data.no_change,
            decrease_reason=data.decrease_reason,
            submit=data.submit,
            version=data.version,
        )
        return 201, ReportOut, report

    return answer_once(request, file)


@api.post(
    "/reports/{report_id}/review",
    response=ReportOut,
    tags=["reports"],
    summary="Accept or return a report (the office)",
)
def report_review(request: HttpRequest, report_id: Id, data: ReviewIn) -> HttpResponse:
    person = _person(request)
    report = get_object_or_404(
        ProgressReport.objects.filter(task__in=queries.visible_tasks(person)), pk=report_id
    )

    def review() -> tuple[int, type[Schema], Any]:
        done = services.report_review(
            actor=person, report=report, accept=data.accept, comment=data.comment
        )
        return 200, ReportOut, done

    return answer_once(request, review)


# --- warnings -----------------------------------------------------------------------

WARNING_ORDER = (cursor.Key("level", True), cursor.Key("id"))


class WarningQuery(Schema):
    level: Annotated[int, Field(ge=1, le=4)] | None = None
    rule: Text = ""
    unit: Id | None = None
    cursor: Text | None = None
    page_size: int = 50


@api.get(
    "/warnings",
    response=WarningPage,
    tags=["warnings"],
    summary="The active warnings on the tasks in your scope, the worst first",
)
def warning_list(request: HttpRequest, query: Query[WarningQuery]) -> HttpResponse:
    if not 1 <= query.page_size <= 200:
        raise HttpError(400, _("page_size goes from 1 to 200."))
    rows = active_warnings(_person(request))
    if query.level is not None:
        rows = rows.filter(level=query.level)
    if query.rule:
        rows = rows.filter(rule=query.rule)
    if query.unit is not None:
        rows = rows.filter(unit_id=query.unit)
    found, after = cursor.page(rows, "warnings", WARNING_ORDER, query.cursor, query.page_size)
    results = [
        {
            "id": w.pk,
            "task_id": w.task_id,
            "unit_id": w.unit_id,
            "rule": w.rule,
            "level": w.level,
            "reason": warning_reason(w),
            "raised_at": w.raised_at,
            "changed_at": w.changed_at,
        }
        for w in found
    ]
    return render(200, WarningPage, {"results": results, "next": after})


api.add_router("/", directory_router)
api.add_router("/", requests_router)
api.add_router("/", projects_router)
api.add_router("/", figures_router)
