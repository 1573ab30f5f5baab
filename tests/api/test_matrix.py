"""The API's permission matrix (STYLE.md, habit 15): every operation of the
OpenAPI document, for every persona, with a token of their own: what they get,
and that a refused request writes nothing. Everything acted on is unit A's, in
the zone; ``office_d`` works for a district that runs its own office."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cached_property
from typing import Any

import pytest
from django.test import Client

from duban.api.v1 import api as ninja_api
from duban.org.models import Person, Role, Unit
from duban.projects import indicators
from duban.projects import services as projects
from duban.projects.models import Industry
from duban.projects.seed import seed_industries
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning
from duban.work import services as work
from tests import factories as f

from .conftest import Api

PERSONAS = ("anonymous", "liaison_a", "liaison_b", "leader", "office", "office_d")
ALL = (401, 200, 200, 200, 200, 200)
PUBLIC = (200,) * 6
READ_A = (401, 200, 404, 200, 200, 404)


class World:
    def __init__(self, office, liaison_a, unit_a, plan):
        self.office, self.liaison_a, self.unit_a, self.plan = office, liaison_a, unit_a, plan

    @cached_property
    def task(self):
        return f.task(self.office, self.unit_a, plan=self.plan, title="待签收")

    @cached_property
    def claimed(self):
        task = f.claimed(self.office, self.liaison_a, self.unit_a, plan=self.plan, title="在办")
        TaskWarning.objects.create(
            task=task,
            unit=self.unit_a,
            rule="slow",
            level=2,
            facts={"progress": 1, "expected": 20, "gap": 19, "yellow": 10, "red": 30},
        )
        return task

    @cached_property
    def report(self):
        return f.report(self.liaison_a, self.claimed, period=f.LAST_WEEK)

    @cached_property
    def warning(self):
        return self.claimed.warnings.get()

    @cached_property
    def meeting(self):
        return f.meeting(self.office, f.TODAY, number=80)

    @cached_property
    def change(self):
        return work.deadline_change_request(
            actor=self.liaison_a,
            task=self.claimed,
            new_deadline=self.claimed.deadline + dt.timedelta(days=30),
            reason="等待审批",
        )

    @cached_property
    def close(self):
        return work.close_request_create(
            actor=self.liaison_a, task=self.claimed, summary="已完成。", files=[f.pdf()]
        )

    @cached_property
    def instruction(self):
        leader = Person.objects.get(username="leader")
        return work.instruction_create(actor=leader, task=self.claimed, text="加快进度。")

    @cached_property
    def notice(self):
        return supervision.notice_issue(
            actor=self.office,
            task=self.claimed,
            reason="请说明。",
            answer_by=f.TODAY + dt.timedelta(days=5),
        )

    @cached_property
    def project(self):
        seed_industries()
        return projects.project_create(
            actor=self.office,
            code="XM-001",
            name="氢能产业园项目",
            industry=Industry.objects.get(code="hydrogen"),
            investor="洛阳氢能科技有限公司",
            unit=self.unit_a,
            total_investment=Decimal("120000000.00"),
        )

    @cached_property
    def target(self):
        fai = indicators.indicator_create(
            actor=self.office, code="fai", name="固定资产投资", measure="亿元"
        )
        return indicators.target_set(
            actor=self.office, indicator=fai, unit=self.unit_a, year=2026, target=Decimal("36")
        )

    @cached_property
    def appeal(self):
        return supervision.appeal_file(
            actor=self.liaison_a, warning=self.warning, reason="已报送。"
        )


@dataclass
class Row:
    method: str
    path: str  # as in the OpenAPI document
    url: Callable[[World], str]
    expect: tuple[int, ...]
    body: Callable[[World], dict] | None = None
    headers: dict[str, str] | None = None
    multipart: bool = False


def _new_task(w: World) -> dict:
    return {
        "title": "接口交办",
        "lead_unit_id": w.unit_a.pk,
        "start_date": "2026-03-18",
        "deadline": "2026-06-30",
    }


MATRIX = [
    Row("GET", "/api/v1/openapi.json", lambda w: "/api/v1/openapi.json", PUBLIC),
    Row("GET", "/api/v1/me", lambda w: "/api/v1/me", ALL),
    Row("GET", "/api/v1/units", lambda w: "/api/v1/units", ALL),
    Row("GET", "/api/v1/people", lambda w: "/api/v1/people", ALL),
    Row("GET", "/api/v1/plans", lambda w: "/api/v1/plans", ALL),
    Row(
        "GET",
        "/api/v1/plans/{plan_id}",
        # The plan holds unit A's task: its liaison may open it, unit B's may not.
        lambda w: (w.task, f"/api/v1/plans/{w.plan.pk}")[1],
        READ_A,
    ),
    Row("GET", "/api/v1/tasks", lambda w: "/api/v1/tasks", ALL),
    Row(
        "POST",
        "/api/v1/tasks",
        lambda w: "/api/v1/tasks",
        (401, 403, 404, 403, 201, 404),
        _new_task,
    ),
    Row("GET", "/api/v1/tasks/{task_id}", lambda w: f"/api/v1/tasks/{w.task.pk}", READ_A),
    Row(
        "PATCH",
        "/api/v1/tasks/{task_id}",
        lambda w: f"/api/v1/tasks/{w.task.pk}",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"title": "改过的标题"},
        {"If-Match": "*"},
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/claim",
        lambda w: f"/api/v1/tasks/{w.task.pk}/claim",
        (401, 200, 404, 403, 403, 404),
    ),
    Row(
        "GET",
        "/api/v1/tasks/{task_id}/reports",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/reports",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/reports",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/reports",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"period": f.THIS_WEEK, "text": "本周完成环评。", "percent": "30"},
    ),
    Row(
        "POST",
        "/api/v1/reports/{report_id}/review",
        lambda w: f"/api/v1/reports/{w.report.pk}/review",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"accept": True},
    ),
    Row("GET", "/api/v1/warnings", lambda w: "/api/v1/warnings", ALL),
    Row("GET", "/api/v1/meetings", lambda w: "/api/v1/meetings", ALL),
    Row("GET", "/api/v1/assessment/{quarter}", lambda w: "/api/v1/assessment/2026Q1", ALL),
    Row("GET", "/api/v1/cockpit", lambda w: "/api/v1/cockpit", ALL),
    Row("GET", "/api/v1/projects", lambda w: "/api/v1/projects", ALL),
    Row(
        "GET", "/api/v1/projects/{project_id}", lambda w: f"/api/v1/projects/{w.project.pk}", READ_A
    ),
    Row(
        "GET",
        "/api/v1/projects/{project_id}/investment",
        lambda w: f"/api/v1/projects/{w.project.pk}/investment",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/projects/{project_id}/investment",
        lambda w: f"/api/v1/projects/{w.project.pk}/investment",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"year": 2026, "month": 2, "amount": "3500000.00"},
    ),
    Row(
        "GET",
        "/api/v1/projects/{project_id}/investment-plans",
        lambda w: f"/api/v1/projects/{w.project.pk}/investment-plans",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/projects/{project_id}/investment-plans",
        lambda w: f"/api/v1/projects/{w.project.pk}/investment-plans",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"year": 2026, "amount": "36000000.00"},
    ),
    Row(
        "POST",
        "/api/v1/projects/{project_id}/stage",
        lambda w: f"/api/v1/projects/{w.project.pk}/stage",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"target": "signed", "on": "2026-03-10"},
    ),
    Row("GET", "/api/v1/indicators/targets", lambda w: "/api/v1/indicators/targets", ALL),
    Row(
        "POST",
        "/api/v1/indicators/targets/{target_id}/actuals",
        lambda w: f"/api/v1/indicators/targets/{w.target.pk}/actuals",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"month": 2, "value": "3"},
    ),
    Row(
        "GET",
        "/api/v1/meetings/{meeting_id}",
        lambda w: f"/api/v1/meetings/{w.meeting.pk}",
        (401, 200, 200, 200, 200, 404),
    ),
    Row(
        "GET",
        "/api/v1/tasks/{task_id}/deadline-requests",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/deadline-requests",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/deadline-requests",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/deadline-requests",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"new_deadline": "2026-09-30", "reason": "征地手续未完成。"},
    ),
    Row(
        "POST",
        "/api/v1/deadline-requests/{request_id}/decide",
        lambda w: f"/api/v1/deadline-requests/{w.change.pk}/decide",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"approve": True},
    ),
    Row(
        "GET",
        "/api/v1/tasks/{task_id}/close-requests",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/close-requests",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/close-requests",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/close-requests",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"summary": "已完成。", "evidence": [f.pdf()]},
        multipart=True,
    ),
    Row(
        "POST",
        "/api/v1/close-requests/{request_id}/decide",
        lambda w: f"/api/v1/close-requests/{w.close.pk}/decide",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"accept": True},
    ),
    Row(
        "GET",
        "/api/v1/tasks/{task_id}/instructions",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/instructions",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/instructions",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/instructions",
        (401, 403, 404, 201, 403, 404),
        lambda w: {"text": "请加快推进。"},
    ),
    Row(
        "POST",
        "/api/v1/instructions/{instruction_id}/read",
        lambda w: f"/api/v1/instructions/{w.instruction.pk}/read",
        # As on the pages: only the lead unit's reading counts; anyone else's changes nothing.
        (401, 200, 404, 200, 200, 404),
    ),
    Row(
        "GET",
        "/api/v1/tasks/{task_id}/notices",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/notices",
        READ_A,
    ),
    Row(
        "POST",
        "/api/v1/tasks/{task_id}/notices",
        lambda w: f"/api/v1/tasks/{w.claimed.pk}/notices",
        (401, 403, 404, 403, 201, 404),
        lambda w: {"reason": "请说明进度滞后原因。", "answer_by": "2026-03-25"},
    ),
    Row(
        "POST",
        "/api/v1/notices/{notice_id}/answer",
        lambda w: f"/api/v1/notices/{w.notice.pk}/answer",
        (401, 200, 404, 403, 403, 404),
        lambda w: {"answer": "已加派人手。"},
    ),
    Row(
        "POST",
        "/api/v1/warnings/{warning_id}/appeals",
        lambda w: f"/api/v1/warnings/{w.warning.pk}/appeals",
        (401, 201, 404, 403, 403, 404),
        lambda w: {"reason": "本周已报送。"},
    ),
    Row(
        "POST",
        "/api/v1/appeals/{appeal_id}/decide",
        lambda w: f"/api/v1/appeals/{w.appeal.pk}/decide",
        (401, 403, 404, 403, 200, 404),
        lambda w: {"withdraw": True, "comment": "核实属实。"},
    ),
]


def _succeeds(row: Row, persona: str) -> bool:
    return persona != "anonymous" and row.expect[PERSONAS.index(persona)] < 300


def _ids(row: Row) -> str:
    return f"{row.method} {row.path} " + " ".join(map(str, row.expect))


@pytest.fixture
def world(office, leader, liaison_a, unit_a, plan):
    return World(office, liaison_a, unit_a, plan)


@pytest.fixture
def office_d(db):
    district = f.unit("D", "辛店镇", name_en="Xindian Town", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    return f.person("office_d", Role.OFFICE, units=[district])


@pytest.mark.parametrize("row", MATRIX, ids=_ids)
def test_the_api_matrix(request, world, office_d, row):
    statuses: dict[str, int] = {}
    wrote: dict[str, bool] = {}
    for persona in sorted(PERSONAS, key=lambda p: _succeeds(row, p)):
        url = row.url(world)
        body = row.body(world) if row.body else None
        if persona == "anonymous":
            client, headers = Client(), {}
        else:
            caller = Api(request.getfixturevalue(persona))
            client, headers = caller.client, caller.headers
        before = f.snapshot()
        kwargs: dict[str, Any] = {"headers": {**headers, **(row.headers or {})}}
        if body is not None:
            kwargs.update(data=body)
            if not row.multipart:
                kwargs.update(content_type="application/json")
        response = getattr(client, row.method.lower())(url, **kwargs)
        statuses[persona] = response.status_code
        if response.status_code >= 400:
            assert response["Content-Type"] == "application/problem+json", (persona, response)
        wrote[persona] = f.snapshot() != before
    assert statuses == dict(zip(PERSONAS, row.expect, strict=True))
    refused = [p for p in PERSONAS if not _succeeds(row, p)]
    # Each persona's token is made before the snapshot: only the request counts.
    assert [p for p in refused if wrote[p]] == [], "a refused request writes nothing"


def test_the_matrix_covers_every_operation():
    spec = ninja_api.get_openapi_schema(path_prefix="/api/v1/")
    operations = {(method.upper(), path) for path, item in spec["paths"].items() for method in item}
    assert operations | {("GET", "/api/v1/openapi.json")} == {(r.method, r.path) for r in MATRIX}


def test_what_a_token_sees_is_what_the_person_sees_on_the_pages(
    as_, world, liaison_a, liaison_b, office_d
):
    assert world.claimed.pk and world.task.pk
    for person in (liaison_a, liaison_b, office_d):
        listed = {t["id"] for t in Api(person).get("/tasks?include_closed=true").json()["results"]}
        page = as_(person).get("/tasks/?closed=on")
        assert listed == {t.pk for t in page.context["page"].object_list}
