"""The level a warning had at a past moment (supervision.history), as its events say."""

from __future__ import annotations

import datetime as dt

from duban.supervision import history
from duban.supervision.models import TaskWarning, WarningEvent
from duban.supervision.scan import scan
from tests import factories as f

DAY = dt.timedelta(days=1)


def _by_events(moment: dt.datetime) -> dict[int, int]:
    """The definition: each warning standing at the moment, at the level of
    its last event before it (its present level if it has none)."""
    found = {}
    for warning in TaskWarning.objects.filter(history.standing_at(moment)):
        before = [e for e in WarningEvent.objects.filter(warning=warning) if e.at < moment]
        last = max(before, key=lambda e: (e.at, e.pk), default=None)
        found[warning.pk] = last.level if last else warning.level
    return found


def test_the_level_at_a_moment_is_that_of_the_last_event_before_it(
    office, liaison_a, unit_a, clock
):
    # Claimed tasks with no progress falling behind (slow: yellow, then red)
    # and falling due (a reminder, then overdue), each change on its own day.
    for n in (1, 4, 7):
        f.claimed(office, liaison_a, unit_a, start=f.TODAY - 2 * DAY, deadline=f.TODAY + 18 * DAY)
        f.claimed(office, liaison_a, unit_a, start=f.TODAY - 40 * DAY, deadline=f.TODAY + n * DAY)
    moments = []
    for day in range(12):
        today = f.TODAY + day * DAY
        clock.move_to(f.at(today.year, today.month, today.day, 9))
        scan(today=today)
        moments += [
            f.at(today.year, today.month, today.day, 8),
            f.at(today.year, today.month, today.day, 10),
        ]
    assert WarningEvent.objects.filter(kind="escalated").exists()  # some changed level since
    for moment in moments:
        found = dict(
            TaskWarning.objects.filter(history.standing_at(moment))
            .annotate(then=history.level_at(moment))
            .values_list("pk", "then")
        )
        assert found == _by_events(moment), moment
