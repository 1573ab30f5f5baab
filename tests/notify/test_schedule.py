"""The schedule and `duban worker`: which jobs are due when, that of two
workers only one starts each run, and that one pass of the worker really
scans, queues and posts to a robot."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.db import connection
from django_tasks_db.models import DBTaskResult

from duban.notify import outbox
from duban.notify.models import Delivery, DeliveryState, Kind, Notification, ScheduleSlot
from duban.ops import jobs
from duban.supervision.models import TaskWarning
from tests import factories as f

from .support import add_hook

UTC = ZoneInfo("UTC")


def names(found):
    return [job.name for job in found]


def slots():
    return dict(ScheduleSlot.objects.values_list("name", "next_run_at"))


def test_the_first_look_starts_the_scan_and_the_outbox_then_nothing_until_due(db, clock):
    assert names(jobs.claim_due()) == ["scan", "outbox"]
    assert slots() == {
        "scan": f.NOW + dt.timedelta(hours=1),
        "outbox": f.NOW + dt.timedelta(minutes=1),
        "digest": f.at(2026, 3, 23, 8),  # next Monday, 08:00 in Shanghai
        "prune": f.at(2026, 3, 19, 3),
        "heartbeat": f.NOW,
    }
    # The same worker again, or a second worker, at the same moment: nothing.
    assert jobs.claim_due() == []
    assert jobs.claim_due(f.NOW) == []

    clock.move_to(f.NOW + dt.timedelta(seconds=59))
    assert jobs.claim_due() == []
    clock.move_to(f.NOW + dt.timedelta(minutes=1))
    assert names(jobs.claim_due()) == ["outbox"]
    clock.move_to(f.NOW + dt.timedelta(minutes=60))
    assert names(jobs.claim_due()) == ["scan", "outbox"]
    assert outbox.worker_last_seen() == f.NOW + dt.timedelta(minutes=60)


def test_the_scan_runs_as_often_as_configured(db, settings):
    settings.DUBAN_SCAN_EVERY_MINUTES = 15
    jobs.claim_due(f.NOW)
    assert names(jobs.claim_due(f.NOW + dt.timedelta(minutes=14))) == ["outbox"]
    assert names(jobs.claim_due(f.NOW + dt.timedelta(minutes=15))) == ["scan", "outbox"]


def test_of_two_workers_looking_at_once_only_one_starts_each_run(db):
    # Worker B looks at the schedule after worker A read it and before A moves
    # the first slot on: each run must still start once.
    table = ScheduleSlot._meta.db_table
    other: dict[str, list] = {}

    def b_cuts_in(execute, sql, params, many, context):
        if "b" not in other and sql.lstrip().upper().startswith("UPDATE") and table in sql:
            other["b"] = []
            other["b"] = jobs.claim_due(f.NOW)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(b_cuts_in):
        a = jobs.claim_due(f.NOW)

    assert sorted(names(a) + names(other["b"])) == ["outbox", "scan"]
    assert names(other["b"]) == ["scan", "outbox"]
    # Later, with every slot already there, the same race: still one each.
    other.clear()
    with connection.execute_wrapper(b_cuts_in):
        a = jobs.claim_due(f.NOW + dt.timedelta(hours=1))
    assert sorted(names(a) + names(other["b"])) == ["outbox", "scan"]


def test_the_digest_is_due_on_monday_at_the_digest_hour(db, clock):
    jobs.claim_due()
    clock.move_to(f.at(2026, 3, 23, 7, 59))
    assert "digest" not in names(jobs.claim_due())
    clock.move_to(f.at(2026, 3, 23, 8))
    assert "digest" in names(jobs.claim_due())
    assert "digest" not in names(jobs.claim_due())
    assert slots()["digest"] == f.at(2026, 3, 30, 8)
    clock.move_to(f.at(2026, 3, 29, 23, 59))
    assert "digest" not in names(jobs.claim_due())
    clock.move_to(f.at(2026, 3, 30, 8, 0, 30))
    assert "digest" in names(jobs.claim_due())


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (f.at(2026, 3, 18, 10), f.at(2026, 3, 23, 8)),  # a Wednesday
        (f.at(2026, 3, 22, 20), f.at(2026, 3, 23, 8)),  # a Sunday evening
        (f.at(2026, 3, 23, 7, 30), f.at(2026, 3, 23, 8)),  # a Monday before 8
        (f.at(2026, 3, 23, 8), f.at(2026, 3, 30, 8)),  # Monday at 8: the next one
        (f.at(2026, 3, 23, 9, 15), f.at(2026, 3, 30, 8)),  # a Monday after 8
        # Sunday 23:30 in UTC is already Monday 07:30 in Shanghai.
        (dt.datetime(2026, 3, 22, 23, 30, tzinfo=UTC), f.at(2026, 3, 23, 8)),
        # Monday 01:00 in UTC is Monday 09:00 in Shanghai: next week.
        (dt.datetime(2026, 3, 23, 1, 0, tzinfo=UTC), f.at(2026, 3, 30, 8)),
    ],
)
def test_next_monday_morning(now, expected):
    assert jobs.next_monday_morning(now) == expected


def test_the_digest_hour_is_a_setting(settings):
    settings.DUBAN_DIGEST_HOUR = 9
    assert jobs.next_monday_morning(f.at(2026, 3, 23, 8, 30)) == f.at(2026, 3, 23, 9)
    assert jobs.next_monday_morning(f.at(2026, 3, 23, 9, 30)) == f.at(2026, 3, 30, 9)


# --- the worker ---------------------------------------------------------------------------


def _worker() -> str:
    out = StringIO()
    call_command("worker", "--once", "-v", "2", stdout=out)
    return out.getvalue()


def _all_tasks_succeeded():
    statuses = set(DBTaskResult.objects.values_list("status", flat=True))
    assert statuses == {"SUCCESSFUL"}, list(
        DBTaskResult.objects.values_list("task_path", "status", "exception_class_path")
    )


@pytest.mark.django_db(transaction=True)
def test_one_pass_of_the_worker_scans_queues_and_posts_to_the_robot(
    settings, office, liaison_a, claimed_task, robot
):
    assert settings.TASKS["default"]["BACKEND"] == "django_tasks_db.DatabaseBackend"
    add_hook(office, claimed_task.lead_unit, robot.url())

    out = _worker()

    assert "scheduled scan" in out and "scheduled outbox" in out
    _all_tasks_succeeded()
    raised = TaskWarning.objects.filter(task=claimed_task)
    assert raised.count() == 2
    assert Notification.objects.filter(recipient=liaison_a, kind=Kind.WARNING).count() == 2
    assert len(robot.requests) == 2
    assert {s.body["msgtype"] for s in robot.requests} == {"markdown"}
    assert {s.body["markdown"]["title"] for s in robot.requests} == {
        "黄色预警：1.1 建设科技创新平台"
    }
    assert set(Delivery.objects.values_list("state", flat=True)) == {DeliveryState.SENT}
    assert outbox.worker_last_seen() == f.NOW

    # A second pass at the same moment starts nothing and posts nothing again.
    done = DBTaskResult.objects.count()
    assert "scheduled" not in _worker()
    assert DBTaskResult.objects.count() == done
    assert len(robot.requests) == 2


@pytest.mark.django_db(transaction=True)
def test_the_worker_retries_a_failed_post_a_minute_later(
    office, liaison_a, claimed_task, robot, clock
):
    robot.answers = [(500, "busy"), (500, "busy")]
    add_hook(office, claimed_task.lead_unit, robot.url())

    _worker()

    _all_tasks_succeeded()  # a failed post is the outbox's business, not a failed task
    queued = Delivery.objects.filter(state=DeliveryState.QUEUED)
    assert queued.count() == 2
    assert {d.last_error for d in queued} == {"SendError: HTTP 500: busy"}
    assert len(robot.requests) == 2

    clock.move_to(f.NOW + dt.timedelta(minutes=1))
    out = _worker()

    assert "scheduled outbox" in out and "scheduled scan" not in out
    assert len(robot.requests) == 4
    assert set(Delivery.objects.values_list("state", "attempts")) == {(DeliveryState.SENT, 2)}


@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_digest_on_monday_morning(
    office, leader, liaison_a, claimed_task, robot, clock
):
    add_hook(office, claimed_task.lead_unit, robot.url())
    _worker()
    assert not Notification.objects.filter(kind=Kind.DIGEST).exists()

    clock.move_to(f.at(2026, 3, 23, 8))
    out = _worker()

    assert "scheduled digest" in out
    _all_tasks_succeeded()
    digests = Notification.objects.filter(kind=Kind.DIGEST)
    assert sorted(digests.values_list("recipient__username", flat=True)) == [
        "leader",
        "liaison_a",
    ]
    assert any(
        s.body["markdown"]["title"].startswith("每周简报 第12周（3月16日—22日）")
        for s in robot.requests
    )


def test_the_nightly_upkeep_prunes_and_analyses(db):
    from django.db import connection

    from duban.ops.jobs import prune_task_results

    assert prune_task_results() == 0
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE name = 'sqlite_stat1'")
            assert cursor.fetchone()[0] == 1
