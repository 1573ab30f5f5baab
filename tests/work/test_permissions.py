"""Who may do what: a permission matrix over every page (STYLE.md, habit 10),
then what each person's lists and pages contain.

Columns: anonymous, liaison_a (lead unit), liaison_b (another unit), leader, office.
The default task is led by unit A with unit C co-operating, so liaison_b does not
see it at all (404) while the leader and the office do.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from types import SimpleNamespace
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from duban.api.tokens import token_create
from duban.work import services
from duban.work.models import Task

from .. import factories as f

PERSONAS = ("anonymous", "liaison_a", "liaison_b", "leader", "office")


class World:
    """One of everything a page can act on, all of unit A's. Each is built on first
    use, so a row of the matrix pays only for what it touches."""

    def __init__(self, office, leader, liaison_a, plan, task, unit_a):
        self.office, self.leader, self.liaison_a = office, leader, liaison_a
        self.plan, self.task, self.unit_a = plan, task, unit_a

    @cached_property
    def token(self):
        return token_create(actor=self.liaison_a, name="OA", days=30, can_write=True).token

    @cached_property
    def claimed(self) -> Task:
        return services.task_claim(actor=self.liaison_a, task=self.task)

    @cached_property
    def report(self):
        return f.report(self.liaison_a, self.claimed, period=f.LAST_WEEK, files=[f.pdf()])

    @cached_property
    def attachment(self):
        return self.report.attachments.get()

    @cached_property
    def change(self):
        return services.deadline_change_request(
            actor=self.liaison_a,
            task=self.claimed,
            new_deadline=self.task.deadline + dt.timedelta(days=30),
            reason="延期",
        )

    @cached_property
    def notice(self):
        from duban.supervision import services as supervision

        return supervision.notice_issue(
            actor=self.office,
            task=self.claimed,
            reason="请书面说明进度滞后原因。",
            answer_by=f.TODAY + dt.timedelta(days=5),
        )

    @cached_property
    def warning(self):
        from duban.supervision.models import TaskWarning

        facts = {"moves": 2, "limit": 2}
        return TaskWarning.objects.create(
            task=self.claimed, unit=self.unit_a, rule="postponed", level=2, facts=facts
        )

    @cached_property
    def appeal(self):
        from duban.supervision import services as supervision

        return supervision.appeal_file(
            actor=self.liaison_a, warning=self.warning, reason="延期经管委会批准。"
        )

    @cached_property
    def instruction(self):
        return services.instruction_create(actor=self.leader, task=self.task, text="抓紧推进。")

    @cached_property
    def close(self):
        closing = f.claimed(self.office, self.liaison_a, self.unit_a, plan=self.plan)
        return services.close_request_create(
            actor=self.liaison_a, task=closing, summary="已完成。", files=[f.pdf()]
        )

    @cached_property
    def free(self) -> Task:
        """In progress, with nothing pending."""
        return f.claimed(self.office, self.liaison_a, self.unit_a, plan=self.plan)

    @cached_property
    def fresh(self) -> Task:
        """Awaiting claim."""
        return f.task(self.office, self.unit_a, plan=self.plan)

    @cached_property
    def note(self):
        """A message in liaison A's inbox."""
        from duban.notify.models import Notification

        return Notification.objects.create(
            recipient=self.liaison_a,
            kind="instruction",
            key="instruction:test",
            task=self.task,
            data={"task_id": self.task.pk, "serial": "1", "title": "t", "leader": "x", "text": "y"},
        )

    @cached_property
    def hook(self):
        from duban.notify.models import ChatHook

        return ChatHook.objects.create(
            unit=self.unit_a,
            kind="dingtalk",
            url="https://oapi.dingtalk.com/robot/send?access_token=t",
        )

    @cached_property
    def webhook(self):
        from duban.notify import services as notify

        return notify.endpoint_create(
            actor=self.office,
            office=f.zone(),
            name="OA",
            url="https://oa.example.gov.cn/hooks",
            events=["task.assigned"],
        )

    @cached_property
    def delivery(self):
        from duban.notify.models import Delivery

        return Delivery.objects.create(
            channel="hook", key="k", hook=self.hook, subject="s", body="b", state="failed"
        )

    @cached_property
    def locked_quarter(self) -> str:
        from duban.assessment import services as assessment
        from duban.lib.periods import quarter_from_label

        assessment.lock(actor=self.office, quarter=quarter_from_label("2025Q4"), office=f.zone())
        return "2025Q4"

    @cached_property
    def task_import(self):
        from duban.documents import importer

        return importer.upload(actor=self.office, plan=self.plan, uploaded=_workbook())[0]

    @cached_property
    def project(self):
        from decimal import Decimal

        from duban.projects import services as projects
        from duban.projects.models import Industry
        from duban.projects.seed import seed_industries

        seed_industries()
        return projects.project_create(
            actor=self.office,
            code="XM-1",
            name="氢能产业园",
            industry=Industry.objects.get(code="hydrogen"),
            investor="氢能公司",
            unit=self.unit_a,
            total_investment=Decimal("1000000"),
        )

    @cached_property
    def investment(self):
        from decimal import Decimal

        from duban.projects import services as projects

        return projects.investment_report_file(
            actor=self.liaison_a, project=self.project, year=2026, month=2, amount=Decimal("10")
        )

    @cached_property
    def batch_event(self):
        from duban.projects import services as projects

        event = projects.batch_event_create(
            actor=self.office, name="三个一批", date=f.TODAY - dt.timedelta(days=30)
        )
        projects.batch_add(actor=self.office, event=event, project=self.project, batch="sign")
        return event

    @cached_property
    def target(self):
        from decimal import Decimal

        from duban.projects import indicators

        fai = indicators.indicator_create(
            actor=self.office, code="fai", name="固定资产投资", measure="亿元"
        )
        return indicators.target_set(
            actor=self.office, indicator=fai, unit=self.unit_a, year=2026, target=Decimal("10")
        )

    @cached_property
    def milestone(self):
        import datetime

        return services.milestone_set(
            actor=self.office,
            task=self.task,
            date=datetime.date(2026, 4, 15),
            percent="30",
            label="完成方案",
        )

    @cached_property
    def meeting(self):
        return f.meeting(self.office, f.TODAY, number=80)


@pytest.fixture
def world(office, leader, liaison_a, plan, task, unit_a):
    return World(office, leader, liaison_a, plan, task, unit_a)


def _workbook():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..documents.test_taskbook import OFFICE_MERGES, OFFICE_ROWS, xlsx

    return SimpleUploadedFile("list.xlsx", xlsx(OFFICE_ROWS, OFFICE_MERGES))


def _project_workbook():
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ..projects.test_import import GOOD, _book

    return SimpleUploadedFile("projects.xlsx", _book(GOOD))


def _edit_form(w):
    t = Task.objects.get(pk=w.task.pk)
    return {
        "title": "改过的标题",
        "source": t.source,
        "lead_unit": t.lead_unit_id,
        "start_date": t.start_date.isoformat(),
        "cadence": t.cadence,
        "weight": "1",
        "version": t.version,
    }


def _new_task_form(w):
    return {
        "title": "新任务",
        "source": "plan",
        "lead_unit": w.unit_a.pk,
        "start_date": "2026-03-18",
        "deadline": "2026-04-30",
        "cadence": "weekly",
        "weight": "1",
    }


@dataclass
class Row:
    name: str
    method: str
    url: Callable[[Any], str]
    expect: tuple[int, int, int, int, int]
    data: Callable[[Any], dict] | None = None


R = Row
ALL_200 = (302, 200, 200, 200, 200)
OFFICE_ONLY = (302, 403, 403, 403, 200)
OFFICE_WRITES = (302, 403, 403, 403, 302)
NOT_SET_UP = (404, 404, 404, 404, 404)
POST_ONLY = (302, 405, 405, 405, 405)
LEAD_UNIT_ACTS = (302, 302, 404, 403, 403)

MATRIX = [
    R("home", "GET", lambda w: "/", (302, 302, 302, 302, 302)),
    R("token_list", "GET", lambda w: "/me/tokens/", ALL_200),
    R(
        "token_list",
        "POST",
        lambda w: "/me/tokens/",
        ALL_200,
        lambda w: {"name": "OA", "days": 30, "make_token": "1"},
    ),
    R(
        "token_revoke",
        "POST",
        lambda w: f"/me/tokens/{w.token.pk}/revoke/",
        (302, 302, 404, 404, 404),
    ),
    R("inbox", "GET", lambda w: "/inbox/", ALL_200),
    R("cockpit", "GET", lambda w: "/cockpit/", ALL_200),
    R("cockpit_screen", "GET", lambda w: "/cockpit/screen/", ALL_200),
    R("cockpit_data", "GET", lambda w: "/cockpit/data.json", ALL_200),
    R("cockpit_data", "POST", lambda w: "/cockpit/data.json", (302, 405, 405, 405, 405)),
    R("task_list", "GET", lambda w: "/tasks/", ALL_200),
    R("task_create", "GET", lambda w: "/tasks/new/", OFFICE_ONLY),
    R("task_create", "POST", lambda w: "/tasks/new/", OFFICE_WRITES, _new_task_form),
    R("task_detail", "GET", lambda w: f"/tasks/{w.task.pk}/", (302, 200, 404, 200, 200)),
    R("task_edit", "GET", lambda w: f"/tasks/{w.task.pk}/edit/", OFFICE_ONLY),
    R("task_edit", "POST", lambda w: f"/tasks/{w.task.pk}/edit/", OFFICE_WRITES, _edit_form),
    R("task_claim", "GET", lambda w: f"/tasks/{w.fresh.pk}/claim/", POST_ONLY),
    R("task_claim", "POST", lambda w: f"/tasks/{w.fresh.pk}/claim/", LEAD_UNIT_ACTS),
    R("report_edit", "GET", lambda w: f"/tasks/{w.task.pk}/report/", (302, 200, 404, 403, 403)),
    R(
        "report_edit",
        "POST",
        lambda w: f"/tasks/{w.claimed.pk}/report/",
        LEAD_UNIT_ACTS,
        lambda w: {"period": f.THIS_WEEK, "text": "进展。", "percent": "50", "submit": "1"},
    ),
    R("deadline_request", "GET", lambda w: f"/tasks/{w.free.pk}/deadline/", POST_ONLY),
    R(
        "deadline_request",
        "POST",
        lambda w: f"/tasks/{w.free.pk}/deadline/",
        LEAD_UNIT_ACTS,
        lambda w: {"new_deadline": "2026-08-31", "reason": "需要更多时间。"},
    ),
    R("close_request", "GET", lambda w: f"/tasks/{w.free.pk}/close/", POST_ONLY),
    R(
        "close_request",
        "POST",
        lambda w: f"/tasks/{w.free.pk}/close/",
        LEAD_UNIT_ACTS,
        lambda w: {"summary": "完成。", "attachments": [f.pdf()]},
    ),
    R(
        "milestone_add",
        "POST",
        lambda w: f"/tasks/{w.task.pk}/milestones/",
        (302, 403, 404, 403, 302),
        lambda w: {"date": "2026-04-30", "percent": "50", "label": "完成一半"},
    ),
    R(
        "milestone_delete",
        "POST",
        lambda w: f"/milestones/{w.milestone.pk}/delete/",
        (302, 403, 404, 403, 302),
    ),
    R("instruction_create", "GET", lambda w: f"/tasks/{w.task.pk}/instruct/", POST_ONLY),
    R(
        "instruction_create",
        "POST",
        lambda w: f"/tasks/{w.task.pk}/instruct/",
        (302, 403, 404, 302, 403),
        lambda w: {"text": "请加快。"},
    ),
    R("report_review", "GET", lambda w: f"/reports/{w.report.pk}/review/", POST_ONLY),
    R(
        "report_review",
        "POST",
        lambda w: f"/reports/{w.report.pk}/review/",
        OFFICE_WRITES,
        lambda w: {"decision": "accept"},
    ),
    R("reports_accept_many", "GET", lambda w: "/reports/accept/", POST_ONLY),
    R(
        "reports_accept_many",
        "POST",
        lambda w: "/reports/accept/",
        OFFICE_WRITES,
        lambda w: {"report": str(w.report.pk), f"version-{w.report.pk}": str(w.report.version)},
    ),
    R("deadline_decide", "GET", lambda w: f"/deadline-changes/{w.change.pk}/decide/", POST_ONLY),
    R(
        "deadline_decide",
        "POST",
        lambda w: f"/deadline-changes/{w.change.pk}/decide/",
        OFFICE_WRITES,
        lambda w: {"decision": "approve"},
    ),
    R("close_decide", "GET", lambda w: f"/close-requests/{w.close.pk}/decide/", POST_ONLY),
    R(
        "close_decide",
        "POST",
        lambda w: f"/close-requests/{w.close.pk}/decide/",
        OFFICE_WRITES,
        lambda w: {"decision": "approve"},
    ),
    R("instruction_read", "GET", lambda w: f"/instructions/{w.instruction.pk}/read/", POST_ONLY),
    R(
        "instruction_read",
        "POST",
        lambda w: f"/instructions/{w.instruction.pk}/read/",
        (302, 302, 404, 302, 302),
    ),
    R(
        "attachment_download",
        "GET",
        lambda w: f"/attachments/{w.attachment.pk}/",
        (302, 200, 404, 200, 200),
    ),
    R(
        "attachment_view",
        "GET",
        lambda w: f"/attachments/{w.attachment.pk}/view/",
        (302, 200, 404, 200, 200),
    ),
    R("plan_list", "GET", lambda w: "/plans/", ALL_200),
    R("plan_create", "GET", lambda w: "/plans/new/", OFFICE_ONLY),
    R(
        "plan_create",
        "POST",
        lambda w: "/plans/new/",
        OFFICE_WRITES,
        lambda w: {"title": "新方案", "year": "2026"},
    ),
    R("plan_detail", "GET", lambda w: f"/plans/{w.plan.pk}/", (302, 200, 404, 200, 200)),
    R("meeting_list", "GET", lambda w: "/meetings/", ALL_200),
    R("reporting_status", "GET", lambda w: "/reporting/", ALL_200),
    R("reporting_burden", "GET", lambda w: "/reporting/burden/", ALL_200),
    R("warning_board", "GET", lambda w: "/warnings/", ALL_200),
    R("plan_warning_settings", "GET", lambda w: f"/plans/{w.plan.pk}/warnings/", OFFICE_ONLY),
    R(
        "appeal_file",
        "POST",
        lambda w: f"/warnings/{w.warning.pk}/appeal/",
        LEAD_UNIT_ACTS,
        data=lambda w: {"reason": "延期经管委会批准。"},
    ),
    R(
        "appeal_decide",
        "POST",
        lambda w: f"/appeals/{w.appeal.pk}/decide/",
        (302, 403, 404, 403, 302),
        data=lambda w: {"decision": "withdraw"},
    ),
    R(
        "notice_issue",
        "POST",
        lambda w: f"/tasks/{w.task.pk}/notice/",
        (302, 403, 404, 403, 302),
        data=lambda w: {"reason": "请书面说明滞后原因", "answer_by": "2026-03-25"},
    ),
    R(
        "notice_answer",
        "POST",
        lambda w: f"/notices/{w.notice.pk}/answer/",
        (302, 302, 404, 403, 403),
        data=lambda w: {"answer": "已制定整改措施。"},
    ),
    R("reporting_status", "GET", lambda w: f"/reporting/?unit={w.unit_a.pk}", ALL_200),
    R("burden_recount", "POST", lambda w: "/reporting/burden/recount/", OFFICE_WRITES),
    R("meeting_create", "GET", lambda w: "/meetings/new/", OFFICE_ONLY),
    R(
        "meeting_create",
        "POST",
        lambda w: "/meetings/new/",
        OFFICE_WRITES,
        lambda w: {"kind": "weekly", "number": "81", "date": "2026-03-25"},
    ),
    R("meeting_detail", "GET", lambda w: f"/meetings/{w.meeting.pk}/", ALL_200),
    R("unit_list", "GET", lambda w: "/units/", ALL_200),
    R("unit_pick", "GET", lambda w: "/units/pick/?q=局", ALL_200),
    R("task_pick", "GET", lambda w: "/tasks/pick/?q=1", ALL_200),
    R("unit_detail", "GET", lambda w: f"/units/{w.unit_a.pk}/", (302, 200, 404, 200, 200)),
    R("assessment_home", "GET", lambda w: "/assessment/", (302, 302, 302, 302, 302)),
    R("assessment_detail", "GET", lambda w: "/assessment/2026Q1/", ALL_200),
    R(
        "adjustment_edit",
        "GET",
        lambda w: f"/assessment/2026Q1/units/{w.unit_a.pk}/adjust/",
        OFFICE_ONLY,
    ),
    R(
        "adjustment_edit",
        "POST",
        lambda w: f"/assessment/2026Q1/units/{w.unit_a.pk}/adjust/",
        OFFICE_WRITES,
        lambda w: {"points": "2", "reason": "专项工作突出"},
    ),
    R("assessment_lock", "POST", lambda w: "/assessment/2025Q4/lock/", OFFICE_WRITES),
    R("assessment_recount", "POST", lambda w: "/assessment/2026Q1/recount/", OFFICE_WRITES),
    R(
        "assessment_reopen",
        "POST",
        lambda w: f"/assessment/{w.locked_quarter}/reopen/",
        OFFICE_WRITES,
        lambda w: {"reason": "数据更正"},
    ),
    R("import_upload", "GET", lambda w: f"/plans/{w.plan.pk}/import/", OFFICE_ONLY),
    R(
        "import_upload",
        "POST",
        lambda w: f"/plans/{w.plan.pk}/import/",
        OFFICE_WRITES,
        lambda w: {"file": _workbook()},
    ),
    R("import_preview", "GET", lambda w: f"/imports/{w.task_import.pk}/", OFFICE_ONLY),
    R(
        "import_preview",
        "POST",
        lambda w: f"/imports/{w.task_import.pk}/",
        (302, 403, 403, 403, 200),
        lambda w: {"check": "1", "map_0": "new"},
    ),
    R("export_tasks", "GET", lambda w: "/tasks/export.xlsx", ALL_200),
    R("export_warnings", "GET", lambda w: "/warnings/export.xlsx", ALL_200),
    R("export_ranking", "GET", lambda w: "/assessment/2026Q1/ranking.xlsx", ALL_200),
    R("export_assignment", "GET", lambda w: f"/meetings/{w.meeting.pk}/assignment.docx", ALL_200),
    R(
        "export_notice",
        "GET",
        lambda w: f"/notices/{w.notice.pk}/notice.docx",
        (302, 200, 404, 200, 200),
    ),
    R(
        "export_bulletin",
        "GET",
        lambda w: "/reviews/2026-02/bulletin.docx",
        (302, 404, 404, 404, 200),
    ),
    R("project_list", "GET", lambda w: "/projects/", ALL_200),
    R("export_projects", "GET", lambda w: "/projects/export.xlsx", ALL_200),
    R("project_create", "GET", lambda w: "/projects/new/", OFFICE_ONLY),
    R("project_import", "GET", lambda w: "/projects/import/", OFFICE_ONLY),
    R(
        "project_import",
        "POST",
        lambda w: "/projects/import/",
        (302, 403, 403, 403, 200),
        lambda w: {"file": _project_workbook()},
    ),
    R("project_detail", "GET", lambda w: f"/projects/{w.project.pk}/", (302, 200, 404, 200, 200)),
    R("project_edit", "GET", lambda w: f"/projects/{w.project.pk}/edit/", OFFICE_ONLY),
    R(
        "project_edit",
        "POST",
        lambda w: f"/projects/{w.project.pk}/edit/",
        OFFICE_WRITES,
        lambda w: {
            "name": "氢能产业园（一期）",
            "level": "zone",
            "industry": w.project.industry_id,
            "investor": "氢能公司",
            "unit": w.unit_a.pk,
            "total_investment": "100",
            "version": w.project.version,
        },
    ),
    R("indicator_list", "GET", lambda w: "/indicators/", ALL_200),
    R(
        "indicator_list",
        "POST",
        lambda w: "/indicators/",
        OFFICE_WRITES,
        lambda w: {"define": "1", "code": "rd", "name": "研发投入", "measure": "亿元"},
    ),
    R(
        "indicator_report",
        "GET",
        lambda w: f"/indicators/targets/{w.target.pk}/report/",
        (302, 200, 404, 403, 403),
    ),
    R(
        "indicator_report",
        "POST",
        lambda w: f"/indicators/targets/{w.target.pk}/report/",
        (302, 302, 404, 403, 403),
        lambda w: {"month": "1", "value": "2"},
    ),
    R("batch_list", "GET", lambda w: "/batches/", ALL_200),
    R(
        "batch_list",
        "POST",
        lambda w: "/batches/",
        OFFICE_WRITES,
        lambda w: {"name": "第二次三个一批", "date": "2026-03-01"},
    ),
    R("batch_detail", "GET", lambda w: f"/batches/{w.batch_event.pk}/", ALL_200),
    R(
        "batch_detail",
        "POST",
        lambda w: f"/batches/{w.batch_event.pk}/",
        OFFICE_WRITES,
        lambda w: {"project": w.project.pk, "batch": "start"},
    ),
    R("stage_move", "GET", lambda w: f"/projects/{w.project.pk}/stage/", OFFICE_ONLY),
    # tests/projects/test_stages.py hands one out to those who see the project.
    R(
        "stage_evidence",
        "GET",
        lambda w: "/stage-moves/999999/evidence/",
        (302, 404, 404, 404, 404),
    ),
    R(
        "stage_move",
        "POST",
        lambda w: f"/projects/{w.project.pk}/stage/",
        OFFICE_WRITES,
        lambda w: {"target": "signed", "on": "2026-03-01"},
    ),
    R("investment_plan", "GET", lambda w: f"/projects/{w.project.pk}/plan/", OFFICE_ONLY),
    R(
        "investment_plan",
        "POST",
        lambda w: f"/projects/{w.project.pk}/plan/",
        OFFICE_WRITES,
        lambda w: {"year": "2026", "amount": "1200", "first_month": "1", "last_month": "12"},
    ),
    R(
        "investment_report",
        "GET",
        lambda w: f"/projects/{w.project.pk}/report/",
        (302, 200, 404, 403, 403),
    ),
    R(
        "investment_report",
        "POST",
        lambda w: f"/projects/{w.project.pk}/report/",
        (302, 302, 404, 403, 403),
        lambda w: {"year": "2026", "month": "1", "amount": "35"},
    ),
    R(
        "investment_review",
        "POST",
        lambda w: f"/investment-reports/{w.investment.pk}/review/",
        (302, 403, 403, 403, 302),
        lambda w: {"decision": "accept"},
    ),
    R(
        "problem_raise",
        "POST",
        lambda w: f"/projects/{w.project.pk}/problem/",
        OFFICE_WRITES,
        lambda w: {
            "kind": "land",
            "title": "协调用地",
            "lead_unit": w.unit_a.pk,
            "deadline": "2026-04-30",
        },
    ),
    R("review_list", "GET", lambda w: "/reviews/", ALL_200),
    R("review_detail", "GET", lambda w: "/reviews/2026-02/", (302, 404, 404, 404, 200)),
    R(
        "review_detail",
        "POST",
        lambda w: "/reviews/2026-02/",
        (302, 404, 404, 404, 302),
        lambda w: {"remarks": "二月点评", "save": "1"},
    ),
    R("review_recount", "POST", lambda w: "/reviews/2026-02/recount/", OFFICE_WRITES),
    R("message_list", "GET", lambda w: "/messages/", ALL_200),
    R("message_open", "GET", lambda w: f"/messages/{w.note.pk}/", (302, 302, 404, 404, 404)),
    R("message_read_all", "POST", lambda w: "/messages/read/", (302, 302, 302, 302, 302)),
    R("outbox", "GET", lambda w: "/outbox/", OFFICE_ONLY),
    R("delivery_retry", "POST", lambda w: f"/outbox/{w.delivery.pk}/retry/", OFFICE_WRITES),
    R(
        "hook_create",
        "GET",
        lambda w: f"/units/{w.unit_a.pk}/robots/new/",
        (302, 403, 404, 403, 200),
    ),
    R(
        "hook_create",
        "POST",
        lambda w: f"/units/{w.unit_a.pk}/robots/new/",
        (302, 403, 404, 403, 302),
        lambda w: {
            "kind": "wecom",
            "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=abc",
            "language": "zh-hans",
        },
    ),
    R("hook_action", "POST", lambda w: f"/robots/{w.hook.pk}/off/", OFFICE_WRITES),
    R("webhook_list", "GET", lambda w: "/webhooks/", OFFICE_ONLY),
    R(
        "webhook_list",
        "POST",
        lambda w: "/webhooks/",
        OFFICE_ONLY,  # the new webhook's page, with its secret shown once
        lambda w: {"name": "OA", "url": "https://oa.example.gov.cn/h", "events": "task.closed"},
    ),
    R("webhook_detail", "GET", lambda w: f"/webhooks/{w.webhook.pk}/", OFFICE_ONLY),
    R(
        "webhook_detail",
        "POST",
        lambda w: f"/webhooks/{w.webhook.pk}/",
        OFFICE_WRITES,
        lambda w: {"action": "ping"},
    ),
    R(
        "set_language",
        "POST",
        lambda w: "/i18n/setlang/",
        (302, 302, 302, 302, 302),
        lambda w: {"language": "en"},
    ),
    # The audit administrator's alone (tests/audit/test_reading.py has them and
    # the other administrators).
    R("audit_log", "GET", lambda w: "/audit/", (302, 403, 403, 403, 403)),
    R("audit_export", "GET", lambda w: "/audit/export.xlsx", (302, 403, 403, 403, 403)),
    # Each person's own account security (tests/sso/test_account.py drives them).
    R("account", "GET", lambda w: "/account/", ALL_200),
    R("password_change", "GET", lambda w: "/account/password/", ALL_200),
    R("password_change", "POST", lambda w: "/account/password/", (302, 400, 400, 400, 400)),
    # With no second factor set up there is nothing to type a code for.
    R("second_factor_verify", "GET", lambda w: "/account/second-factor/", (302,) * 5),
    R("second_factor_verify", "POST", lambda w: "/account/second-factor/", (302,) * 5),
    R("second_factor_setup", "GET", lambda w: "/account/second-factor/setup/", ALL_200),
    R(
        "second_factor_setup",
        "POST",
        lambda w: "/account/second-factor/setup/",
        (302, 400, 400, 400, 400),
        lambda w: {"code": "000000"},
    ),
    R("second_factor_remove", "POST", lambda w: "/account/second-factor/remove/", (302,) * 5),
    R("session_end", "POST", lambda w: "/account/sessions/999999/end/", (302, 404, 404, 404, 404)),
    R("sessions_end_others", "POST", lambda w: "/account/sessions/end-others/", (302,) * 5),
    # The security administrator's alone (tests/sso/test_account.py has them).
    R("security_desk", "GET", lambda w: "/security/", (302, 403, 403, 403, 403)),
    R(
        "lockout_release",
        "POST",
        lambda w: "/security/lockouts/999999/release/",
        (302, 403, 403, 403, 403),
    ),
    R(
        "factor_reset",
        "POST",
        lambda w: f"/security/people/{w.liaison_a.pk}/reset-factor/",
        (302, 403, 403, 403, 403),
    ),
    R("login", "GET", lambda w: "/login/", (200, 200, 200, 200, 200)),
    # Single sign-on is not set up in the matrix: its addresses do not exist
    # (tests/sso/ has each method against a real server).
    R("oidc_start", "GET", lambda w: "/login/oidc/", NOT_SET_UP),
    R(
        "oidc_authentication_callback",
        "GET",
        lambda w: "/login/oidc/callback/?code=c&state=s",
        NOT_SET_UP,
    ),
    R("cas_login", "GET", lambda w: "/login/cas/?ticket=ST-1", NOT_SET_UP),
    R("chat_start", "GET", lambda w: "/login/dingtalk/", NOT_SET_UP),
    R("chat_callback", "GET", lambda w: "/login/wecom/callback/?code=c&state=s", NOT_SET_UP),
    R("logout", "GET", lambda w: "/logout/", (405, 405, 405, 405, 405)),
    R("logout", "POST", lambda w: "/logout/", (302, 302, 302, 302, 302)),
]


PUBLIC = (
    "login",
    "logout",
    "set_language",
    "oidc_start",
    "oidc_authentication_callback",
    "cas_login",
    "chat_start",
    "chat_callback",
)


def _ids(row: Row) -> str:
    return f"{row.name} {row.method} " + " ".join(map(str, row.expect))


def _succeeds(row: Row, persona: str) -> bool:
    return persona != "anonymous" and row.expect[PERSONAS.index(persona)] in (200, 302)


@pytest.mark.parametrize("row", MATRIX, ids=_ids)
def test_permission_matrix(as_, request, world, row):
    """Each persona in turn against one page; those refused go first, so that what
    the allowed ones change (a claim, a decision) cannot alter the others' answer."""
    statuses: dict[str, int] = {}
    wrote: dict[str, bool] = {}
    sent_to_sign_in = False
    for persona in sorted(PERSONAS, key=lambda p: _succeeds(row, p)):
        who = None if persona == "anonymous" else request.getfixturevalue(persona)
        client = as_(who)
        url = row.url(world)
        data = row.data(world) if row.data else {}
        before = f.snapshot()
        if row.method == "GET":
            response = client.get(url)
        else:
            response = client.post(url, data)
        statuses[persona] = response.status_code
        wrote[persona] = f.snapshot() != before
        if who is None and row.name not in PUBLIC:
            sent_to_sign_in = response["Location"].startswith("/login/?next=")

    assert {p: statuses[p] for p in PERSONAS} == dict(zip(PERSONAS, row.expect, strict=True))
    if row.name not in PUBLIC:
        assert sent_to_sign_in, "anonymous people are sent to sign in"
    refused = [p for p in PERSONAS if not _succeeds(row, p)]
    assert [p for p in refused if wrote[p]] == [], "a refused request writes nothing"
    if row.method == "GET" and row.name != "message_open":  # opening a message reads it
        assert not any(wrote.values()), "a GET writes nothing"
    elif row.name not in (
        "logout",
        "instruction_read",
        "message_read_all",
        "set_language",
        "project_import",  # reading a list for the preview writes nothing
        # Nothing to verify, remove or end in the matrix's world (no second
        # factor, no other session): tests/sso/test_account.py has them.
        "second_factor_verify",
        "second_factor_remove",
        "sessions_end_others",
    ):
        allowed = [p for p in PERSONAS if _succeeds(row, p)]
        assert all(wrote[p] for p in allowed), "an allowed POST does what it was asked"


def _named_urls(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            # The API has its own matrix (tests/api/test_matrix.py).
            if str(p.pattern) in ("admin/", "i18n/", "api/v1/"):
                continue
            yield from _named_urls(p.url_patterns)
        elif isinstance(p, URLPattern) and p.name:
            yield p.name


def test_the_matrix_covers_every_page():
    assert set(_named_urls(get_resolver().url_patterns)) == {row.name for row in MATRIX}


# --- what each person sees ----------------------------------------------------------------


@pytest.fixture
def spread(office, plan, unit_a, unit_b, unit_c, leader):
    """Tasks in three units: A leads with C, B leads alone, C leads with A."""
    meeting = f.meeting(office, f.TODAY, number=80)
    return SimpleNamespace(
        a=f.task(office, unit_a, plan=plan, co_units=[unit_c], meeting=meeting, leader=leader),
        b=f.task(office, unit_b, plan=plan, meeting=meeting),
        c_with_a=f.task(office, unit_c, co_units=[unit_a], meeting=meeting),
        meeting=meeting,
        plan=plan,
    )


def _pks(response, key="page"):
    assert response.status_code == 200
    value = response.context[key]
    items = value.object_list if key == "page" else value
    return sorted(t.pk for t in items)


@pytest.mark.parametrize(
    ("who", "sees"),
    [
        ("liaison_a", ["a", "c_with_a"]),
        ("liaison_b", ["b"]),
        ("liaison_c", ["a", "c_with_a"]),
        ("leader", ["a", "b", "c_with_a"]),
        ("office", ["a", "b", "c_with_a"]),
    ],
)
def test_the_task_list_holds_the_tasks_a_person_may_see(as_, request, spread, who, sees):
    response = as_(request.getfixturevalue(who)).get("/tasks/")
    assert _pks(response) == sorted(getattr(spread, name).pk for name in sees)


@pytest.mark.parametrize(
    ("who", "sees"),
    [("liaison_a", ["a"]), ("liaison_b", ["b"]), ("liaison_c", ["a"]), ("office", ["a", "b"])],
)
def test_the_plan_page_lists_only_visible_tasks(as_, request, spread, who, sees):
    response = as_(request.getfixturevalue(who)).get(f"/plans/{spread.plan.pk}/")
    assert response.status_code == 200
    assert sorted(t.pk for t, _ in response.context["rows"]) == sorted(
        getattr(spread, name).pk for name in sees
    )


def test_a_liaison_sees_only_plans_their_unit_works_on(as_, office, liaison_b, spread, unit_a):
    other = f.plan(office, title="另一个方案")
    f.task(office, unit_a, plan=other)
    response = as_(liaison_b).get("/plans/")
    assert [plan.pk for plan, _ in response.context["rows"]] == [spread.plan.pk]
    assert as_(liaison_b).get(f"/plans/{other.pk}/").status_code == 404


@pytest.mark.parametrize(
    ("who", "sees"),
    [("liaison_a", ["a", "c_with_a"]), ("liaison_b", ["b"]), ("leader", ["a", "b", "c_with_a"])],
)
def test_the_meeting_page_lists_only_visible_assignments(as_, request, spread, who, sees):
    response = as_(request.getfixturevalue(who)).get(f"/meetings/{spread.meeting.pk}/")
    assert _pks(response, "assignments") == sorted(getattr(spread, name).pk for name in sees)


def test_the_meeting_list_counts_only_visible_assignments(as_, liaison_b, office, spread):
    assert as_(office).get("/meetings/").context["page"][0].assignment_count == 3
    assert as_(liaison_b).get("/meetings/").context["page"][0].assignment_count == 1


def test_a_liaison_sees_only_their_own_units(as_, liaison_a, office, unit_a, unit_b, unit_c):
    assert [u.pk for u in as_(liaison_a).get("/units/").context["units"]] == [unit_a.pk]
    # The office sees the whole tree: the zone and its three units.
    assert len(as_(office).get("/units/").context["units"]) == 4


def test_office_staff_placed_in_a_unit_see_only_its_subtree(as_, office, unit_b, spread):
    section = f.unit("B1", "财政局预算科", parent=unit_b)
    inside = f.task(office, section)
    scoped = f.person("office_b", "office", units=[unit_b])
    client = as_(scoped)
    assert _pks(client.get("/tasks/")) == sorted([spread.b.pk, inside.pk])
    assert client.get(f"/tasks/{spread.a.pk}/").status_code == 404
    assert client.get(f"/tasks/{inside.pk}/").status_code == 200


def test_a_liaison_without_a_unit_sees_no_task(as_, spread):
    loner = f.person("loner", "liaison")
    assert _pks(as_(loner).get("/tasks/")) == []
    assert as_(loner).get(f"/tasks/{spread.a.pk}/").status_code == 404


def test_a_co_unit_liaison_sees_the_task_but_cannot_act_on_it(as_, liaison_c, task):
    client = as_(liaison_c)
    page = client.get(f"/tasks/{task.pk}/")
    assert page.status_code == 200
    assert page.context["can_act"] is False
    assert 'data-testid="claim"' not in page.content.decode()
    before = f.snapshot()
    assert client.post(f"/tasks/{task.pk}/claim/").status_code == 403
    assert f.snapshot() == before


def test_the_next_parameter_cannot_send_people_off_site(as_, liaison_a, task):
    response = as_(liaison_a).post(
        f"/tasks/{task.pk}/claim/", {"next": "https://evil.example/phish"}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{task.pk}/"


@pytest.mark.parametrize(
    ("who", "action", "reason"),
    [
        ("office", "claim", "Only a liaison of the lead unit can claim this task."),
        ("leader", "report", "Only a liaison of the lead unit can report on this task."),
        ("liaison_a", "edit", "Only the supervision office can do this."),
        ("liaison_a", "instruct", "Only a leader can write an instruction."),
    ],
)
def test_a_refusal_says_why(as_, request, task, who, action, reason):
    client = as_(request.getfixturevalue(who))
    url = f"/tasks/{task.pk}/{action}/"
    response = client.get(url) if action in ("report", "edit") else client.post(url)
    assert response.status_code == 403
    assert f'<p role="alert">{reason}</p>' in response.content.decode()
