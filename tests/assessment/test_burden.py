"""The reporting burden (报送负担): per unit and week, what the office asked of
it (task reports, investment figures, indicator figures, notice answers) and
what it filed, the median time to file a report, the figures asked twice;
scoped, in a bounded number of queries, on a page in both languages.

The suite's clock stands at Wednesday 18 March 2026 (ISO week 2026-W12); the
default range is the four weeks that ended: W08 (16–22 Feb), W09 (23 Feb –
1 Mar), W10 (2–8 Mar), W11 (9–15 Mar).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.api.tokens import token_create
from duban.assessment import asked_twice, burden
from duban.assessment.models import KeptFigures
from duban.lib import periods
from duban.ops.jobs import keep_counts
from duban.org.models import Role, Unit
from duban.projects import indicators
from duban.projects import services as projects
from duban.projects.models import Industry, InvestmentPlan, Project
from duban.projects.seed import seed_industries
from duban.supervision import services as supervision
from duban.work import filing, services
from duban.work.models import ProgressReport

from .. import factories as f

W = [periods.period_from_label(f"2026-W{n:02d}") for n in (8, 9, 10, 11)]
FEB_16 = dt.date(2026, 2, 16)
TEN_MILLION = Decimal("10000000")


@pytest.fixture(autouse=True)
def industries(db):
    seed_industries()


def _project(office, unit, code="XM-001", name="氢能产业园项目", **kwargs):
    return projects.project_create(
        actor=office,
        code=code,
        name=name,
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=unit,
        total_investment=Decimal("120000000.00"),
        **kwargs,
    )


def _row(found, unit):
    return next(r for r in found.rows if r.unit_id == unit.pk)


def _kinds(row):
    return {kind: (t.asked, t.filed) for kind, t in row.kinds.items()}


@pytest.fixture
def asked_of_a(office, liaison_a, liaison_b, unit_a, unit_b, clock):
    """What the office asks of unit A over W08–W11, worked by hand:

    - a weekly task running from 16 Feb: a report for each of the 4 weeks, 2 filed;
    - a monthly task from 1 January: February's report is due 1 March (grace
      1 day), in W09, filed; January's (due 1 Feb) and March's fall outside;
    - a project with a 2026 plan over the whole year: February's figure is due
      5 March (grace 5 days), in W10, filed; the one planned from April asks nothing yet;
    - an indicator target for 2026: February's figure, due 5 March, in W10, not filed;
    - a notice to answer by 10 March (W11), answered; one due 25 March falls outside.

    8 asked, 5 filed; by week 1, 2, 3, 2. Unit B: a weekly task from 2 March,
    2 reports asked, none filed.
    """
    clock.move_to(f.at(2026, 2, 16, 9))
    weekly = f.claimed(office, liaison_a, unit_a, start=FEB_16, deadline=dt.date(2026, 6, 30))
    monthly = f.claimed(
        office,
        liaison_a,
        unit_a,
        start=dt.date(2026, 1, 1),
        deadline=dt.date(2026, 6, 30),
        cadence="monthly",
    )
    clock.move_to(f.at(2026, 3, 2, 9))
    f.task(office, unit_b, start=dt.date(2026, 3, 2), deadline=dt.date(2026, 6, 30))
    f.report(liaison_a, monthly, period="2026-02")
    notice = supervision.notice_issue(
        actor=office, task=weekly, reason="请说明进度。", answer_by=dt.date(2026, 3, 10)
    )
    supervision.notice_issue(
        actor=office, task=monthly, reason="请说明。", answer_by=dt.date(2026, 3, 25)
    )
    project = _project(office, unit_a)
    projects.investment_plan_set(
        actor=office, project=project, year=2026, amount=Decimal("12000000")
    )
    later = _project(office, unit_a, code="XM-002", name="机器人产业园项目")
    projects.investment_plan_set(
        actor=office, project=later, year=2026, amount=Decimal("5000000"), first_month=4
    )
    fai = indicators.indicator_create(actor=office, code="fai", name="固定资产投资", measure="亿元")
    indicators.target_set(actor=office, indicator=fai, unit=unit_a, year=2026, target=Decimal("36"))
    clock.move_to(f.at(2026, 3, 4, 9))
    projects.investment_report_file(
        actor=liaison_a, project=project, year=2026, month=2, amount=Decimal("1000000")
    )
    clock.move_to(f.at(2026, 3, 9, 9))
    f.report(liaison_a, weekly, period="2026-W10")
    supervision.notice_answer(actor=liaison_a, notice=notice, answer="已制定整改措施。")
    clock.move_to(f.at(2026, 3, 16, 9))
    f.report(liaison_a, weekly, period="2026-W11")
    clock.move_to(f.NOW)
    return weekly


def test_each_kind_is_counted_in_the_week_it_counts_in(office, unit_a, unit_b, asked_of_a):
    found = burden.reporting_burden(office, W)
    a = _row(found, unit_a)
    assert _kinds(a) == {
        "task_reports": (5, 3),
        "investment": (1, 1),
        "indicators": (1, 0),
        "notices": (1, 1),
    }
    assert (a.asked, a.filed, a.by_week) == (8, 5, [1, 2, 3, 2])
    b = _row(found, unit_b)
    assert (b.asked, b.filed, b.by_week) == (2, 0, [0, 0, 1, 1])
    # The unit asked the most comes first; the total is the office's scope.
    assert [r.unit_id for r in found.rows] == [unit_a.pk, unit_b.pk]
    assert (found.total.asked, found.total.filed) == (10, 5)


def test_a_returned_report_is_not_filed(office, liaison_a, unit_a, asked_of_a):
    report = ProgressReport.objects.get(task=asked_of_a, period_label="2026-W11")
    services.report_review(actor=office, report=report, accept=False, comment="请补充。")
    a = _row(burden.reporting_burden(office, W), unit_a)
    assert a.kinds["task_reports"].filed == 2


def test_a_liaison_sees_only_the_units_own_line(
    liaison_a, liaison_b, unit_a, unit_b, leader, asked_of_a
):
    assert [r.unit_id for r in burden.reporting_burden(liaison_b, W).rows] == [unit_b.pk]
    assert [r.unit_id for r in burden.reporting_burden(liaison_a, W).rows] == [unit_a.pk]
    # A leader sees the office's whole scope.
    assert {r.unit_id for r in burden.reporting_burden(leader, W).rows} == {unit_a.pk, unit_b.pk}


def test_another_office_counts_none_of_the_zones_units(office, unit_a, asked_of_a):
    district = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    for role in (Role.OFFICE, Role.LEADER, Role.LIAISON):
        outsider = f.person(f"{role}_d", role, units=[district])
        found = burden.reporting_burden(outsider, W)
        assert found.rows == [] and found.twice == []
    assert burden.reporting_burden(None, W).rows == []


# --- the time to file ---------------------------------------------------------------


def _filed_in(liaison, task, period, seconds):
    f.report(liaison, task, period=period, seconds_to_file=seconds)


def test_the_median_time_to_file(office, liaison_a, liaison_b, unit_a, unit_b, clock):
    tasks = [
        f.claimed(office, liaison_a, unit_a, start=dt.date(2026, 3, 2), deadline=f.TODAY)
        for _ in range(4)
    ]
    clock.move_to(f.at(2026, 3, 10))
    # Unit A: 60, 120, 300 and 900 seconds: the median is (120 + 300) / 2 = 210 s, 3.5 minutes.
    for task, seconds in zip(tasks, (900, 60, 300, 120), strict=True):
        _filed_in(liaison_a, task, "2026-W10", seconds)
    # Unit B: one odd count, 3 reports: 30, 600, 45 → 45 s; one not measured.
    b_tasks = [
        f.claimed(office, liaison_b, unit_b, start=dt.date(2026, 3, 2), deadline=f.TODAY)
        for _ in range(4)
    ]
    for task, seconds in zip(b_tasks, (30, 600, 45, None), strict=True):
        _filed_in(liaison_b, task, "2026-W10", seconds)
    clock.move_to(f.NOW)
    found = burden.reporting_burden(office, W)
    a, b = _row(found, unit_a), _row(found, unit_b)
    assert (a.median_seconds, a.median_minutes, a.timed) == (210, 3.5, 4)
    assert (b.median_seconds, b.timed) == (45, 3)
    # Filed outside the weeks shown (W11): not in W08's median.
    assert all(r.median_seconds is None for r in burden.reporting_burden(office, W[:1]).rows)


def test_the_service_keeps_only_times_a_form_can_take(office, liaison_a, unit_a):
    tasks = [f.claimed(office, liaison_a, unit_a) for _ in range(4)]
    for task, seconds in zip(tasks, (-5, 86_401, 86_400, 0), strict=True):
        _filed_in(liaison_a, task, f.LAST_WEEK, seconds)
    kept = [ProgressReport.objects.get(task=t).seconds_to_file for t in tasks]
    assert kept == [None, None, 86_400, 0]


def test_a_draft_keeps_no_time(office, liaison_a, unit_a):
    task = f.claimed(office, liaison_a, unit_a)
    draft = f.report(liaison_a, task, period=f.LAST_WEEK, submit=False, seconds_to_file=100)
    assert draft.seconds_to_file is None


def test_the_form_stamp_is_read_back_only_for_its_person_and_task(
    office, liaison_a, liaison_b, unit_a, clock
):
    task = f.claimed(office, liaison_a, unit_a)
    other = f.claimed(office, liaison_a, unit_a)
    stamp = filing.opened_stamp(person=liaison_a, task_id=task.pk)
    clock.move_to(f.NOW + dt.timedelta(minutes=7, seconds=30))
    assert filing.seconds_to_file(stamp, person=liaison_a, task_id=task.pk) == 450
    assert filing.seconds_to_file(stamp, person=liaison_b, task_id=task.pk) is None
    assert filing.seconds_to_file(stamp, person=liaison_a, task_id=other.pk) is None
    # Changed by hand: the signature no longer matches.
    forged = stamp.replace(stamp.split(":")[0], "eyJwIjoxLCJ0IjoxLCJhdCI6MH0")
    assert filing.seconds_to_file(forged, person=liaison_a, task_id=task.pk) is None
    for garbage in ("", None, "abc", "x:y:z", "a" * 5000):
        assert filing.seconds_to_file(garbage, person=liaison_a, task_id=task.pk) is None
    # Kept for more than a day and sent again: not a time a form takes.
    clock.move_to(f.NOW + dt.timedelta(days=1, seconds=1))
    assert filing.seconds_to_file(stamp, person=liaison_a, task_id=task.pk) is None
    # Opened "in the future" (a clock set back): not counted either.
    ahead = filing.opened_stamp(person=liaison_a, task_id=task.pk, at=f.NOW + dt.timedelta(days=3))
    assert filing.seconds_to_file(ahead, person=liaison_a, task_id=task.pk) is None


def test_the_report_page_measures_the_time_from_opening_to_submitting(
    office, liaison_a, unit_a, as_, clock
):
    task = f.claimed(office, liaison_a, unit_a)
    client = as_(liaison_a)
    page = client.get(f"/tasks/{task.pk}/report/?period={f.LAST_WEEK}")
    stamp = page.context["form"].initial["opened"]
    assert f'name="opened" value="{stamp}"' in page.content.decode()
    clock.move_to(f.NOW + dt.timedelta(minutes=4))
    data = {
        "period": f.LAST_WEEK,
        "text": "完成方案论证。",
        "percent": "20",
        "version": "0",
        "opened": stamp,
        "submit": "1",
    }
    assert client.post(f"/tasks/{task.pk}/report/", data).status_code == 302
    assert ProgressReport.objects.get(task=task).seconds_to_file == 240


@pytest.mark.parametrize("stamp", ["", "forged:stamp", None])
def test_a_forged_or_absent_stamp_files_the_report_without_a_time(
    office, liaison_a, unit_a, as_, stamp
):
    task = f.claimed(office, liaison_a, unit_a)
    data = {"period": f.LAST_WEEK, "text": "完成。", "percent": "20", "version": "0", "submit": "1"}
    if stamp is not None:
        data["opened"] = stamp
    assert as_(liaison_a).post(f"/tasks/{task.pk}/report/", data).status_code == 302
    report = ProgressReport.objects.get(task=task)
    assert report.state == "submitted" and report.seconds_to_file is None


def test_a_report_filed_through_the_api_has_no_time(office, liaison_a, unit_a):
    task = f.claimed(office, liaison_a, unit_a)
    secret = token_create(actor=liaison_a, name="OA", days=30, can_write=True).secret
    response = f.signed_in(None).post(
        f"/api/v1/tasks/{task.pk}/reports",
        {"period": f.LAST_WEEK, "text": "完成。", "percent": "20", "submit": True},
        content_type="application/json",
        headers={"Authorization": f"Bearer {secret}"},
    )
    assert response.status_code == 201, response.content
    assert ProgressReport.objects.get(task=task).seconds_to_file is None


# --- asked twice -----------------------------------------------------------------------


def test_a_task_asking_for_a_projects_investment_is_listed(office, liaison_a, unit_a, unit_b):
    hydrogen = _project(office, unit_a)
    projects.investment_plan_set(actor=office, project=hydrogen, year=2026, amount=TEN_MILLION)
    robots = _project(office, unit_a, code="XM-002", name="机器人产业园项目")
    projects.investment_plan_set(actor=office, project=robots, year=2026, amount=TEN_MILLION)
    paused = _project(office, unit_b, code="XM-003", name="新材料项目")
    projects.investment_plan_set(actor=office, project=paused, year=2026, amount=TEN_MILLION)
    # Names the project, asks for investment in 万元: the same figure.
    named = f.task(
        office, unit_a, title="加快氢能产业园项目建设", metric="完成投资", metric_unit="万元"
    )
    # Asks for investment but names no project: the unit's projects, possibly.
    unnamed = f.task(
        office, unit_a, title="完善园区基础设施", metric="完成基础设施投资", metric_unit="亿元"
    )
    # Not investment (a turnover in 亿元), or investment counted in projects (个): not listed.
    f.task(office, unit_a, title="技术转移", metric="技术合同成交额", metric_unit="亿元")
    f.task(office, unit_a, title="招商", metric="新增投资项目", metric_unit="个")
    # Unit B asks for investment, but its only project plans nothing this year.
    f.task(office, unit_b, title="新材料项目建设", metric="投资", metric_unit="万元")
    InvestmentPlan.objects.filter(project=paused).update(amount=0)
    # A problem the project raised, with an investment metric: linked, the same project.
    problem = projects.problem_raise(
        actor=office,
        project=robots,
        kind="funding",
        title="协调融资",
        lead_unit=unit_b,
        deadline=f.TODAY + dt.timedelta(days=30),
    )
    services.task_update(
        actor=office,
        task=problem.task,
        version=problem.task.version,
        metric="到位投资",
        metric_unit="万元",
    )
    # Last week and this one: the problem's task began today.
    weeks = burden.chosen_weeks(f.LAST_WEEK, f.THIS_WEEK, f.TODAY)
    found = asked_twice.twice_asked(office, weeks)
    listed = {t.task.pk: (t.same_project, [p.code for p in t.projects]) for t in found}
    assert listed == {
        named.pk: (True, ["XM-001"]),
        problem.task_id: (True, ["XM-002"]),
        unnamed.pk: (False, ["XM-001", "XM-002"]),
    }
    assert found[-1].task == unnamed  # the certain ones first
    # A liaison: their own unit's tasks, with the projects they may see. Unit B's
    # liaison does not see unit A's project, so its problem is not listed to them.
    assert {t.task.pk for t in asked_twice.twice_asked(liaison_a, weeks)} == {named.pk, unnamed.pk}
    liaison_b = f.person("liaison_b2", Role.LIAISON, units=[unit_b])
    assert asked_twice.twice_asked(liaison_b, weeks) == []
    # Found tasks are shown with the projects the reader may see, and not at all without one.
    row = asked_twice.Found(named.pk, unit_a.pk, [hydrogen.pk], True)
    assert [t.task for t in asked_twice.load(office, [row])] == [named]
    assert asked_twice.load(liaison_b, [row]) == []


def test_a_closed_or_paused_projects_figure_is_not_asked(office, liaison_a, unit_a):
    project = _project(office, unit_a)
    projects.investment_plan_set(actor=office, project=project, year=2026, amount=TEN_MILLION)
    Project.objects.filter(pk=project.pk).update(stage="paused")
    f.task(office, unit_a, title="氢能产业园项目", metric="投资", metric_unit="万元")
    assert asked_twice.twice_asked(office, W) == []
    assert _row(burden.reporting_burden(office, W), unit_a).kinds["investment"].asked == 0


# --- the weeks ----------------------------------------------------------------------------


def test_the_weeks_chosen():
    labels = lambda ws: [w.label for w in ws]  # noqa: E731
    assert labels(burden.chosen_weeks(None, None, f.TODAY)) == [w.label for w in W]
    assert labels(burden.chosen_weeks("2026-W11", "2026-W09", f.TODAY)) == [
        "2026-W09",
        "2026-W10",
        "2026-W11",
    ]
    # Never more than a quarter: the latest 13 weeks are kept.
    long = burden.chosen_weeks("2025-W01", "2026-W11", f.TODAY)
    assert len(long) == 13 and long[-1].label == "2026-W11"
    # Never past the current week; nonsense falls back to the default.
    assert labels(burden.chosen_weeks("2026-W12", "2027-W40", f.TODAY)) == ["2026-W12"]
    for bad in ("2026-13", "garbage", "2026-W99", "9999-W01"):
        assert labels(burden.chosen_weeks(bad, bad, f.TODAY)) == [w.label for w in W]


# --- bounds and the page ------------------------------------------------------------------


def test_a_fixed_number_of_queries_whatever_the_size(
    office, liaison_a, liaison_b, unit_a, unit_b, unit_c, as_, asked_of_a
):
    client = as_(office)

    made = iter(range(100))

    def grow(n):
        for _ in range(n):
            i = next(made)
            for unit, liaison in ((unit_a, liaison_a), (unit_b, liaison_b)):
                task = f.claimed(office, liaison, unit, metric="投资", metric_unit="万元")
                f.report(liaison, task, period=f.LAST_WEEK, seconds_to_file=60 * (i + 1))
            project = _project(office, unit_c, code=f"G-{i}", name=f"项目{i}")
            projects.investment_plan_set(
                actor=office, project=project, year=2026, amount=TEN_MILLION
            )

    grow(1)
    client.get("/reporting/burden/")
    with CaptureQueriesContext(connection) as small:
        assert client.get("/reporting/burden/").status_code == 200
    grow(5)
    with CaptureQueriesContext(connection) as large:
        assert client.get("/reporting/burden/").status_code == 200
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_service_asks_at_most_a_dozen_queries(
    office, asked_of_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        found = burden.reporting_burden(office, W)
        _ = [r.unit.name for r in burden.with_units(found.rows) if r.unit]
        _ = [t.task.lead_unit.name for t in asked_twice.load(office, found.twice)]


def test_the_page_in_both_languages(office, liaison_a, unit_a, as_, asked_of_a):
    english = as_(office).get("/reporting/burden/").content.decode()
    assert "Reporting burden" in english and "Investment figures" in english
    assert "Development and Reform Bureau" in english
    assert "3 / 5" in english  # unit A's task reports: filed / asked
    chinese = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/reporting/burden/")
    text = chinese.content.decode()
    assert "报送负担" in text and "投资数据" in text and "发展改革局" in text
    assert "重复要求的同一数据" in text
    # The reporting page leads to it.
    assert "/reporting/burden/" in as_(office).get("/reporting/").content.decode()


def test_bad_weeks_in_the_address_fall_back_quietly(office, as_):
    client = as_(office)
    for query in ("from=garbage", "to=2026-W99", "from=2026-W11&to=2020-W01", "from=%00"):
        assert client.get(f"/reporting/burden/?{query}").status_code == 200


# --- the kept count -------------------------------------------------------------------------

KEY = "burden 2026-W08 2026-W11"  # the default range's, on the suite's clock


def test_office_staff_read_the_count_the_worker_kept(
    office, liaison_a, unit_a, as_, asked_of_a, clock, settings
):
    settings.DUBAN_SCAN_EVERY_MINUTES = 60
    keep_counts()  # the worker, after a scan
    found = burden.reporting_burden(office, W)
    assert found.counted_at == f.NOW
    assert _kinds(_row(found, unit_a))["task_reports"] == (5, 3)
    # What the office's page shows is the kept count (falsified here, to tell them apart).
    kept = KeptFigures.objects.get(key=KEY)
    data = kept.data
    data["units"][str(unit_a.pk)][0][0] = 36  # task reports asked
    KeptFigures.objects.filter(pk=kept.pk).update(data=data)
    assert _row(burden.reporting_burden(office, W), unit_a).kinds["task_reports"].asked == 36
    page = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/reporting/burden/").content.decode()
    assert "3 / 36" in page and "按记录统计于 2026-03-18 10:00" in page
    assert 'data-testid="recount"' in page
    # A liaison's, and another range, are counted for their reader.
    assert burden.reporting_burden(liaison_a, W).counted_at is None
    assert _row(burden.reporting_burden(liaison_a, W), unit_a).kinds["task_reports"].asked == 5
    assert burden.reporting_burden(office, W[1:]).counted_at is None
    assert (
        'data-testid="counted-at"' not in as_(liaison_a).get("/reporting/burden/").content.decode()
    )
    # Only the office counts again on demand.
    assert as_(liaison_a).post("/reporting/burden/recount/").status_code == 403
    clock.move_to(f.NOW + dt.timedelta(minutes=20))
    assert as_(office).post("/reporting/burden/recount/").status_code == 302
    again = burden.reporting_burden(office, W)
    assert again.counted_at == f.NOW + dt.timedelta(minutes=20)
    assert _row(again, unit_a).kinds["task_reports"].asked == 5
    # Two scans missed: counted for the reader.
    clock.move_to(f.NOW + dt.timedelta(minutes=20 + 121))
    assert burden.reporting_burden(office, W).counted_at is None


def test_the_kept_count_is_kept_to_the_readers_scope(office, unit_a, asked_of_a):
    keep_counts()
    district = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    for role in (Role.OFFICE, Role.LEADER):
        outsider = f.person(f"{role}_d", role, units=[district])
        found = burden.reporting_burden(outsider, W)
        assert found.counted_at is not None and found.rows == [] and found.twice == []


def test_a_burden_kept_in_another_form_or_for_a_past_day_is_not_read(office, asked_of_a):
    burden.keep_default(today=f.TODAY - dt.timedelta(days=1))
    assert not KeptFigures.objects.filter(key=KEY).exists()
    burden.keep_default()
    KeptFigures.objects.filter(key=KEY).update(form=["task_reports"])
    assert burden.reporting_burden(office, W).counted_at is None
