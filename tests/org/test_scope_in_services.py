"""Scope is checked in the services, for every caller (views, API, commands,
import): each service, called by someone outside the object's scope, refuses
and writes nothing.

The outsiders: the office and the leader of a district that runs its own
office (ZONE › 辛店镇), and that district's liaison. Everything acted on is the
zone's, of unit A. A last test lists every public service that takes an actor,
so a new one cannot be added without a case here.
"""

from __future__ import annotations

import datetime as dt
import importlib
import inspect
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.core.exceptions import PermissionDenied

from duban.assessment import services as assessment
from duban.documents import importer as task_import
from duban.lib.periods import period_from_label, quarter_from_label
from duban.notify import services as notify
from duban.notify.models import EventType
from duban.org import services as org
from duban.org.models import Unit
from duban.org.scope import scope_of
from duban.projects import importer as project_import
from duban.projects import indicators
from duban.projects import services as projects
from duban.supervision import services as supervision
from duban.work import services as work

from .. import factories as f
from ..work.test_permissions import World

Q4 = quarter_from_label("2025Q4")
ALL = list(EventType.values)
FEB = period_from_label("2026-02")


@pytest.fixture
def district(db) -> Unit:
    unit = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=unit.pk).update(runs_office=True)
    unit.refresh_from_db()
    return unit


@pytest.fixture
def outsiders(district):
    return SimpleNamespace(
        office=f.person("office_d", "office", units=[district]),
        leader=f.person("leader_d", "leader", units=[district]),
        liaison=f.person("liaison_d", "liaison", units=[district]),
        admin=f.person("admin_d", "admin", units=[district]),
    )


@pytest.fixture
def w(office, leader, liaison_a, plan, task, unit_a) -> World:
    return World(office, leader, liaison_a, plan, task, unit_a)


def _pdf():
    return [f.pdf()]


# name → (who of the outsiders acts, the call). Each builds what it acts on from
# the zone's World first (outside the refusal), then calls the service.
CASES = {
    "plan_create": (
        "office",
        lambda w, a: work.plan_create(actor=a, title="x", owner_unit=w.unit_a),
    ),
    "meeting_create": (
        "office",
        lambda w, a: work.meeting_create(actor=a, date=f.TODAY, office=f.zone()),
    ),
    "task_create": (
        "office",
        lambda w, a: work.task_create(
            actor=a, title="x", lead_unit=w.unit_a, start_date=f.TODAY, deadline=f.TODAY
        ),
    ),
    "task_update": (
        "office",
        lambda w, a: work.task_update(actor=a, task=w.task, version=w.task.version, title="x"),
    ),
    "task_claim": ("liaison", lambda w, a: work.task_claim(actor=a, task=w.fresh)),
    "milestone_set": (
        "office",
        lambda w, a: work.milestone_set(
            actor=a, task=w.task, date=dt.date(2026, 4, 20), percent="40", label="x"
        ),
    ),
    "milestone_delete": (
        "office",
        lambda w, a: work.milestone_delete(actor=a, milestone=w.milestone),
    ),
    "report_save": (
        "liaison",
        lambda w, a: work.report_save(
            actor=a,
            task=w.claimed,
            period_label=f.THIS_WEEK,
            text="x",
            percent="5",
            submit=True,
            version=0,
        ),
    ),
    "report_review": (
        "office",
        lambda w, a: work.report_review(actor=a, report=w.report, accept=True),
    ),
    "reports_accept_many": (
        "office",
        lambda w, a: work.reports_accept_many(
            actor=a, report_ids=[w.report.pk], versions={w.report.pk: w.report.version}
        ),
    ),
    "deadline_change_request": (
        "liaison",
        lambda w, a: work.deadline_change_request(
            actor=a, task=w.free, new_deadline=w.free.deadline + dt.timedelta(days=9), reason="x"
        ),
    ),
    "deadline_change_decide": (
        "office",
        lambda w, a: work.deadline_change_decide(actor=a, change=w.change, approve=True),
    ),
    "close_request_create": (
        "liaison",
        lambda w, a: work.close_request_create(actor=a, task=w.free, summary="x", files=_pdf()),
    ),
    "close_request_decide": (
        "office",
        lambda w, a: work.close_request_decide(actor=a, request=w.close, accept=True),
    ),
    "instruction_create": (
        "leader",
        lambda w, a: work.instruction_create(actor=a, task=w.task, text="x"),
    ),
    "notice_issue": (
        "office",
        lambda w, a: supervision.notice_issue(
            actor=a, task=w.claimed, reason="x", answer_by=f.TODAY + dt.timedelta(days=3)
        ),
    ),
    "notice_answer": (
        "liaison",
        lambda w, a: supervision.notice_answer(actor=a, notice=w.notice, answer="x"),
    ),
    "appeal_file": (
        "liaison",
        lambda w, a: supervision.appeal_file(actor=a, warning=w.warning, reason="x"),
    ),
    "appeal_decide": (
        "office",
        lambda w, a: supervision.appeal_decide(actor=a, appeal=w.appeal, withdraw=True),
    ),
    "plan_warning_settings_update": (
        "office",
        lambda w, a: supervision.plan_warning_settings_update(actor=a, plan=w.plan, settings={}),
    ),
    "adjustment_set": (
        "office",
        lambda w, a: assessment.adjustment_set(
            actor=a, quarter=Q4, office=f.zone(), unit=w.unit_a, points="1", reason="x"
        ),
    ),
    "weights_set": (
        "office",
        lambda w, a: assessment.weights_set(actor=a, quarter=Q4, office=f.zone(), weights={}),
    ),
    "lock": ("office", lambda w, a: assessment.lock(actor=a, quarter=Q4, office=f.zone())),
    "recount": ("office", lambda w, a: assessment.recount(actor=a, quarter=Q4, office=f.zone())),
    "reopen": (
        "office",
        lambda w, a: assessment.reopen(
            actor=a, quarter=quarter_from_label(w.locked_quarter), office=f.zone(), reason="x"
        ),
    ),
    "recount_review": (
        "office",
        lambda w, a: assessment.recount_review(actor=a, month=FEB, office=f.zone()),
    ),
    "review_save": (
        "office",
        lambda w, a: assessment.review_save(actor=a, month=FEB, office=f.zone(), remarks="x"),
    ),
    "project_create": (
        "office",
        lambda w, a: projects.project_create(
            actor=a,
            code="XM-9",
            name="x",
            industry=w.project.industry,
            investor="x",
            unit=w.unit_a,
            total_investment=Decimal(1),
        ),
    ),
    "project_update": (
        "office",
        lambda w, a: projects.project_update(
            actor=a, project=w.project, version=w.project.version, name="x"
        ),
    ),
    "investment_plan_set": (
        "office",
        lambda w, a: projects.investment_plan_set(
            actor=a, project=w.project, year=2026, amount=Decimal(1)
        ),
    ),
    "investment_report_file": (
        "liaison",
        lambda w, a: projects.investment_report_file(
            actor=a, project=w.project, year=2026, month=1, amount=Decimal(1)
        ),
    ),
    "investment_report_review": (
        "office",
        lambda w, a: projects.investment_report_review(actor=a, report=w.investment, accept=True),
    ),
    "batch_event_create": (
        "office",
        lambda w, a: projects.batch_event_create(actor=a, name="x", date=f.TODAY, office=f.zone()),
    ),
    "batch_add": (
        "office",
        lambda w, a: projects.batch_add(
            actor=a, event=w.batch_event, project=w.project, batch="start"
        ),
    ),
    "problem_raise": (
        "office",
        lambda w, a: projects.problem_raise(
            actor=a, project=w.project, kind="land", title="x", lead_unit=w.unit_a, deadline=f.TODAY
        ),
    ),
    "stage_move": (
        "office",
        lambda w, a: projects.stage_move(actor=a, project=w.project, target="signed", on=f.TODAY),
    ),
    "indicator_create": (
        "office",
        lambda w, a: indicators.indicator_create(
            actor=a, code="x", name="x", measure="亿元", office=f.zone()
        ),
    ),
    "target_set": (
        "office",
        lambda w, a: indicators.target_set(
            actor=a, indicator=w.target.indicator, unit=w.unit_a, year=2026, target=Decimal(1)
        ),
    ),
    "actual_report": (
        "liaison",
        lambda w, a: indicators.actual_report(actor=a, target=w.target, month=1, value=Decimal(1)),
    ),
    "hook_create": (
        "office",
        lambda w, a: notify.hook_create(
            actor=a,
            unit=w.unit_a,
            kind="wecom",
            url="https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
        ),
    ),
    "hook_set_enabled": (
        "office",
        lambda w, a: notify.hook_set_enabled(actor=a, hook=w.hook, enabled=False),
    ),
    "hook_delete": ("office", lambda w, a: notify.hook_delete(actor=a, hook=w.hook)),
    "hook_test": ("office", lambda w, a: notify.hook_test(actor=a, hook=w.hook)),
    "delivery_retry": ("office", lambda w, a: notify.delivery_retry(actor=a, delivery=w.delivery)),
    "person_set_role": (
        "admin",
        lambda w, a: org.person_set_role(actor=a, person=w.liaison_a, role="leader"),
    ),
    "endpoint_create": (
        "office",
        lambda w, a: notify.endpoint_create(
            actor=a, office=f.zone(), name="x", url="https://oa.example.gov.cn/", events=ALL
        ),
    ),
    "endpoint_update": (
        "office",
        lambda w, a: notify.endpoint_update(actor=a, endpoint=w.webhook, events=ALL[:1]),
    ),
    "endpoint_set_enabled": (
        "office",
        lambda w, a: notify.endpoint_set_enabled(actor=a, endpoint=w.webhook, enabled=False),
    ),
    "endpoint_new_secret": (
        "office",
        lambda w, a: notify.endpoint_new_secret(actor=a, endpoint=w.webhook),
    ),
    "endpoint_delete": ("office", lambda w, a: notify.endpoint_delete(actor=a, endpoint=w.webhook)),
    "endpoint_ping": ("office", lambda w, a: notify.endpoint_ping(actor=a, endpoint=w.webhook)),
    "upload": (
        "office",
        lambda w, a: task_import.upload(actor=a, plan=w.plan, uploaded=_task_workbook()),
    ),
    "load": ("office", lambda w, a: task_import.load(actor=a, record=w.task_import)),
    "choose": (
        "office",
        lambda w, a: task_import.choose(actor=a, record=w.task_import, mappings={}),
    ),
    "apply": ("office", lambda w, a: task_import.apply(actor=a, record=w.task_import, mappings={})),
    "tasks_create_in_bulk": (
        "office",
        lambda w, a: work.tasks_create_in_bulk(
            actor=a,
            plan=w.plan,
            new=[
                work.NewTask(
                    key=1, title="x", lead_unit=w.unit_a, start_date=f.TODAY, deadline=f.TODAY
                )
            ],
        ),
    ),
    "unit_create": (
        "office",
        lambda w, a: org.unit_create(actor=a, code="X", name="x", kind="other", parent=w.unit_a),
    ),
    "unit_move": ("office", lambda w, a: org.unit_move(actor=a, unit=w.unit_a, parent=None)),
    "person_create": (
        "office",
        lambda w, a: org.person_create(actor=a, username="x", role="liaison", units=[w.unit_a]),
    ),
    "service_account_create": (
        "office",
        lambda w, a: org.service_account_create(
            actor=a, username="oa", full_name="OA", role="liaison", units=[w.unit_a]
        ),
    ),
}


def _task_workbook():
    from ..work.test_permissions import _workbook

    return _workbook()


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_service_refuses_an_actor_outside_the_scope(w, outsiders, name):
    who, call = CASES[name]
    actor = getattr(outsiders, who)
    _prepare(w, name)  # what the call acts on exists before the snapshot
    before = f.snapshot()
    with pytest.raises(PermissionDenied) as refused:
        call(w, actor)
    assert f.snapshot() == before
    if who != "liaison":
        # Refused for where the object is, not for the person's role.
        assert "you work for" in str(refused.value)


def _prepare(w: World, name: str) -> None:
    """Touch the World's objects a case uses, so they exist before the snapshot."""
    needs = {
        "task_claim": ["fresh"],
        "milestone_delete": ["milestone"],
        "report_save": ["claimed"],
        "report_review": ["report"],
        "reports_accept_many": ["report"],
        "deadline_change_request": ["free"],
        "deadline_change_decide": ["change"],
        "close_request_create": ["free"],
        "close_request_decide": ["close"],
        "notice_issue": ["claimed"],
        "notice_answer": ["notice"],
        "appeal_file": ["warning"],
        "appeal_decide": ["appeal"],
        "reopen": ["locked_quarter"],
        "project_create": ["project"],
        "project_update": ["project"],
        "investment_plan_set": ["project"],
        "investment_report_file": ["project"],
        "investment_report_review": ["investment"],
        "batch_add": ["batch_event"],
        "problem_raise": ["project"],
        "stage_move": ["project"],
        "target_set": ["target"],
        "actual_report": ["target"],
        "hook_set_enabled": ["hook"],
        "hook_delete": ["hook"],
        "hook_test": ["hook"],
        "delivery_retry": ["delivery"],
        "endpoint_update": ["webhook"],
        "endpoint_set_enabled": ["webhook"],
        "endpoint_new_secret": ["webhook"],
        "endpoint_delete": ["webhook"],
        "endpoint_ping": ["webhook"],
        "load": ["task_import"],
        "choose": ["task_import"],
        "apply": ["task_import"],
    }
    for attribute in needs.get(name, []):
        getattr(w, attribute)


def test_the_projects_import_refuses_a_project_outside_the_scope(w, outsiders):
    from django.core.exceptions import ValidationError

    from ..projects.test_import import GOOD, _book

    preview = project_import.read(_book(GOOD), f.TODAY, scope=scope_of(outsiders.office))
    assert preview.blocked  # its units are the zone's: unknown to the district
    with pytest.raises(ValidationError):
        project_import.apply(actor=outsiders.office, preview=preview)
    with pytest.raises(PermissionDenied):
        project_import.apply(actor=outsiders.liaison, preview=preview)


def test_marking_an_instruction_read_is_only_the_lead_units(w, outsiders):
    instruction = w.instruction
    before = f.snapshot()
    work.instruction_mark_read(actor=outsiders.liaison, instruction=instruction)
    assert f.snapshot() == before


SERVICE_MODULES = (
    "duban.work.services",
    "duban.supervision.services",
    "duban.assessment.services",
    "duban.projects.services",
    "duban.projects.indicators",
    "duban.notify.services",
    "duban.documents.importer",
    "duban.projects.importer",
    "duban.org.services",
)
# Services of a person's own things, with nothing of anyone else's to refuse.
OWN = {"mark_read", "instruction_mark_read"}
# A building block the services call after their own checks, inside their
# transaction (the apps built on tasks add to the timeline with it).
PARTS = {"record_event"}


def test_every_service_that_takes_an_actor_has_a_case():
    found = set()
    for name in SERVICE_MODULES:
        module = importlib.import_module(name)
        for attr, value in vars(module).items():
            if attr.startswith("_") or not inspect.isfunction(value):
                continue
            if not value.__module__.startswith(name):
                continue  # imported from elsewhere (scope_of, person_of)
            if "actor" in inspect.signature(value).parameters:
                found.add(attr)
    covered = set(CASES) | OWN | PARTS | {"apply"}  # the projects import's apply: its own test
    assert found - covered == set()
