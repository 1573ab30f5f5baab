"""Query plans that must not depend on the planner's statistics: the suite's
SQLite database has none (nobody ran ANALYZE on it), which is what a new
installation holds until its first nightly upkeep."""

from __future__ import annotations

import pytest
from django.db import connection

from duban.work.models import OPEN_STATES
from duban.work.visibility import visible_tasks

pytestmark = pytest.mark.skipif(
    connection.vendor != "sqlite", reason="SQLite's planner, without statistics"
)


def _plan(queryset) -> str:  # type: ignore[no-untyped-def]
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN QUERY PLAN {sql}", params)
        return "\n".join(str(row[3]) for row in cursor.fetchall())


def test_a_liaisons_open_tasks_start_from_their_units_not_from_every_open_task(liaison_a):
    plan = _plan(visible_tasks(liaison_a, states=OPEN_STATES).values("id"))
    # The ids from two index lookups, each starting from the units (the lead
    # unit's with the state, the co-units'), then the tasks by their key.
    assert plan.startswith("SEARCH work_task USING INTEGER PRIMARY KEY"), plan
    assert "COMPOUND QUERY" in plan, plan
    assert "(lead_unit_id=? AND state=?)" in plan, plan
    assert "work_task_co_units_unit_id" in plan, plan
    assert not plan.startswith("SEARCH work_task USING INDEX work_task_state"), plan
