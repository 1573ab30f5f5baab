"""The cockpit's other panels (meetings, ranking, investment, indicators),
the cockpit as of a past date, and the per-person views."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from duban.assessment.models import StandingSnapshot
from duban.cockpit.charts import overview
from duban.lib import periods
from duban.ops.jobs import scan_and_notify
from duban.org import services as org_services
from duban.org.models import Role
from duban.org.scope import SYSTEM
from duban.projects import indicators
from duban.projects import services as projects
from duban.projects.models import Industry, Project
from duban.projects.seed import seed_industries
from duban.supervision.scan import scan
from duban.work import services

from .. import factories as f

DAY = dt.timedelta(days=1)


def _chart(data, name):
    return next(c for c in data["charts"] if c["id"] == name)


def _values(chart, series=0):
    return [None if d is None else d["value"] for d in chart["option"]["series"][series]["data"]]


def test_the_last_three_meetings_done_going_overdue(office, liaison_a, unit_a, unit_b, clock):
    old = f.meeting(office, f.TODAY - 30 * DAY, number=1)
    last = f.meeting(office, f.TODAY - 7 * DAY, number=3)
    middle = f.meeting(office, f.TODAY - 14 * DAY, number=2)
    earliest = f.meeting(office, f.TODAY - 60 * DAY, number=0)
    f.task(office, unit_a, meeting=earliest)  # the fourth meeting back: not shown
    done = f.claimed(office, liaison_a, unit_a, meeting=last)
    f.close(office, liaison_a, done)
    f.task(office, unit_a, meeting=last, start=f.TODAY - 20 * DAY, deadline=f.TODAY - DAY)
    f.task(office, unit_b, meeting=last)
    f.task(office, unit_b, meeting=middle)
    f.task(office, unit_b, meeting=old, start=f.TODAY - 40 * DAY, deadline=f.TODAY - 2 * DAY)
    chart = _chart(overview(office), "meetings")
    labels = chart["option"]["yAxis"]["data"]
    assert len(labels) == 3 and labels[0].startswith("02-16") and labels[2].startswith("03-11")
    assert _values(chart, 0) == [None, None, 1]  # done (a zero draws nothing)
    assert _values(chart, 1) == [None, 1, 1]  # in progress
    assert _values(chart, 2) == [1, None, 1]  # overdue
    overdue_link = chart["option"]["series"][2]["data"][2]["link"]
    assert overdue_link == f"/tasks/?meeting={last.pk}&due=overdue"
    assert chart["option"]["series"][0]["data"][2]["link"].endswith("state=closed&closed=on")
    # A liaison counts only their unit's assignments; a meeting that gave
    # their unit nothing is left out.
    mine = _chart(overview(liaison_a), "meetings")
    assert len(mine["option"]["yAxis"]["data"]) == 1 and _values(mine, 2) == [1]


def test_the_meeting_filter_on_the_task_list(as_, office, unit_a):
    meeting = f.meeting(office, f.TODAY - 7 * DAY, number=3)
    f.task(office, unit_a, meeting=meeting, title="会上交办的事")
    f.task(office, unit_a, title="别的事")
    page = as_(office).get(f"/tasks/?meeting={meeting.pk}").content.decode()
    assert "会上交办的事" in page and "别的事" not in page


def test_the_ranking_comes_from_the_scan_and_shows_top_and_bottom(
    office, liaison_a, unit_a, unit_b, unit_c
):
    assert _chart(overview(office), "ranking")["empty"]  # no scan yet: says when it comes
    for unit in (unit_a, unit_b, unit_c):
        f.task(office, unit, start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY)
    f.task(office, unit_a, start=f.TODAY - 40 * DAY, deadline=f.TODAY - 2 * DAY)
    scan_and_notify(today=f.TODAY)
    snapshot = StandingSnapshot.objects.get()
    assert snapshot.quarter == "2026Q1" and snapshot.day == f.TODAY
    chart = _chart(overview(office), "ranking")
    assert not chart["empty"] and "2026Q1" in chart["title"]
    data = chart["option"]["series"][0]["data"]
    assert data[0]["link"].startswith("/assessment/2026Q1/#unit-")
    # Lowest last, in red: unit A has two overdue tasks.
    assert data[-1]["link"].endswith(f"#unit-{unit_a.pk}")
    assert data[-1]["itemStyle"]["color"] == "#c62828"
    (place,) = overview(liaison_a)["places"]
    assert place["rank"] == 3 and place["of"] == 3
    # The same day's scan again replaces the day's snapshot, it does not add one.
    scan_and_notify(today=f.TODAY)
    assert StandingSnapshot.objects.count() == 1


@pytest.fixture
def project(office, leader, unit_a):
    seed_industries()
    park = org_services.unit_create(actor=SYSTEM, code="P1", name="装备制造产业园", kind="park")
    return projects.project_create(
        actor=office,
        code="XM-001",
        name="氢能产业园项目",
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=unit_a,
        park=park,
        leader=leader,
        total_investment=Decimal("300000000"),
    )


def test_the_investment_curve_in_wan_yi_and_millions(project, office, liaison_a, liaison_b):
    projects.investment_plan_set(
        actor=office, project=project, year=2026, amount=Decimal("12000000")
    )  # 1,200 万元 over the year: 100 万 a month
    for month, amount in [(1, "800000"), (2, "1500000")]:
        projects.investment_report_file(
            actor=liaison_a,
            project=project,
            year=2026,
            month=month,
            amount=Decimal(amount),
            today=f.TODAY,
        )
    with translation.override("zh-hans"):
        chart = _chart(overview(office), "investment")
    assert chart["option"]["yAxis"]["name"] == "万元"
    # Investment done is 已完成, not a task closed (已办结).
    assert [x["name"] for x in chart["option"]["series"]] == ["计划", "已完成"]
    assert _values(chart, 0)[:3] == [100.0, 200.0, 300.0] and _values(chart, 0)[11] == 1200.0
    assert _values(chart, 1) == [80.0, 230.0] + [None] * 10
    assert chart["option"]["series"][1]["data"][0]["link"] == "/projects/"
    with translation.override("en"):
        chart = _chart(overview(office), "investment")
    assert chart["option"]["yAxis"]["name"] == "million yuan"
    assert _values(chart, 1)[:2] == [0.8, 2.3]
    projects.investment_plan_set(
        actor=office, project=project, year=2026, amount=Decimal("240000000")
    )
    with translation.override("zh-hans"):
        chart = _chart(overview(office), "investment")
    assert chart["option"]["yAxis"]["name"] == "亿元" and _values(chart, 0)[11] == 2.4
    # Someone whose units have no project sees an empty curve, not ours.
    assert _chart(overview(liaison_b), "investment")["empty"]


def test_indicators_against_target_by_district_and_park(office):
    district = org_services.unit_create(actor=SYSTEM, code="D1", name="辛店镇", kind="district")
    park = org_services.unit_create(actor=SYSTEM, code="P2", name="自贸片区", kind="park")
    fai = indicators.indicator_create(actor=office, code="fai", name="固定资产投资", measure="亿元")
    for unit, target in ((district, "36"), (park, "12")):
        indicators.target_set(
            actor=office, indicator=fai, unit=unit, year=2026, target=Decimal(target)
        )
    liaison = f.person("d-liaison", Role.LIAISON, units=[district])
    (district_target,) = fai.targets.filter(unit=district)
    indicators.actual_report(actor=liaison, target=district_target, month=1, value=Decimal("9"))
    chart = _chart(overview(office), f"indicator-{fai.pk}")
    assert chart["option"]["yAxis"]["data"] == ["辛店镇", "自贸片区"]
    assert _values(chart, 0) == [25.0, 0.0]
    # Two months of twelve ended on 18 March: 16.7 % of the target due by now.
    assert _values(chart, 1) == [16.7, 16.7]
    assert chart["option"]["series"][0]["data"][0]["link"] == (
        f"/indicators/?indicator={fai.pk}&unit={district.pk}&year=2026"
    )
    mine = overview(liaison)
    assert _chart(mine, f"indicator-{fai.pk}")["option"]["yAxis"]["data"] == ["辛店镇"]


def test_as_of_a_past_date_from_the_history(office, liaison_a, unit_a, unit_b, clock, project):
    monday = f.TODAY - 2 * DAY  # 16 March
    Project.objects.filter(pk=project.pk).update(created_at=f.at(2026, 3, 1))
    clock.move_to(f.at(2026, 3, 10, 9))
    early = f.claimed(
        office, liaison_a, unit_a, start=f.TODAY - 40 * DAY, deadline=f.TODAY - 5 * DAY
    )
    clock.move_to(f.at(2026, 3, 17, 9))
    scan_and_notify(today=dt.date(2026, 3, 17))  # raises the overdue warning on the 17th
    f.close(office, liaison_a, early)  # and it closes on the 17th
    later = f.task(office, unit_b)  # assigned on the 17th
    projects.stage_move(
        actor=office, project=project, target="signed", on=dt.date(2026, 3, 17), today=f.TODAY
    )
    clock.move_to(f.NOW)
    scan_and_notify(today=f.TODAY)
    now = overview(office)
    assert now["totals"]["open"] == 1 and not now["at"].past
    assert _values(_chart(now, "funnel"))[:2] == [0, 1]
    then = overview(office, monday)
    assert then["at"].past and then["at"].day == monday
    # On the 16th the early task was open and in progress, with no warning
    # yet but three days past its deadline: red, as the task list showed it;
    # the later task did not exist; the project was still in reserve.
    assert then["totals"] == {"open": 1, "red": 1, "yellow": 0}
    assert _values(_chart(then, "states")) == [0, 1, 0]
    assert _values(_chart(then, "funnel"))[:2] == [1, 0]
    assert _chart(then, "ranking")["empty"]  # no ranking recorded before the 17th
    on_17th = overview(office, dt.date(2026, 3, 17))
    assert on_17th["totals"]["open"] == 1  # closed on the 17th; the later one open
    assert later.pk and _values(_chart(on_17th, "states")) == [1, 0, 0]
    assert "17" in _chart(on_17th, "ranking")["title"]


def test_as_of_reads_the_level_the_warning_had(office, unit_a, clock):
    task = f.task(office, unit_a, start=f.TODAY - 40 * DAY, deadline=f.TODAY + 2 * DAY)
    clock.move_to(f.at(2026, 3, 16, 9))
    scan(today=dt.date(2026, 3, 16))  # near due: a reminder, no light
    clock.move_to(f.at(2026, 3, 21, 9))
    scan(today=dt.date(2026, 3, 21))  # now overdue: red
    assert overview(office)["totals"]["red"] == 1
    assert overview(office, dt.date(2026, 3, 16))["totals"]["red"] == 0
    assert task.pk


def test_a_leader_sees_their_units_and_plans_first(office, leader, unit_a, unit_b, plan):
    f.task(
        office, unit_a, leader=leader, plan=plan, start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY
    )
    f.task(office, unit_a, leader=leader, plan=plan)
    f.task(office, unit_b)
    scan(today=f.TODAY)
    mine = overview(leader)["leader"]
    assert [(r["name"], r["open"], r["red"]) for r in mine["units"]] == [(unit_a, 2, 1)]
    assert mine["units"][0]["link"] == f"/tasks/?unit={unit_a.pk}&leader={leader.pk}"
    assert [(r["name"], r["open"], r["red"]) for r in mine["plans"]] == [(plan, 2, 1)]
    assert mine["plans"][0]["red_link"] == f"/warnings/?plan={plan.pk}&leader={leader.pk}&level=4"
    assert overview(office)["leader"] is None


def test_the_pages_for_each_person(as_, office, leader, liaison_a, unit_a):
    f.task(office, unit_a, leader=leader)
    scan_and_notify(today=f.TODAY)
    page = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="en").get("/cockpit/").content.decode()
    assert 'data-testid="my-unit"' in page and 'data-testid="reports-due"' in page
    assert 'data-testid="leader-units"' not in page
    page = as_(leader, HTTP_ACCEPT_LANGUAGE="en").get("/cockpit/").content.decode()
    assert 'data-testid="leader-units"' in page and str(unit_a) in page
    # Leaders land on the cockpit; the office and liaisons on their inbox,
    # a liaison's opening with their unit's figures and place.
    assert as_(leader).get("/").url == "/cockpit/"
    assert as_(liaison_a).get("/").url == "/inbox/"
    assert as_(office).get("/").url == "/inbox/"
    inbox = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="en").get("/inbox/").content.decode()
    assert 'data-testid="my-unit"' in inbox and 'data-testid="my-rank"' in inbox
    assert 'data-testid="my-unit"' not in as_(office).get("/inbox/").content.decode()


def test_the_as_of_field_on_the_page(as_, office, unit_a):
    f.meeting(office, f.TODAY - 2 * DAY, number=5)
    client = as_(office, HTTP_ACCEPT_LANGUAGE="en")
    page = client.get("/cockpit/").content.decode()
    assert "?as_of=2026-03-16" in page  # the last meeting, one click away
    page = client.get("/cockpit/?as_of=2026-03-16").content.decode()
    assert 'data-testid="as-of-note"' in page and "2026-03-16" in page
    page = client.get("/cockpit/?as_of=last-monday").content.decode()
    assert "is not a date" in page and 'data-testid="as-of-note"' not in page
    page = client.get("/cockpit/?as_of=2027-01-01").content.decode()
    assert "has not come yet" in page
    page = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/cockpit/?as_of=x").content.decode()
    assert "不是日期" in page


def test_the_queries_do_not_grow_with_the_data(office, leader, liaison_a, unit_a, unit_b):
    def count(who, as_of=None):
        with CaptureQueriesContext(connection) as queries:
            overview(who, as_of)
        return len(queries.captured_queries)

    def add(n):
        meeting = f.meeting(office, f.TODAY - n * DAY, number=n)
        for unit in (unit_a, unit_b):
            f.task(office, unit, leader=leader, meeting=meeting, deadline=f.TODAY - DAY)
        scan_and_notify(today=f.TODAY)

    add(3)
    count(office), count(leader)  # the people's units, read once and kept
    small = [count(office), count(leader), count(office, f.TODAY - DAY)]
    for n in range(4, 9):
        add(n)
    assert [count(office), count(leader), count(office, f.TODAY - DAY)] == small
    assert max(small) <= 24


def test_as_of_a_task_asking_to_close(office, liaison_a, unit_a, clock):
    from duban.work import services

    clock.move_to(f.at(2026, 3, 2, 9))
    task = f.claimed(office, liaison_a, unit_a)
    clock.move_to(f.at(2026, 3, 9, 9))
    request = services.close_request_create(
        actor=liaison_a, task=task, summary="已完成。", files=[f.pdf()]
    )
    clock.move_to(f.at(2026, 3, 16, 9))
    services.close_request_decide(actor=office, request=request, accept=False, comment="证据不足。")
    clock.move_to(f.NOW)
    states = [0, 0, 0]  # awaiting claim, in progress, closing
    assert _values(_chart(overview(office, dt.date(2026, 3, 1)), "states")) == states
    assert _values(_chart(overview(office, dt.date(2026, 3, 5)), "states")) == [0, 1, 0]
    assert _values(_chart(overview(office, dt.date(2026, 3, 12)), "states")) == [0, 0, 1]
    assert _values(_chart(overview(office, dt.date(2026, 3, 17)), "states")) == [0, 1, 0]
    assert _values(_chart(overview(office), "states")) == [0, 1, 0]


def test_indicators_show_the_first_level_the_person_sees(office):
    district = org_services.unit_create(actor=SYSTEM, code="D1", name="辛店镇", kind="district")
    village = org_services.unit_create(
        actor=SYSTEM, code="V1", name="某村", kind="district", parent=district
    )
    fai = indicators.indicator_create(actor=office, code="fai", name="固定资产投资", measure="亿元")
    for unit in (district, village):
        indicators.target_set(
            actor=office, indicator=fai, unit=unit, year=2026, target=Decimal("10")
        )
    chart = _chart(overview(office), f"indicator-{fai.pk}")
    assert chart["option"]["yAxis"]["data"] == ["辛店镇"]
    below = f.person("v-liaison", Role.LIAISON, units=[village])
    assert _chart(overview(below), f"indicator-{fai.pk}")["option"]["yAxis"]["data"] == ["某村"]


def test_a_leader_of_many_units_sees_the_worst_fifteen(as_, office, leader):
    units = [
        org_services.unit_create(actor=SYSTEM, code=f"U{n}", name=f"单位{n:02d}", kind="department")
        for n in range(17)
    ]
    for unit in units:
        f.task(office, unit, leader=leader)
    page = as_(leader, HTTP_ACCEPT_LANGUAGE="en").get("/cockpit/").content.decode()
    assert page.count("单位") >= 15 and "单位16" not in page
    assert f'/tasks/?leader={leader.pk}">All 17 units' in page


def test_units_are_ranked_by_red_lights_not_red_warnings(office, unit_a, unit_b):
    from duban.supervision import services as supervision

    # Unit A: one task, overdue and with a notice past its date: two red warnings.
    a = f.task(office, unit_a, start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY)
    supervision.notice_issue(
        actor=office,
        task=a,
        reason="请说明逾期原因。",
        answer_by=f.TODAY - DAY,
        at=f.NOW - 3 * DAY,
    )
    # Unit B: two overdue tasks, two red lights.
    for _ in range(2):
        f.task(office, unit_b, start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY)
    scan(today=f.TODAY)
    assert a.warnings.filter(level=4, cleared_at__isnull=True).count() == 2
    chart = _chart(overview(office), "units")
    assert chart["option"]["yAxis"]["data"] == [str(unit_b), str(unit_a)]
    assert _values(chart) == [2, 1]


def test_as_of_a_past_day_the_leader_sees_the_plan_progress_of_that_day(
    office, leader, liaison_a, unit_a, unit_b, plan, clock
):
    """The plan's progress "as of" a day is the official progress of that day
    (reports accepted by then, tasks assigned by then), not today's."""
    clock.move_to(f.NOW - 12 * DAY)  # assigned twelve days ago
    first = f.claimed(office, liaison_a, unit_a, leader=leader, plan=plan, start=f.TODAY - 14 * DAY)
    clock.move_to(f.NOW - 7 * DAY)  # a week ago: 40 % accepted
    f.accepted(office, liaison_a, first, period=f.LAST_WEEK, percent="40", text="完成四成。")
    clock.move_to(f.NOW)  # today: 70 %, and a second task, at 0 %
    f.accepted(office, liaison_a, first, percent="70", text="完成七成。")
    f.task(office, unit_b, leader=leader, plan=plan)
    plan.refresh_from_db()
    today = overview(leader)["leader"]["plans"][0]
    then = overview(leader, as_of=f.TODAY - 5 * DAY)["leader"]["plans"][0]
    before = overview(leader, as_of=f.TODAY - 10 * DAY)["leader"]["plans"][0]
    assert today["progress"] == plan.progress == Decimal("35.0")  # (70 + 0) / 2
    assert then["progress"] == Decimal("40.0")  # one task then, at the accepted 40
    assert before["progress"] == Decimal("0")  # nothing accepted yet


def test_as_of_a_past_day_a_task_closed_by_then_counts_its_recorded_final_progress(
    office, leader, liaison_a, unit_a, plan, clock
):
    """A task closed before the day counts the progress recorded with the
    decision (here the unit's last figure, 80, not the accepted 40); before the
    decision it counts its accepted report; a request sent back counts nothing."""
    clock.move_to(f.NOW - 12 * DAY)
    task = f.claimed(office, liaison_a, unit_a, leader=leader, plan=plan, start=f.TODAY - 14 * DAY)
    f.task(office, unit_a, leader=leader, plan=plan, start=f.TODAY - 14 * DAY)  # open, at 0
    first, second = (
        periods.period_containing(f.TODAY - days * DAY, periods.WEEKLY).label for days in (14, 7)
    )
    clock.move_to(f.NOW - 9 * DAY)
    f.accepted(office, liaison_a, task, period=first, percent="40", text="完成四成。")
    clock.move_to(f.NOW - 8 * DAY)
    sent_back = services.close_request_create(
        actor=liaison_a, task=task, summary="申请办结。", files=[f.pdf()]
    )
    services.close_request_decide(
        actor=office, request=sent_back, accept=False, comment="证据不足。"
    )
    clock.move_to(f.NOW - 6 * DAY)
    f.report(liaison_a, task, period=second, percent="80", text="完成八成，申请办结。")
    clock.move_to(f.NOW - 4 * DAY)
    f.close(office, liaison_a, task)

    def progress(days_ago: int) -> Decimal:
        return overview(leader, as_of=f.TODAY - days_ago * DAY)["leader"]["plans"][0]["progress"]

    assert progress(7) == Decimal("20.0")  # sent back: the accepted 40, beside a 0
    assert progress(5) == Decimal("20.0")  # asked again, not yet decided
    assert progress(2) == Decimal("40.0")  # closed at the unit's last figure, 80
