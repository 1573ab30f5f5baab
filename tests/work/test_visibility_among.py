"""A liaison's tasks, and the rows of them, by the ids of the tasks their units
lead or help with: the same rows on either database, found on PostgreSQL by
``= ANY(ARRAY(...))`` (``duban.lib.lookups``), whose plan does not depend on
the planner's statistics."""

from __future__ import annotations

from django.db import connection

from duban.work.models import ProgressReport, Task
from duban.work.visibility import visible_q, visible_tasks

from .. import factories as f


def test_a_liaison_sees_what_their_unit_leads_or_helps_with_and_nothing_else(
    office, liaison_a, liaison_b, unit_a, unit_b
):
    led = f.claimed(office, liaison_a, unit_a)
    helped = f.claimed(office, liaison_b, unit_b, co_units=[unit_a])
    other = f.claimed(office, liaison_b, unit_b)
    both = f.claimed(office, liaison_a, unit_a, co_units=[unit_b])
    for task in (led, helped, other, both):
        f.report(liaison_b if task.lead_unit == unit_b else liaison_a, task)

    seen = set(visible_tasks(liaison_a).values_list("pk", flat=True))
    assert seen == {led.pk, helped.pk, both.pk}
    # Each task once, though ``both`` is led by one unit and helped by the other.
    assert visible_tasks(liaison_b).filter(pk=both.pk).count() == 1
    reports = ProgressReport.objects.filter(visible_q(liaison_a))
    assert set(reports.values_list("task_id", flat=True)) == {led.pk, helped.pk, both.pk}
    # Chained with other filters, states and exclusions, as the lists do.
    assert list(
        visible_tasks(liaison_a, states=[led.state]).exclude(pk=helped.pk).order_by("pk")
    ) == [t for t in Task.objects.order_by("pk") if t.pk in {led.pk, both.pk}]

    sql = str(reports.query)
    if connection.vendor == "postgresql":
        assert "= ANY(ARRAY(" in sql, sql
    else:
        assert 'IN (SELECT U0."id"' in sql, sql
