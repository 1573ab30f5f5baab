"""Builders for test data. Everything goes through the real services, so the
tests walk the same paths as the people using duban (STYLE.md, habit 14)."""

from __future__ import annotations

import datetime as dt
import itertools
import time
from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from duban.api.models import AnsweredRequest, ApiToken
from duban.assessment.models import (
    Adjustment,
    Assessment,
    AssessmentEvent,
    KeptFigures,
    LockedScore,
    MonthlyReview,
)
from duban.documents.models import TaskImport
from duban.lib import periods
from duban.notify.models import ChatHook, Delivery, Endpoint, Notification
from duban.org import services as org_services
from duban.org.models import Person, Unit
from duban.org.scope import SYSTEM
from duban.projects.models import (
    BatchEntry,
    BatchEvent,
    Indicator,
    IndicatorActual,
    IndicatorTarget,
    InvestmentPlan,
    InvestmentReport,
    Problem,
    Project,
)
from duban.sso.gates import LISTED as GATES_LISTED
from duban.sso.gates import PASSED as GATES_PASSED
from duban.supervision.models import SupervisionNotice, TaskWarning, WarningAppeal
from duban.work import services
from duban.work.models import (
    Attachment,
    CloseRequest,
    DeadlineChange,
    Instruction,
    Meeting,
    Milestone,
    Plan,
    ProgressReport,
    Task,
    TaskEvent,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 10, minute: int = 0, second: int = 0):
    """An aware moment on the office's clock (Asia/Shanghai)."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=SHANGHAI)


# The suite's "now": Wednesday 18 March 2026, 10:00 in Shanghai, in ISO week 2026-W12
# (16–22 March). The default task starts two weeks earlier, so W10 and W11 have ended.
NOW = at(2026, 3, 18)
TODAY = NOW.date()
THIS_WEEK = periods.period_containing(TODAY, periods.WEEKLY).label  # 2026-W12
LAST_WEEK = "2026-W11"
TWO_WEEKS_AGO = "2026-W10"

_serials = itertools.count(1)


ZONE_CODE = "ZONE"


def zone() -> Unit:
    """The top of the test tree, the office the default personas work for."""
    found = Unit.objects.filter(code=ZONE_CODE).first()
    if found:
        return found
    return org_services.unit_create(
        actor=SYSTEM,
        code=ZONE_CODE,
        name="高新区管委会",
        name_en="High-tech Zone Committee",
        kind="committee",
    )


UNDER_THE_ZONE: Any = object()


def unit(
    code: str,
    name: str,
    *,
    name_en: str = "",
    parent: Unit | None = UNDER_THE_ZONE,
    kind: str = "department",
) -> Unit:
    """A unit under ``parent``: by default under the zone (one office, as a
    single office's installation is); ``parent=None`` makes another top."""
    if parent is UNDER_THE_ZONE:
        parent = zone()
    return org_services.unit_create(
        actor=SYSTEM, code=code, name=name, name_en=name_en, kind=kind, parent=parent
    )


def person(username: str, role: str, *, units: Iterable[Unit] = (), full_name: str = "") -> Person:
    return org_services.person_create(
        actor=SYSTEM,
        username=username,
        role=role,
        units=list(units),
        full_name=full_name or username,
    )


def signed_in(who: Person | None, **defaults: Any) -> Client:
    """A test client signed in as ``who`` (anonymous when None)."""
    client = Client(**defaults)
    if who is not None:
        client.force_login(who)
        # Fully signed in: past the second factor and any new password
        # (tests/sso/test_account.py signs in through those pages).
        session = client.session
        session[GATES_PASSED] = True
        session[GATES_LISTED] = time.time()
        session.save()
    return client


def plan(office: Person, title: str = "2026年创建国家高新区实施方案", **kwargs: Any) -> Plan:
    kwargs.setdefault("title_en", "Plan for the national high-tech zone, 2026")
    kwargs.setdefault("year", 2026)
    zone()  # the office it belongs to, by default the person's own (the zone's)
    return services.plan_create(actor=office, title=title, **kwargs)


def meeting(office: Person, date: dt.date, number: int | None = None, **kwargs: Any) -> Meeting:
    zone()
    return services.meeting_create(actor=office, date=date, number=number, **kwargs)


def task(
    office: Person,
    lead_unit: Unit,
    *,
    title: str | None = None,
    start: dt.date = TODAY - dt.timedelta(days=14),
    deadline: dt.date = TODAY + dt.timedelta(days=60),
    **kwargs: Any,
) -> Task:
    n = next(_serials)
    kwargs.setdefault("serial", f"{n}")
    return services.task_create(
        actor=office,
        title=title or f"重点任务{n}",
        lead_unit=lead_unit,
        start_date=start,
        deadline=deadline,
        **kwargs,
    )


def claimed(office: Person, liaison: Person, lead_unit: Unit, **kwargs: Any) -> Task:
    new = task(office, lead_unit, **kwargs)
    return services.task_claim(actor=liaison, task=new)


def report(
    liaison: Person,
    task: Task,
    *,
    period: str = THIS_WEEK,
    percent: Any = "30",
    text: str = "本周完成了方案论证。",
    submit: bool = True,
    **kwargs: Any,
) -> ProgressReport:
    # Saved as from the page: against the version of the period's report it
    # shows (0 for none), unless the test says which one the person saw.
    if "version" not in kwargs:
        seen = task.reports.filter(period_label=period).values_list("version", flat=True)
        kwargs["version"] = seen.first() or 0
    return services.report_save(
        actor=liaison,
        task=task,
        period_label=period,
        text=text,
        percent=percent,
        submit=submit,
        **kwargs,
    )


def accepted(office: Person, liaison: Person, task: Task, **kwargs: Any) -> ProgressReport:
    """A report filed (``report``) and accepted by the office: the task's progress."""
    filed = report(liaison, task, **kwargs)
    return services.report_review(actor=office, report=filed, accept=True)


def close(office: Person, liaison: Person, task: Task, *, summary: str = "已完成并验收。") -> Task:
    request = services.close_request_create(
        actor=liaison, task=task, summary=summary, files=[pdf()]
    )
    services.close_request_decide(actor=office, request=request, accept=True)
    return Task.objects.get(pk=task.pk)


# --- uploads -----------------------------------------------------------------

PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name: str = "evidence.pdf", size: int | None = None) -> SimpleUploadedFile:
    """A file that starts like a real PDF, optionally padded to ``size`` bytes."""
    content = PDF_BYTES if size is None else PDF_BYTES.ljust(size, b" ")
    return SimpleUploadedFile(name, content, content_type="application/pdf")


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


# --- what the database holds -------------------------------------------------------

WRITTEN = (
    ApiToken,
    AnsweredRequest,
    Milestone,
    Indicator,
    IndicatorTarget,
    IndicatorActual,
    BatchEvent,
    BatchEntry,
    Project,
    InvestmentPlan,
    InvestmentReport,
    Problem,
    TaskImport,
    MonthlyReview,
    Assessment,
    Adjustment,
    LockedScore,
    AssessmentEvent,
    Notification,
    Delivery,
    ChatHook,
    TaskWarning,
    WarningAppeal,
    SupervisionNotice,
    Plan,
    Meeting,
    Task,
    ProgressReport,
    DeadlineChange,
    CloseRequest,
    Instruction,
    Attachment,
    TaskEvent,
)


def snapshot() -> dict[str, Any]:
    """Everything a request could have written: row counts, task states, versions,
    deadlines and report states. Equal snapshots mean nothing was written."""
    state: dict[str, Any] = {model.__name__: model.objects.count() for model in WRITTEN}
    state["tasks"] = sorted(
        Task.objects.values_list("pk", "state", "version", "deadline", "progress", "title")
    )
    state["reports"] = sorted(ProgressReport.objects.values_list("pk", "state", "version", "text"))
    state["unread"] = Instruction.objects.filter(read_at__isnull=True).count()
    state["history"] = Task.history.count()
    state["warnings"] = sorted(
        TaskWarning.objects.values_list("pk", "level", "cleared_at", "withdrawn_at")
    )
    state["appeals"] = sorted(WarningAppeal.objects.values_list("pk", "state"))
    state["tokens"] = sorted(ApiToken.objects.values_list("pk", "revoked_at", "can_write"))
    state["notices"] = sorted(SupervisionNotice.objects.values_list("pk", "answered_at"))
    state["messages"] = sorted(Notification.objects.values_list("pk", "read_at"))
    state["outbox"] = sorted(Delivery.objects.values_list("pk", "state", "next_attempt_at"))
    state["robots"] = sorted(ChatHook.objects.values_list("pk", "enabled", "url"))
    state["webhooks"] = sorted(
        Endpoint.objects.values_list("pk", "enabled", "url", "events", "secret")
    )
    # People who switched from the default language (new people do not count).
    state["imports"] = sorted(
        (i.pk, str(i.mappings), i.applied_at) for i in TaskImport.objects.all()
    )
    state["actuals"] = sorted(IndicatorActual.objects.values_list("pk", "value"))
    state["batches"] = sorted(BatchEntry.objects.values_list("pk", "batch"))
    state["projects"] = sorted(Project.objects.values_list("pk", "name", "version"))
    state["investment"] = sorted(InvestmentReport.objects.values_list("pk", "state", "amount"))
    state["kept"] = sorted(KeptFigures.objects.values_list("key", "counted_at"))
    state["reviews"] = sorted(MonthlyReview.objects.values_list("month", "remarks", "published_at"))
    state["languages"] = sorted(
        Person.objects.exclude(language="zh-hans").values_list("pk", "language")
    )
    return state
