"""Projects and indicators through the API, scoped as on the pages; money in yuan."""

from __future__ import annotations

from decimal import Decimal

import pytest

from duban.projects import indicators, services
from duban.projects.models import Industry, InvestmentReport
from duban.projects.seed import seed_industries
from tests import factories as f


@pytest.fixture
def project(office, leader, unit_a):
    seed_industries()
    return services.project_create(
        actor=office,
        code="XM-001",
        name="氢能产业园项目",
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=unit_a,
        leader=leader,
        total_investment=Decimal("120000000.00"),
        planned_sign=f.TODAY.replace(month=1, day=15),
    )


@pytest.fixture
def target(office, unit_a):
    fai = indicators.indicator_create(
        actor=office,
        code="fai",
        name="固定资产投资",
        name_en="Fixed-asset investment",
        measure="亿元",
    )
    return indicators.target_set(
        actor=office, indicator=fai, unit=unit_a, year=2026, target=Decimal("36")
    )


def test_a_liaison_reads_their_units_projects_in_yuan(api, liaison_a, liaison_b, project):
    page = api(liaison_a).get("/projects").json()
    assert [p["code"] for p in page["results"]] == ["XM-001"]
    assert page["results"][0]["total_investment"] == "120000000.00"
    assert page["results"][0]["amount_unit"] == "yuan"
    assert api(liaison_b).get("/projects").json()["results"] == []
    assert api(liaison_b).get(f"/projects/{project.pk}").status_code == 404


def test_the_unit_files_a_months_investment_once(api, liaison_a, liaison_b, project):
    body = {"year": 2026, "month": 2, "amount": "3500000.00", "note": "设备进场"}
    first = api(liaison_a).post(
        f"/projects/{project.pk}/investment", body, **{"Idempotency-Key": "inv-2026-02"}
    )
    again = api(liaison_a).post(
        f"/projects/{project.pk}/investment", body, **{"Idempotency-Key": "inv-2026-02"}
    )
    assert first.status_code == again.status_code == 201
    assert InvestmentReport.objects.filter(project=project).count() == 1
    assert (
        api(liaison_a).get(f"/projects/{project.pk}/investment").json()[0]["amount"] == "3500000.00"
    )
    assert api(liaison_b).post(f"/projects/{project.pk}/investment", body).status_code == 404
    future = api(liaison_a).post(f"/projects/{project.pk}/investment", {**body, "month": 13})
    assert future.status_code == 422 and "month" in future.json()["errors"]


def test_a_stage_move_goes_through_the_rules(api, office, project):
    moved = api(office).post(
        f"/projects/{project.pk}/stage", {"target": "signed", "on": "2026-01-20"}
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "signed"
    wrong = api(office).post(
        f"/projects/{project.pk}/stage", {"target": "nowhere", "on": "2026-01-20"}
    )
    assert wrong.status_code == 422


def test_indicator_figures_reported_and_read(api, office, liaison_a, liaison_b, target):
    made = api(liaison_a).post(
        f"/indicators/targets/{target.pk}/actuals", {"month": 1, "value": "2"}
    )
    assert made.status_code == 201 and made.json()["actual"] == "2.00"
    rows = api(office).get("/indicators/targets?year=2026").json()
    assert [(r["id"], r["months"]) for r in rows] == [(target.pk, 1)]
    assert (
        api(liaison_b)
        .post(f"/indicators/targets/{target.pk}/actuals", {"month": 2, "value": "1"})
        .status_code
        == 404
    )


def test_two_desks_moving_one_project_conflict_instead_of_the_second_overwriting(
    api, office, project
):
    first, second = api(office), api(office)
    read = first.get(f"/projects/{project.pk}")
    tag = read["ETag"]
    assert tag == f'"project{project.pk}-v{read.json()["version"]}"'
    assert first.get(f"/projects/{project.pk}", **{"If-None-Match": tag}).status_code == 304
    seen_by_second = second.get(f"/projects/{project.pk}")["ETag"]
    moved = first.post(
        f"/projects/{project.pk}/stage",
        {"target": "signed", "on": "2026-01-20"},
        **{"If-Match": tag},
    )
    assert moved.status_code == 200 and moved.json()["stage"] == "signed"
    stale = second.post(
        f"/projects/{project.pk}/stage",
        {"target": "cancelled", "on": "2026-01-21", "reason": "撤资"},
        **{"If-Match": seen_by_second},
    )
    assert stale.status_code == 412
    assert stale["Content-Type"].startswith("application/problem+json")
    project.refresh_from_db()
    assert project.stage == "signed"
    # Without If-Match the move is judged by the stage rules alone.
    fresh = second.post(f"/projects/{project.pk}/stage", {"target": "started", "on": "2026-02-01"})
    assert fresh.status_code == 200 and fresh.json()["stage"] == "started"


def test_the_year_plan_is_set_by_the_desk_and_read_in_yuan(api, office, liaison_a, project):
    made = api(office).post(
        f"/projects/{project.pk}/investment-plans",
        {"year": 2026, "amount": "36000000.00", "first_month": 3},
    )
    assert made.status_code == 200
    assert made.json() == {
        "year": 2026,
        "amount": "36000000.00",
        "amount_unit": "yuan",
        "first_month": 3,
        "last_month": 12,
    }
    again = api(office).post(
        f"/projects/{project.pk}/investment-plans", {"year": 2026, "amount": "40000000"}
    )
    assert again.json()["amount"] == "40000000.00"
    assert [
        p["amount"] for p in api(liaison_a).get(f"/projects/{project.pk}/investment-plans").json()
    ] == ["40000000.00"]
    for bad in ({"amount": "-1"}, {"amount": "1e20"}, {"amount": "NaN"}, {"last_month": 13}):
        refused = api(office).post(
            f"/projects/{project.pk}/investment-plans", {"year": 2026, "amount": "1", **bad}
        )
        assert refused.status_code == 422, bad
    backwards = api(office).post(
        f"/projects/{project.pk}/investment-plans",
        {"year": 2026, "amount": "1", "first_month": 9, "last_month": 3},
    )
    assert backwards.status_code == 422 and "last_month" in backwards.json()["errors"]


@pytest.mark.parametrize(
    "amount",
    ["1e309", "NaN", "Infinity", "-1", "0.001", "100000000000000", "92233720368547758080000"],
)
def test_an_amount_the_column_cannot_hold_is_refused(api, office, liaison_a, project, amount):
    """Money is a DecimalField(16, 2): beyond it, SQLite stores a REAL that no
    page can read back (a plan of 2^63 万元 once made the project's page a 500)."""
    unit, desk = api(liaison_a), api(office)  # their tokens first: a token is a row
    before = f.snapshot()
    report = unit.post(
        f"/projects/{project.pk}/investment", {"year": 2026, "month": 2, "amount": amount}
    )
    plan = desk.post(f"/projects/{project.pk}/investment-plans", {"year": 2026, "amount": amount})
    for answer in (report, plan):
        assert answer.status_code == 422 and "amount" in answer.json()["errors"]
    assert f.snapshot() == before
    assert desk.get(f"/projects/{project.pk}").status_code == 200


def test_an_amount_the_column_holds_but_no_province_reports_is_refused_by_the_service(
    api, liaison_a, project
):
    unit = api(liaison_a)
    before = f.snapshot()
    answer = unit.post(
        f"/projects/{project.pk}/investment",
        {"year": 2026, "month": 2, "amount": "10000000000000.00"},  # 10 万亿元
    )
    assert answer.status_code in (400, 422)
    assert "hundred million yuan; check the unit" in answer.content.decode()
    assert f.snapshot() == before


@pytest.mark.parametrize("value", ["1e309", "NaN", "-Infinity", "1.001", "-100000000000000"])
def test_an_indicator_figure_the_column_cannot_hold_is_refused(api, liaison_a, target, value):
    unit = api(liaison_a)
    before = f.snapshot()
    answer = unit.post(f"/indicators/targets/{target.pk}/actuals", {"month": 1, "value": value})
    assert answer.status_code == 422 and "value" in answer.json()["errors"]
    assert f.snapshot() == before
