"""The cockpit's overview: figures from the scoped record, links behind every
bar, a fixed number of queries, a useful empty state."""

from __future__ import annotations

import datetime as dt
import json
import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.cockpit.charts import overview
from duban.supervision.scan import scan

from .. import factories as f


def _chart(data, name):
    return next(c for c in data["charts"] if c["id"] == name)


def test_the_figures_are_scoped_and_link_to_their_lists(
    office, liaison_a, liaison_b, unit_a, unit_b
):
    f.task(
        office,
        unit_a,
        deadline=f.TODAY - __import__("datetime").timedelta(days=2),
        start=f.TODAY - __import__("datetime").timedelta(days=30),
    )
    f.task(office, unit_b)
    scan(today=f.TODAY)
    everything = overview(office)
    assert everything["totals"]["open"] == 2 and everything["totals"]["red"] == 1
    lights = _chart(everything, "lights")["option"]["series"][0]["data"]
    assert [d["value"] for d in lights] == [1, 0, 1]
    assert lights[0]["link"] == "/warnings/?level=4"
    assert lights[0]["itemStyle"]["color"] == "#c62828"  # the red bar is red
    units = _chart(everything, "units")["option"]
    assert units["yAxis"]["data"] == [str(unit_a)]
    assert units["series"][0]["data"][0]["link"] == f"/warnings/?level=4&unit={unit_a.pk}"
    mine = overview(liaison_b)
    assert mine["totals"] == {"open": 1, "red": 0, "yellow": 0}
    assert _chart(mine, "units")["empty"]


def test_a_fixed_number_of_queries(office, unit_a, unit_b):
    def count():
        with CaptureQueriesContext(connection) as queries:
            overview(office)
        return len(queries.captured_queries)

    assert count() <= 10  # no data: the unit names are not even asked for
    for _ in range(3):
        f.task(
            office,
            unit_a,
            start=f.TODAY - dt.timedelta(days=40),
            deadline=f.TODAY - dt.timedelta(days=1),
        )
    scan(today=f.TODAY)
    small = count()
    for _ in range(6):
        f.task(
            office,
            unit_b,
            start=f.TODAY - dt.timedelta(days=40),
            deadline=f.TODAY - dt.timedelta(days=1),
        )
    scan(today=f.TODAY)
    assert count() == small <= 14


def test_the_page_and_its_empty_state(as_, office, unit_a):
    empty = as_(office, HTTP_ACCEPT_LANGUAGE="en").get("/cockpit/").content.decode()
    assert "Nothing here yet" in empty and "data-chart" not in empty
    f.task(office, unit_a)
    page = as_(office).get("/cockpit/").content.decode()
    assert 'data-chart="states"' in page and "echarts" in page
    found = re.search(r'<script id="states" type="application/json">(.*?)</script>', page, re.S)
    option = json.loads(found.group(1))
    assert option["series"][0]["data"][0]["link"] == "/tasks/?state=assigned"
