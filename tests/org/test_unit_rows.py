"""The per-unit pages (reporting, reporting burden, indicators, ranking) show a
page of units at a time with a search by name, and their totals stay the
whole office's: a province's 5,000 units are not one page."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import RequestFactory

from duban.org import paging
from duban.org.models import Unit
from duban.projects import indicators
from tests import factories as f


@dataclass
class _Row:
    unit: Unit


def _rows(*units):
    return [_Row(u) for u in units]


def _get(query=""):
    return RequestFactory().get(f"/somewhere/?{query}")


@pytest.fixture
def one_a_page(monkeypatch):
    monkeypatch.setattr(paging, "ROWS_PAGE", 1)


def test_a_page_of_rows_in_their_order_and_the_count_of_all(unit_a, unit_b, unit_c):
    rows = _rows(unit_c, unit_a, unit_b)
    first = paging.unit_rows(_get("period=2026-W11"), rows, per_page=2)
    assert [r.unit for r in first.rows] == [unit_c, unit_a]
    assert (first.found, first.page.paginator.num_pages) == (3, 2)
    assert first.query == "period=2026-W11"
    second = paging.unit_rows(_get("period=2026-W11&page=2"), rows, per_page=2)
    assert [r.unit for r in second.rows] == [unit_b]
    assert second.query == "period=2026-W11"  # the pager adds its own page
    # A page past the end, or not a number, is the nearest page.
    assert paging.unit_rows(_get("page=99"), rows, per_page=2).page.number == 2
    assert paging.unit_rows(_get("page=x%00"), rows, per_page=2).page.number == 1


def test_the_search_keeps_the_units_named_like_it(unit_a, unit_b, unit_c):
    rows = _rows(unit_a, unit_b, unit_c)
    found = paging.unit_rows(_get("q=%E8%B4%A2%E6%94%BF&from=2026-W09"), rows)  # 财政
    assert [r.unit for r in found.rows] == [unit_b]
    assert found.found == 1 and found.q == "财政"
    assert found.kept == [("from", "2026-W09")]  # what the search form carries
    # The code, exactly; NUL and the spaces around are dropped.
    assert [r.unit for r in paging.unit_rows(_get("q=+C%00+"), rows).rows] == [unit_c]
    # A unit not among the rows is not brought in by its name.
    assert paging.unit_rows(_get("q=%E8%B4%A2%E6%94%BF"), _rows(unit_a)).rows == []


def test_the_reporting_page_shows_a_page_of_units_and_the_whole_total(
    office, liaison_a, liaison_b, unit_a, unit_b, as_, one_a_page
):
    f.claimed(office, liaison_a, unit_a)
    f.claimed(office, liaison_a, unit_a)
    f.claimed(office, liaison_b, unit_b)
    client = as_(office)
    page = client.get(f"/reporting/?period={f.LAST_WEEK}")
    shown = page.context["rows"]
    assert [r.unit for r in shown.rows] == [unit_a]  # the most not filed first
    text = page.content.decode()
    assert f'data-unit="{unit_b.pk}"' not in text
    assert f"?period={f.LAST_WEEK}&page=2" in text  # the pager keeps the period
    assert page.context["status"].total.owing == 3  # the summary is every unit's
    second = client.get(f"/reporting/?period={f.LAST_WEEK}&page=2")
    assert [r.unit for r in second.context["rows"].rows] == [unit_b]
    found = client.get(f"/reporting/?period={f.LAST_WEEK}&q=B")
    assert [r.unit for r in found.context["rows"].rows] == [unit_b]
    none = client.get(f"/reporting/?period={f.LAST_WEEK}&q=nobody").content.decode()
    assert "No unit has that name." in none


def test_the_burden_page_shows_a_page_of_units(
    office, liaison_a, liaison_b, unit_a, unit_b, as_, one_a_page
):
    start = f.TODAY - dt.timedelta(days=28)
    f.claimed(office, liaison_a, unit_a, start=start)
    f.claimed(office, liaison_a, unit_a, start=start)
    f.claimed(office, liaison_b, unit_b, start=start)
    client = as_(office)
    page = client.get("/reporting/burden/")
    assert [r.unit for r in page.context["rows"].rows] == [unit_a]  # asked the most
    assert len(page.context["burden"].rows) == 2
    found = client.get("/reporting/burden/?q=%E8%B4%A2%E6%94%BF")  # 财政
    assert [r.unit for r in found.context["rows"].rows] == [unit_b]


def test_the_indicators_page_shows_a_page_of_targets_and_finds_a_district(office, as_, one_a_page):
    east = f.unit("D1", "东城区", kind="district")
    west = f.unit("D2", "西城区", kind="district")
    fai = indicators.indicator_create(actor=office, code="fai", name="固定资产投资", measure="亿元")
    for district in (east, west):
        indicators.target_set(
            actor=office, indicator=fai, unit=district, year=2026, target=Decimal("36")
        )
    client = as_(office)
    page = client.get("/indicators/?year=2026")
    assert [p.target.unit for p, _why in page.context["rows"]] == [east]
    assert page.context["shown"].found == 2
    assert "?year=2026&page=2" in page.content.decode()
    found = client.get("/indicators/?year=2026&q=%E8%A5%BF%E5%9F%8E")  # 西城
    assert [p.target.unit for p, _why in found.context["rows"]] == [west]


def test_the_ranking_shows_the_top_of_each_category_and_all_of_one_on_request(
    office, liaison_a, liaison_b, liaison_c, unit_a, unit_b, unit_c, as_, monkeypatch
):
    from duban.assessment import views

    monkeypatch.setattr(views, "CATEGORY_SHOWN", 2)
    monkeypatch.setattr(paging, "ROWS_PAGE", 2)
    for liaison, unit in ((liaison_a, unit_a), (liaison_b, unit_b), (liaison_c, unit_c)):
        f.claimed(office, liaison, unit, deadline=f.TODAY + dt.timedelta(days=5))
    quarter = "2026Q1"
    client = as_(office)
    page = client.get(f"/assessment/{quarter}/")
    (departments,) = page.context["categories"]
    assert len(departments["rows"]) == 2 and departments["shown"].found == 3
    assert "category-all" in page.content.decode()
    # Only the units shown are read: a province ranks 5,000 and shows thirty.
    assert sum(row.loaded is not None for row in page.context["standing"].rows) == 2
    every = client.get(f"/assessment/{quarter}/?category=departments&page=2")
    (only,) = every.context["categories"]
    assert len(only["rows"]) == 1  # the third unit, on the second page
    found = client.get(f"/assessment/{quarter}/?q=%E8%B4%A2%E6%94%BF")  # 财政
    (searched,) = found.context["categories"]
    assert [row.unit for row, _texts in searched["rows"]] == [unit_b]
    # A category not ranked, or none of that name, shows every category.
    assert client.get(f"/assessment/{quarter}/?category=%00x").status_code == 200


def test_the_warning_boards_units_are_a_page_of_their_own(
    office, liaison_a, liaison_b, unit_a, unit_b, as_, monkeypatch
):
    from duban.supervision import views
    from duban.supervision.scan import scan

    monkeypatch.setattr(views, "BY_UNIT_SHOWN", 1)
    past = f.TODAY - dt.timedelta(days=3)
    for liaison, unit in ((liaison_a, unit_a), (liaison_a, unit_a), (liaison_b, unit_b)):
        f.claimed(office, liaison, unit, start=f.TODAY - dt.timedelta(days=40), deadline=past)
    scan()
    client = as_(office)
    page = client.get("/warnings/")
    assert [row["unit"] for row in page.context["by_unit"]] == [unit_a]  # the most warned
    text = page.content.decode()
    assert "&units_page=2" in text
    assert page.context["page"].paginator.count >= 3  # the warnings' own list: all of them
    second = client.get("/warnings/?units_page=2")
    assert [row["unit"] for row in second.context["by_unit"]] == [unit_b]
    assert second.context["page"].number == 1


def test_the_monthly_reviews_lists_show_their_first_and_say_how_many_more(
    office, liaison_a, unit_a, as_, monkeypatch, clock
):
    from duban.assessment import views

    monkeypatch.setattr(views, "REVIEW_SHOWN", 1)
    clock.move_to(f.at(2026, 2, 2))
    for _ in range(3):  # overdue at the end of February
        f.claimed(
            office, liaison_a, unit_a, start=dt.date(2026, 2, 2), deadline=dt.date(2026, 2, 20)
        )
    clock.move_to(f.NOW)
    page = as_(office).get("/reviews/2026-02/")
    assert len(page.context["figures"]["overdue"]) == 1
    assert page.context["more"] == {"overdue": 2}
    text = page.content.decode()
    assert "And 2 more: the bulletin holds every one." in text
    assert "/reviews/2026-02/bulletin.docx" in text


def test_the_plan_page_shows_a_page_of_top_level_tasks_with_all_their_measures(
    office, unit_a, as_, monkeypatch
):
    from duban.work import services as work_services
    from duban.work import views_meetings

    monkeypatch.setattr(views_meetings, "PLAN_TOPS_PAGE", 2)
    plan = work_services.plan_create(title="2026年重点工作", year=2026, actor=office)
    tops = [f.task(office, unit_a, plan=plan, serial=str(n)) for n in (1, 2, 3)]
    measures = [
        f.task(office, unit_a, plan=plan, parent=tops[0], serial="1.1"),
        f.task(office, unit_a, plan=plan, parent=tops[2], serial="3.1"),
    ]
    client = as_(office)
    first = client.get(f"/plans/{plan.pk}/")
    assert [(t, d) for t, d in first.context["rows"]] == [
        (tops[0], 0),
        (measures[0], 1),
        (tops[1], 0),
    ]
    assert first.context["tasks_total"] == 5
    assert "?&page=2" in first.content.decode()
    second = client.get(f"/plans/{plan.pk}/?page=2")
    assert [(t, d) for t, d in second.context["rows"]] == [(tops[2], 0), (measures[1], 1)]
