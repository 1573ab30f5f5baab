"""Official progress, one concept (issue 13, point 2): a task's progress is its
last accepted report's. A report submitted and not yet reviewed is shown beside
it as awaiting review and counts nowhere else; a lower figure needs a reason.

One consistency test (STYLE.md, habit 16) asks the task page, the task list,
the API, the cockpit, the scan and the monthly review the same question."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from duban.assessment.review import month_review
from duban.cockpit.charts import overview
from duban.lib import periods, rules
from duban.supervision.models import TaskWarning
from duban.supervision.scan import scan
from duban.work import services
from duban.work.models import EventKind, ProgressReport, ReportState

from .. import factories as f

MARCH = periods.period_from_label("2026-03")


@pytest.fixture
def behind(office, leader, liaison_a, plan, unit_a):
    """Started on 2 March, due on 23 March: on 18 March the schedule expects
    about three quarters, so 60 % is behind (yellow) and 43 % far behind (red)."""
    return f.claimed(
        office,
        liaison_a,
        unit_a,
        plan=plan,
        leader=leader,
        start=dt.date(2026, 3, 2),
        deadline=dt.date(2026, 3, 23),
    )


def _row(html, task):
    found = re.search(rf'<tr data-task="{task.pk}">(.*?)</tr>', html, re.S)
    assert found, f"task {task.pk} is not in the list"
    return found[1]


def _n(value) -> str:
    return f"{Decimal(value):f}".rstrip("0").rstrip(".") if value is not None else None


def _everywhere(as_, office, leader, task):
    """What every reader says the task's progress is, and what is awaiting."""
    page = as_(office).get(f"/tasks/{task.pk}/")
    html = page.content.decode()
    shown = re.search(r'data-testid="progress">([\d.]+)%', html)[1]
    awaiting_page = re.search(r'data-testid="awaiting">[^<]*?([\d.]+)%', html)
    row = _row(as_(office).get("/tasks/").content.decode(), task)
    listed = re.search(r"</div>([\d.]+)%", row)[1]
    awaiting_list = re.search(r'data-testid="awaiting">[^<]*?([\d.]+)%', row)
    api = json.loads(
        as_(office).get(f"/api/v1/tasks/{task.pk}", HTTP_ACCEPT="application/json").content
    )
    scan()
    slow = TaskWarning.objects.get(task=task, rule=rules.SLOW, cleared_at__isnull=True)
    mine = overview(leader)["leader"]["plans"]
    gained = {t["id"]: t["percent"] for t in month_review(MARCH)["progress"]}
    return {
        "page": shown,
        "list": listed,
        "api": _n(api["progress"]),
        "scan": str(slow.facts["progress"]),
        "cockpit plan": _n(mine[0]["progress"]),
        "monthly review": _n(gained[task.pk]),
    }, {
        "page": awaiting_page and awaiting_page[1],
        "list": awaiting_list and awaiting_list[1],
        "api": _n(api["awaiting_review"]),
        "light": slow.level,
    }


def test_every_reader_uses_the_accepted_60_until_the_43_is_accepted(
    as_, office, leader, liaison_a, behind, plan
):
    f.accepted(office, liaison_a, behind, period=f.LAST_WEEK, percent="60")

    with pytest.raises(ValidationError) as refused:
        f.report(liaison_a, behind, period=f.THIS_WEEK, percent="43")
    assert list(refused.value.message_dict) == ["decrease_reason"]
    assert "lower than the last accepted report (60.0%, Week 11 (9–15 Mar))" in str(refused.value)
    assert not ProgressReport.objects.filter(task=behind, period_label=f.THIS_WEEK).exists()
    lower = f.report(
        liaison_a,
        behind,
        period=f.THIS_WEEK,
        percent="43",
        decrease_reason="上周数据多报了施工进度，已核减。",
    )
    assert lower.state == ReportState.SUBMITTED

    progress, awaiting = _everywhere(as_, office, leader, behind)
    assert progress == dict.fromkeys(progress, "60")
    assert awaiting == {"page": "43", "list": "43", "api": "43", "light": rules.YELLOW}
    assert overview(office)["totals"]["red"] == 0

    services.report_review(actor=office, report=lower, accept=True)
    progress, awaiting = _everywhere(as_, office, leader, behind)
    assert progress == dict.fromkeys(progress, "43")
    assert awaiting == {"page": None, "list": None, "api": None, "light": rules.RED}
    assert overview(office)["totals"]["red"] == 1


def test_the_reason_for_a_lower_figure_reaches_the_office(as_, office, liaison_a, behind):
    f.accepted(office, liaison_a, behind, period=f.LAST_WEEK, percent="60")
    client = as_(liaison_a)
    form = {"period": f.THIS_WEEK, "text": "核减。", "percent": "43", "submit": "1"}
    refused = client.post(f"/tasks/{behind.pk}/report/", form)
    assert refused.status_code == 400
    assert "lower than the last accepted report" in refused.content.decode()
    done = client.post(f"/tasks/{behind.pk}/report/", {**form, "decrease_reason": "多报了。"})
    assert done.status_code == 302
    html = as_(office).get(f"/tasks/{behind.pk}/").content.decode()
    assert "Reported, awaiting review 43% · Week 12 (16–22 Mar): 多报了。" in html
    assert "Lower than the accepted 60%, because: 多报了。" in html
    event = behind.events.filter(kind=EventKind.REPORT_SUBMITTED).last()
    assert (event.data["accepted"], event.data["reason"]) == ("60.0", "多报了。")


def test_a_draft_may_be_lower_without_a_reason_until_it_is_submitted(office, liaison_a, behind):
    f.accepted(office, liaison_a, behind, period=f.LAST_WEEK, percent="60")
    draft = f.report(liaison_a, behind, period=f.THIS_WEEK, percent="43", submit=False)
    assert draft.state == ReportState.DRAFT
    with pytest.raises(ValidationError, match="say why"):
        f.report(liaison_a, behind, period=f.THIS_WEEK, percent="43", version=draft.version)


def test_an_equal_or_higher_figure_or_an_earlier_period_needs_no_reason(office, liaison_a, behind):
    f.accepted(office, liaison_a, behind, period=f.LAST_WEEK, percent="60")
    same = f.report(liaison_a, behind, period=f.THIS_WEEK, percent="60")
    assert same.decrease_reason == ""
    # A late report for the week before the accepted one is not going backwards.
    earlier = f.report(liaison_a, behind, period=f.TWO_WEEKS_AGO, percent="20")
    assert earlier.state == ReportState.SUBMITTED


def test_the_api_asks_for_the_reason_too(as_, office, liaison_a, behind):
    f.accepted(office, liaison_a, behind, period=f.LAST_WEEK, percent="60")
    client = as_(liaison_a)
    body = {"period": f.THIS_WEEK, "text": "核减。", "percent": "43"}
    refused = client.post(
        f"/api/v1/tasks/{behind.pk}/reports", body, content_type="application/json"
    )
    assert refused.status_code in (400, 422)
    assert "decrease_reason" in refused.content.decode()
    filed = client.post(
        f"/api/v1/tasks/{behind.pk}/reports",
        {**body, "decrease_reason": "多报了。"},
        content_type="application/json",
    )
    assert filed.status_code == 201, filed.content
    assert filed.json()["decrease_reason"] == "多报了。"
    assert filed.json()["state"] == "submitted"
    task = as_(office).get(f"/api/v1/tasks/{behind.pk}").json()
    assert (Decimal(task["progress"]), Decimal(task["awaiting_review"])) == (60, 43)


def test_the_api_closes_at_the_last_figure_unless_told_to_set_100(
    as_, office, liaison_a, behind, unit_a
):
    f.accepted(office, liaison_a, behind, percent="35")
    close = services.close_request_create(
        actor=liaison_a, task=behind, summary="完成。", files=[f.pdf()]
    )
    client = as_(office)
    done = client.post(
        f"/api/v1/close-requests/{close.pk}/decide",
        {"accept": True},
        content_type="application/json",
    )
    assert done.status_code == 200, done.content
    assert (Decimal(done.json()["final_progress"]), done.json()["set_complete"]) == (35, False)
    assert Decimal(client.get(f"/api/v1/tasks/{behind.pk}").json()["progress"]) == 35

    other = f.claimed(office, liaison_a, unit_a)
    f.accepted(office, liaison_a, other, percent="35")
    ask = services.close_request_create(
        actor=liaison_a, task=other, summary="完成。", files=[f.pdf()]
    )
    done = client.post(
        f"/api/v1/close-requests/{ask.pk}/decide",
        {"accept": True, "set_complete": True},
        content_type="application/json",
    )
    assert (Decimal(done.json()["final_progress"]), done.json()["set_complete"]) == (100, True)
    assert Decimal(client.get(f"/api/v1/tasks/{other.pk}").json()["progress"]) == 100


def test_the_migration_brings_stored_progress_to_the_new_definition(
    office, liaison_a, plan, unit_a
):
    from importlib import import_module

    from django.apps import apps

    from duban.work.models import CloseRequest, Plan, Task

    migration = import_module("duban.work.migrations.0011_official_progress")
    parent = f.task(office, unit_a, plan=plan)
    leaf = f.claimed(office, liaison_a, unit_a, parent=parent)
    f.accepted(office, liaison_a, leaf, period=f.LAST_WEEK, percent="60")
    f.report(liaison_a, leaf, period=f.THIS_WEEK, percent="43", decrease_reason="核减。")
    done = f.close(office, liaison_a, f.claimed(office, liaison_a, unit_a, plan=plan))
    # As the old rule stored them: the submitted 43 %, a closing at 100 %.
    Task.objects.filter(pk__in=[leaf.pk, parent.pk]).update(progress=Decimal("43"))
    Task.objects.filter(pk=done.pk).update(progress=Decimal("100"))
    CloseRequest.objects.filter(task=done).update(final_progress=None, set_complete=False)
    Plan.objects.filter(pk=plan.pk).update(progress=Decimal("71.5"))

    migration.official_progress(apps, None)

    assert Task.objects.get(pk=leaf.pk).progress == Decimal("60")
    assert Task.objects.get(pk=parent.pk).progress == Decimal("60")
    assert Task.objects.get(pk=done.pk).progress == Decimal("100"), "closed history kept"
    close = CloseRequest.objects.get(task=done)
    assert (close.final_progress, close.set_complete) == (Decimal("100"), True)
    assert Plan.objects.get(pk=plan.pk).progress == Decimal("80")
