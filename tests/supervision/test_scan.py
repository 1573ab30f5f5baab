"""The scan: it brings the warnings in line with the record, keeps their
history, writes nothing when nothing changed, and asks the same number of
queries however many tasks there are."""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from duban.lib import rules
from duban.supervision.explain import warning_reason
from duban.supervision.models import Level, TaskWarning, WarningEvent
from duban.supervision.scan import scan
from duban.work import services
from tests import factories as f


def _active(task, rule=None):
    found = TaskWarning.objects.filter(task=task, cleared_at__isnull=True)
    if rule is None:
        return {w.rule: w for w in found}
    return found.get(rule=rule)


def _gap(warning):
    """How far behind a slow warning says the task is, counted today."""
    return rules.counted(warning.rule, warning.facts, timezone.localdate())["gap"]


def _kinds(warning):
    return [(e.kind, e.level) for e in warning.events.all()]


def test_a_missing_report_raises_a_warning_that_filing_the_report_clears(
    office, liaison_a, claimed_task, clock
):
    result = scan()
    warning = _active(claimed_task, rules.INACTION_REPORT)
    assert warning in result.raised
    assert warning.level == Level.YELLOW
    assert warning.unit == claimed_task.lead_unit
    assert warning.facts == {"period": f.LAST_WEEK, "due": "2026-03-16", "grace": 1}
    assert _kinds(warning) == [("raised", Level.YELLOW)]

    clock.move_to(f.at(2026, 3, 18, 15))
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="30")
    result = scan()
    warning.refresh_from_db()
    assert warning.cleared_at == f.at(2026, 3, 18, 15)
    assert warning in result.cleared
    assert _kinds(warning) == [("raised", Level.YELLOW), ("cleared", Level.YELLOW)]
    assert rules.INACTION_REPORT not in _active(claimed_task)


def test_a_draft_report_does_not_clear_the_warning(liaison_a, claimed_task):
    scan()
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, submit=False)
    assert not scan().cleared
    assert rules.INACTION_REPORT in _active(claimed_task)


def test_a_task_that_falls_further_behind_goes_from_yellow_to_red(claimed_task, clock):
    # Started 4 March, due 17 May (74 days): on 18 March the schedule expects 19%.
    scan()
    slow = _active(claimed_task, rules.SLOW)
    assert (slow.level, _gap(slow)) == (Level.YELLOW, 19)

    clock.move_to(f.at(2026, 3, 25))  # day 21: 28 points behind, still yellow
    result = scan()
    slow.refresh_from_db()
    assert (slow.level, _gap(slow)) == (Level.YELLOW, 28)
    assert slow not in result.escalated
    assert slow.changed_at == f.NOW  # the same level and cause: not written again

    clock.move_to(f.at(2026, 3, 26))  # day 22: 30 points behind
    result = scan()
    slow.refresh_from_db()
    assert (slow.level, _gap(slow)) == (Level.RED, 30)
    assert slow.changed_at == f.at(2026, 3, 26)
    assert slow.raised_at == f.NOW
    assert [w.pk for w in result.escalated] == [slow.pk]
    assert _kinds(slow) == [("raised", Level.YELLOW), ("escalated", Level.RED)]
    escalated = slow.events.last()
    assert rules.counted(rules.SLOW, escalated.facts, timezone.localdate(escalated.at))["gap"] == 30


def test_catching_up_eases_then_clears_a_slow_warning(office, liaison_a, claimed_task, clock):
    clock.move_to(f.at(2026, 3, 26))
    scan()
    slow = _active(claimed_task, rules.SLOW)
    assert slow.level == Level.RED
    f.accepted(office, liaison_a, claimed_task, period=f.LAST_WEEK, percent="15")  # 15 behind
    result = scan()
    slow.refresh_from_db()
    assert slow.level == Level.YELLOW and slow in result.eased
    f.accepted(office, liaison_a, claimed_task, period=f.THIS_WEEK, percent="40")
    scan()
    slow.refresh_from_db()
    assert not slow.is_active
    assert [k for k, _ in _kinds(slow)] == ["raised", "eased", "cleared"]


def test_closing_a_task_clears_all_its_warnings(office, liaison_a, claimed_task):
    scan()
    before = _active(claimed_task)
    assert set(before) == {rules.INACTION_REPORT, rules.SLOW}
    f.close(office, liaison_a, claimed_task)
    result = scan()
    assert _active(claimed_task) == {}
    assert {w.rule for w in result.cleared} == set(before)
    assert WarningEvent.objects.filter(warning__task=claimed_task, kind="cleared").count() == 2


def test_an_unclaimed_task_is_warned_on_the_third_day_and_claiming_clears_it(
    office, liaison_a, unit_a, clock
):
    clock.move_to(f.at(2026, 3, 15, 9))
    task = f.task(office, unit_a)
    clock.move_to(f.at(2026, 3, 17, 18))
    scan()
    assert rules.INACTION_CLAIM not in _active(task)
    clock.move_to(f.at(2026, 3, 18, 9))
    scan()
    claim = _active(task, rules.INACTION_CLAIM)
    assert claim.facts == {"assigned": "2026-03-15", "limit": 2}
    assert "not claimed after 3 days" in warning_reason(claim)
    services.task_claim(actor=liaison_a, task=task)
    scan()
    assert rules.INACTION_CLAIM not in _active(task)


def test_a_second_deadline_move_raises_a_postponement_warning(office, liaison_a, claimed_task):
    for weeks in (1, 2):
        change = services.deadline_change_request(
            actor=liaison_a,
            task=claimed_task,
            new_deadline=claimed_task.deadline + dt.timedelta(weeks=weeks),
            reason="等待审批。",
        )
        services.deadline_change_decide(actor=office, change=change, approve=True)
        scan()
        assert (rules.POSTPONED in _active(claimed_task)) is (weeks == 2)


def test_a_report_that_repeats_the_last_one_raises_formalism(office, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO, text="完成了3项审批，推进顺利。")
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, text="完成了 5 项审批,推进顺利!")
    scan()
    assert _active(claimed_task, rules.FORMALISM).facts["similarity"] == 100
    # An honest "no change" report is not formalism.
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK, text="无变化：等待审批", no_change=True)
    scan()
    assert rules.FORMALISM not in _active(claimed_task)


def _grow(office, liaison_a, liaison_b, unit_a, unit_b, n):
    """n of each kind: unclaimed, silent, reporting the same thing twice, another unit's."""
    for _ in range(n):
        f.task(office, unit_a)
        f.claimed(office, liaison_a, unit_a)
        repeats = f.claimed(office, liaison_a, unit_a)
        f.report(liaison_a, repeats, period=f.TWO_WEEKS_AGO, text="推进顺利。", percent="5")
        f.report(liaison_a, repeats, period=f.LAST_WEEK, text="推进顺利！", percent="10")
        f.claimed(office, liaison_b, unit_b, deadline=f.TODAY + dt.timedelta(days=2))


def test_a_second_scan_with_nothing_changed_writes_nothing(
    office, liaison_a, liaison_b, unit_a, unit_b
):
    _grow(office, liaison_a, liaison_b, unit_a, unit_b, 2)
    first = scan()
    assert first.changed and first.tasks == 8
    rows = list(TaskWarning.objects.values_list("id", "level", "facts", "changed_at"))
    events = WarningEvent.objects.count()
    again = scan()
    assert not again.changed
    assert (again.raised, again.escalated, again.eased, again.cleared, again.updated) == (
        [],
        [],
        [],
        [],
        0,
    )
    assert list(TaskWarning.objects.values_list("id", "level", "facts", "changed_at")) == rows
    assert WarningEvent.objects.count() == events


def test_the_scan_asks_the_same_number_of_queries_for_n_tasks_as_for_3n(
    office, liaison_a, liaison_b, unit_a, unit_b, clock
):
    def measure():
        with CaptureQueriesContext(connection) as raising:
            raised = scan()
        with CaptureQueriesContext(connection) as steady:
            scan()
        clock.move_to(f.at(2026, 3, 26))  # slow warnings turn red, others change or clear
        with CaptureQueriesContext(connection) as moving:
            moved = scan()
        clock.move_to(f.NOW)
        assert raised.raised and moved.escalated and moved.updated
        TaskWarning.objects.all().delete()  # the next round starts from no warnings
        return len(raising), len(steady), len(moving)

    _grow(office, liaison_a, liaison_b, unit_a, unit_b, 2)
    small = measure()
    _grow(office, liaison_a, liaison_b, unit_a, unit_b, 4)
    assert measure() == small
    # Six reads: the open tasks with their latest report's likeness, milestones,
    # plan settings, the owed periods' filed reports, open notices, active
    # warnings; then at most five writes: warnings inserted, their events (on
    # PostgreSQL in the same statement), warnings cleared, updated, their
    # events; and the savepoint of the scan's transaction inside the test's, and
    # its release. PostgreSQL adds one: the advisory lock.
    assert max(small) <= 13


def test_the_database_refuses_a_second_active_warning_for_the_same_task_and_rule(
    claimed_task,
):
    def warn(**kwargs):
        return TaskWarning.objects.create(
            task=claimed_task, unit=claimed_task.lead_unit, rule=rules.SLOW, level=2, **kwargs
        )

    first = warn()
    with pytest.raises(IntegrityError), transaction.atomic():
        warn()
    # A cleared warning does not count: the rule may fire again later.
    TaskWarning.objects.filter(pk=first.pk).update(cleared_at=timezone.now())
    warn()
    warn(cleared_at=timezone.now())
    assert TaskWarning.objects.filter(task=claimed_task, cleared_at__isnull=True).count() == 1


def test_the_scan_command_prints_what_changed_and_a_summary(liaison_a, claimed_task):
    out = StringIO()
    call_command("scan", stdout=out)
    text = out.getvalue()
    assert re.search(rf"raised\s+task\s+{claimed_task.pk}\s+inaction_report\s+level 2", text)
    assert "No report filed for Week 11 (9–15 Mar); it was due on 2026-03-16" in text
    summary = text.strip().splitlines()[-1]
    assert re.fullmatch(
        r"1 open tasks scanned in \d+\.\d\d s, \d+ queries: "
        r"2 raised, 0 escalated, 0 eased, 0 cleared, 0 updated; 2 messages queued; "
        r"projects: 0 scanned, 0 warnings raised, 0 cleared\.",
        summary,
    )
    out = StringIO()
    call_command("scan", stdout=out)
    assert out.getvalue().endswith(
        "0 raised, 0 escalated, 0 eased, 0 cleared, 0 updated; 0 messages queued; "
        "projects: 0 scanned, 0 warnings raised, 0 cleared.\n"
    )


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_raise_each_warning_once(office, liaison_a, unit_a):
    # Two scans, each on its own connection and transaction, started together.
    # On a file database (DUBAN_TEST_SQLITE=/tmp/t.sqlite3, or PostgreSQL through
    # DATABASE_URL) they really run at once: one waits for the other's lock. By
    # default pytest-django's SQLite test database is in memory with a shared
    # cache, where a second writer fails at once ("database table is locked")
    # instead of waiting on the busy timeout; there the threads take turns, and
    # the test still checks that each warning is raised once, backed by the
    # partial unique index (test above).
    for _ in range(3):
        f.claimed(office, liaison_a, unit_a)
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    turn = threading.Lock() if in_memory else contextlib.nullcontext()
    start = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            with turn:
                results.append(scan())
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(len(r.raised) for r in results) == [0, 6]
    assert TaskWarning.objects.count() == 6
    assert WarningEvent.objects.count() == 6
