"""The cockpit reads a fixed number of queries for each persona, whatever the
data: growing the record (more units, tasks, warnings, reports) adds none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.assessment.services import snapshot
from duban.cockpit.charts import overview
from duban.supervision.scan import scan
from tests import factories as f

DAY = dt.timedelta(days=1)


def _queries(person) -> int:
    fresh = type(person).objects.get(pk=person.pk)  # nothing cached, as in a request
    with CaptureQueriesContext(connection) as queries:
        overview(fresh)
    return len(queries)


def _grow(office, liaison, units, n):
    for i in range(n):
        unit = units[i % len(units)]
        overdue = f.task(office, unit, start=f.TODAY - 40 * DAY, deadline=f.TODAY - DAY)
        if unit.pk in liaison.unit_ids():
            f.report(liaison, f.claimed(office, liaison, unit, title=f"在办{i}"))
        assert overdue.pk
    scan(today=f.TODAY)
    snapshot()  # the quarter's ranking, as the nightly job records it


@pytest.mark.parametrize("who", ["office", "leader", "liaison_a"])
def test_the_cockpit_reads_the_same_queries_at_any_size(
    request, who, office, liaison_a, unit_a, unit_b
):
    person = request.getfixturevalue(who)
    _grow(office, liaison_a, [unit_a, unit_b], 2)
    small = _queries(person)
    more = [f.unit(f"G{i}", f"新增单位{i}") for i in range(3)]
    _grow(office, liaison_a, [unit_a, unit_b, *more], 12)
    assert _queries(person) == small
    # Today's figures for this record (bench/cockpit.py reads a few more at city
    # scale, where every panel has data): a new query per panel must be earned.
    assert small <= {"office": 12, "leader": 13, "liaison_a": 12}[who]
