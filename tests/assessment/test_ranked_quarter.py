"""The quarter a ranking shows (issue 13, point 5): the cockpit and the
assessment page show the same one, the last ended quarter until the office
locks it, then the current one, labelled "so far"."""

from __future__ import annotations

import datetime as dt

from duban.assessment import services
from duban.cockpit.charts import overview
from duban.ops.jobs import scan_and_notify

from .. import factories as f

END_OF_Q1 = dt.date(2026, 3, 31)
INTO_Q2 = dt.date(2026, 4, 2)


def _ranking(person, day):
    return next(c for c in overview(person, as_of=day)["charts"] if c["id"] == "ranking")


def _scanned(office, unit_a, unit_b, clock):
    for unit in (unit_a, unit_b):
        f.task(office, unit, start=f.TODAY - dt.timedelta(days=40), deadline=f.TODAY)
    for day in (END_OF_Q1, INTO_Q2):
        clock.move_to(f.at(day.year, day.month, day.day))
        scan_and_notify(today=day)


def test_one_day_into_a_quarter_both_show_the_last_one(as_, office, unit_a, unit_b, clock):
    _scanned(office, unit_a, unit_b, clock)
    zone = f.zone()
    assert services.ranked_quarter(INTO_Q2, zone).label == "2026Q1"
    chart = _ranking(office, INTO_Q2)
    assert "2026Q1" in chart["title"] and "so far" not in chart["title"]
    assert chart["option"]["series"][0]["data"][0]["link"].startswith("/assessment/2026Q1/")
    home = as_(office).get("/assessment/")
    assert home.status_code == 302 and "/assessment/2026Q1/" in home["Location"]


def test_once_locked_both_move_to_the_current_quarter_so_far(as_, office, unit_a, unit_b, clock):
    _scanned(office, unit_a, unit_b, clock)
    zone = f.zone()
    services.lock(
        actor=office, quarter=services.ranked_quarter(INTO_Q2, zone), office=zone, as_of=INTO_Q2
    )
    assert services.ranked_quarter(INTO_Q2, zone).label == "2026Q2"
    chart = _ranking(office, INTO_Q2)
    assert "2026Q2" in chart["title"] and "(so far)" in chart["title"]
    assert "/assessment/2026Q2/" in as_(office).get("/assessment/")["Location"]
    # As of a day before the lock, the cockpit shows what it showed then.
    assert "2026Q1" in _ranking(office, END_OF_Q1 + dt.timedelta(days=1))["title"]


def test_a_new_installation_sees_the_current_quarter(office, unit_a, clock):
    f.task(office, unit_a, start=f.TODAY - dt.timedelta(days=40), deadline=f.TODAY)
    scan_and_notify(today=f.TODAY)  # nothing recorded for the quarter before
    assert services.ranked_quarter(f.TODAY, f.zone()).label == "2026Q1"
    assert "(so far)" in _ranking(office, f.TODAY)["title"]
