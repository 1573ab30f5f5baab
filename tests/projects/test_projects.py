"""The project library: keeping projects, investment plans and monthly
reports (exact decimals, year to date, review), problems as tasks, scope."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from duban.projects import services
from duban.projects.models import Industry, InvestmentReport
from duban.projects.queries import visible_projects

from .. import factories as f


def test_the_library_refuses_bad_projects(office, liaison_a, unit_a, park, district):
    hydrogen = Industry.objects.get(code="hydrogen")
    base = {
        "code": "XM-9",
        "name": "项目",
        "industry": hydrogen,
        "investor": "某公司",
        "unit": unit_a,
        "total_investment": Decimal("1"),
    }
    with pytest.raises(PermissionDenied):
        services.project_create(actor=liaison_a, **base)
    with pytest.raises(ValidationError) as error:
        services.project_create(actor=office, **{**base, "total_investment": Decimal("-1")})
    assert "total_investment" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.project_create(actor=office, **{**base, "park": district})
    assert "park" in error.value.error_dict
    with pytest.raises(ValidationError) as error:
        services.project_create(
            actor=office,
            **{**base, "planned_sign": dt.date(2026, 5, 1), "planned_start": dt.date(2026, 4, 1)},
        )
    assert "planned_start" in error.value.error_dict


def test_monthly_investment_adds_up_exactly(project, liaison_a, office):
    for month, amount in [(1, "0.10"), (2, "0.20"), (3, "0.30")]:
        services.investment_report_file(
            actor=liaison_a,
            project=project,
            year=2026,
            month=month,
            amount=Decimal(amount) * 10_000,
            today=f.TODAY,
        )
    march = InvestmentReport.objects.get(project=project, year=2026, month=3)
    assert march.year_to_date == Decimal("6000.00")  # 0.6 万元 exactly
    # Correcting January moves every later month's year to date.
    services.investment_report_file(
        actor=liaison_a,
        project=project,
        year=2026,
        month=1,
        amount=Decimal("2000"),
        today=f.TODAY,
    )
    march.refresh_from_db()
    assert march.year_to_date == Decimal("7000.00")
    # A returned month does not count.
    services.investment_report_review(
        actor=office, report=InvestmentReport.objects.get(month=2), accept=False, comment="数据不实"
    )
    march.refresh_from_db()
    assert march.year_to_date == Decimal("5000.00")
    assert services.year_completed(project, 2026) == Decimal("5000.00")


def test_bad_investment_reports_are_refused(project, liaison_a, liaison_b):
    with pytest.raises(ValidationError, match="not begun"):
        services.investment_report_file(
            actor=liaison_a, project=project, year=2026, month=4, amount=Decimal(1), today=f.TODAY
        )
    with pytest.raises(ValidationError):
        services.investment_report_file(
            actor=liaison_a, project=project, year=2026, month=2, amount=Decimal(-1), today=f.TODAY
        )
    with pytest.raises(PermissionDenied):
        services.investment_report_file(
            actor=liaison_b, project=project, year=2026, month=2, amount=Decimal(1), today=f.TODAY
        )
    assert not InvestmentReport.objects.exists()


def test_a_problem_becomes_a_task_of_the_weekly_loop(project, office, unit_b):
    problem = services.problem_raise(
        actor=office,
        project=project,
        kind="power",
        title="协调项目用电增容",
        lead_unit=unit_b,
        deadline=f.TODAY + dt.timedelta(days=20),
    )
    assert problem.task.lead_unit == unit_b and problem.task.source == "project"
    assert problem.task.leader == project.leader


def test_scope_follows_the_units(project, liaison_a, liaison_b, leader, office):
    assert list(visible_projects(liaison_a)) == [project]
    assert list(visible_projects(liaison_b)) == []
    assert list(visible_projects(leader)) == [project]


def test_the_pages(as_, office, liaison_a, liaison_b, project, unit_a):
    listing = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/projects/?stage=reserve")
    assert listing.status_code == 200 and "氢能产业园项目" in listing.content.decode()
    assert as_(liaison_b).get(f"/projects/{project.pk}/").status_code == 404
    page = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="en").get(f"/projects/{project.pk}/")
    assert "Hydrogen industrial park" in page.content.decode()
    bad = as_(liaison_a).post(
        f"/projects/{project.pk}/report/", {"year": "2026", "month": "2", "amount": "-5"}
    )
    assert bad.status_code == 400 and "-5" in bad.content.decode()
    good = as_(liaison_a).post(
        f"/projects/{project.pk}/report/", {"year": "2026", "month": "2", "amount": "350.5"}
    )
    assert good.status_code == 302
    assert InvestmentReport.objects.get().amount == Decimal("3505000.00")
    created = as_(office).post(
        "/projects/new/",
        {
            "code": "XM-002",
            "name": "机器人产业园",
            "level": "zone",
            "industry": Industry.objects.get(code="robots").pk,
            "investor": "某机器人公司",
            "unit": unit_a.pk,
            "total_investment": "5,000",
        },
    )
    assert created.status_code == 302


def test_the_project_scan_raises_explains_and_clears(project, office, liaison_a, as_, clock):
    from duban.notify.models import Notification
    from duban.ops.jobs import scan_and_notify
    from duban.projects.models import ProjectWarning
    from duban.projects.scan import scan_projects

    # Planned start 1 March, today 18 March, not started: yellow.
    services.investment_plan_set(
        actor=office, project=project, year=2026, amount=Decimal("12000000")
    )
    run = scan_and_notify(today=f.TODAY)
    rules = dict(
        ProjectWarning.objects.filter(cleared_at__isnull=True).values_list("rule", "level")
    )
    assert rules["start_missed"] == 2
    assert "investment_report_missing" in rules  # January and February not reported
    assert run.projects.raised and Notification.objects.filter(recipient=liaison_a).exists()
    assert scan_projects(today=f.TODAY).raised == []  # idempotent
    page = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get(f"/projects/{project.pk}/")
    assert "计划 2026-03-01 开工" in page.content.decode()
    services.stage_move(
        actor=office, project=project, target="started", on=f.TODAY, reason="签约即开工"
    )
    for month in (1, 2):
        services.investment_report_file(
            actor=liaison_a, project=project, year=2026, month=month, amount=Decimal("1000000")
        )
    scan_projects(today=f.TODAY)
    active = set(
        ProjectWarning.objects.filter(cleared_at__isnull=True).values_list("rule", flat=True)
    )
    assert "start_missed" not in active and "investment_report_missing" not in active


def test_the_project_export_is_scoped(project, as_, liaison_a, liaison_b):
    import io

    import openpyxl

    mine = openpyxl.load_workbook(
        io.BytesIO(
            as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/projects/export.xlsx").content
        )
    )
    values = [c.value for row in mine.active.iter_rows() for c in row]
    assert "氢能产业园项目" in values and 12000 in values  # 1.2 亿元 = 12,000 万元
    theirs = openpyxl.load_workbook(
        io.BytesIO(
            as_(liaison_b, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/projects/export.xlsx").content
        )
    )
    assert "氢能产业园项目" not in [c.value for row in theirs.active.iter_rows() for c in row]


def test_the_page_draws_the_curve_and_problems_name_their_meeting(project, office, as_, unit_b):
    from duban.work import services as work

    services.investment_plan_set(
        actor=office, project=project, year=2026, amount=Decimal("12000000")
    )
    onsite = work.meeting_create(actor=office, date=f.TODAY, kind="onsite", title="现场办公会")
    response = as_(office).post(
        f"/projects/{project.pk}/problem/",
        {
            "kind": "land",
            "title": "协调项目用地",
            "lead_unit": unit_b.pk,
            "deadline": "2026-04-30",
            "meeting": onsite.pk,
        },
    )
    assert response.status_code == 302
    problem = project.problems.get()
    assert problem.task.meeting == onsite and problem.task.source == "onsite"
    page = as_(office).get(f"/projects/{project.pk}/").content.decode()
    assert 'data-testid="curve"' in page and "<polyline" in page
