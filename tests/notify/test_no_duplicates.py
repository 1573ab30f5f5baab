"""Nobody hears the same thing twice: repeated fan-out adds no rows, two
workers never claim the same message, a worker that outlives its lease does
not send what another took, and two scans or two senders at once (on their own
connections) send each message once."""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
from collections import Counter

import pytest
from django.db import connection

from duban.lib import rules
from duban.notify import fanout, outbox, services
from duban.notify.fanout import fan_out
from duban.notify.models import Channel, Delivery, Notification
from duban.ops.jobs import scan_and_notify
from duban.supervision import services as supervision
from tests import factories as f

from .support import add_hook, give_email


def queue_three(office, task):
    """Three messages for the unit's robot: two warnings and a notice."""
    scan_and_notify()
    supervision.notice_issue(actor=office, task=task, reason="请说明。", answer_by=f.TODAY)
    fan_out()
    assert Delivery.objects.count() == 3


def test_fanout_twice_for_the_same_warnings_adds_no_messages_or_deliveries(
    office, leader, liaison_a, claimed_task, clock, settings
):
    settings.DUBAN_EMAIL_ENABLED = True  # queue emails too, never send them here
    give_email(liaison_a, "zhang@example.org")
    give_email(leader, "li@example.org")
    add_hook(office, claimed_task.lead_unit, "https://oapi.dingtalk.com/robot/send?access_token=a")
    clock.move_to(f.at(2026, 3, 26))  # a red warning: the leader hears too
    run = scan_and_notify()
    found = run.result.raised + run.result.escalated
    assert any(w.level == rules.RED for w in found)
    notes = sorted(Notification.objects.values_list("recipient_id", "key"))
    deliveries = sorted(Delivery.objects.values_list("channel", "recipient_id", "hook_id", "key"))
    assert {d[0] for d in deliveries} == {Channel.EMAIL, Channel.HOOK}

    assert fanout.for_warnings(found) == 0
    assert fanout.for_warnings(list(reversed(found))) == 0

    assert sorted(Notification.objects.values_list("recipient_id", "key")) == notes
    assert (
        sorted(Delivery.objects.values_list("channel", "recipient_id", "hook_id", "key"))
        == deliveries
    )
    assert max(Counter(notes).values()) == 1


def test_two_claims_at_the_same_moment_never_share_a_message(office, claimed_task):
    add_hook(office, claimed_task.lead_unit, "https://oapi.dingtalk.com/robot/send?access_token=a")
    queue_three(office, claimed_task)

    first = outbox.claim(f.NOW, limit=2)
    second = outbox.claim(f.NOW, limit=10)
    third = outbox.claim(f.NOW, limit=10)

    assert len(first) == 2 and len(second) == 1 and third == []
    assert not {d.pk for d in first} & {d.pk for d in second}
    assert len({d.claim for d in first} | {d.claim for d in second}) == 2
    # A worker that died holding a claim does not strand its messages: once
    # the lease runs out, another worker takes them.
    assert outbox.claim(f.NOW + outbox.LEASE - dt.timedelta(seconds=1), limit=10) == []
    assert len(outbox.claim(f.NOW + outbox.LEASE + dt.timedelta(seconds=1), limit=10)) == 3


def test_of_two_claims_racing_for_the_same_rows_only_one_gets_them(office, claimed_task):
    # Worker B runs its whole claim between worker A choosing the rows and A's
    # update claiming them: A's conditional update must then take nothing.
    add_hook(office, claimed_task.lead_unit, "https://oapi.dingtalk.com/robot/send?access_token=a")
    queue_three(office, claimed_task)
    table = Delivery._meta.db_table
    other: dict[str, list] = {}

    def b_cuts_in(execute, sql, params, many, context):
        if "b" not in other and sql.lstrip().upper().startswith("UPDATE") and table in sql:
            other["b"] = []  # before B's own queries pass through here
            other["b"] = outbox.claim(f.NOW, limit=10)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(b_cuts_in):
        a = outbox.claim(f.NOW, limit=10)

    assert len(other["b"]) == 3
    assert a == []
    assert set(Delivery.objects.values_list("claim", flat=True)) == {other["b"][0].claim}


def test_a_worker_that_outlives_its_lease_does_not_send_what_another_took(
    office, claimed_task, robot, clock, monkeypatch
):
    add_hook(office, claimed_task.lead_unit, robot.url())
    queue_three(office, claimed_task)
    send = outbox.deliver
    inner: list[outbox.Outcome] = []

    def slow(delivery):
        send(delivery)
        if inner:  # worker B sends at normal speed
            return
        clock.shift(dt.timedelta(minutes=4))  # each of worker A's posts takes 4 minutes
        if len(robot.requests) == 2:
            # 8 minutes in, past A's 5-minute lease on the third message, worker B sweeps.
            inner.append(outbox.Outcome())
            inner[0] = outbox.send_due()

    monkeypatch.setattr(outbox, "deliver", slow)
    a = outbox.send_due()

    assert inner[0].sent == 1  # B took the message A had not reached
    assert a.sent == 2  # and A left it alone
    bodies = [str(seen.body) for seen in robot.requests]
    assert len(bodies) == 3 and len(set(bodies)) == 3
    assert set(Delivery.objects.values_list("state", flat=True)) == {"sent"}


def test_resending_a_message_a_worker_is_sending_does_not_hand_it_to_another(office, claimed_task):
    add_hook(office, claimed_task.lead_unit, "https://oapi.dingtalk.com/robot/send?access_token=a")
    queue_three(office, claimed_task)
    in_flight = outbox.claim(f.NOW, limit=1)  # worker A is posting this one
    # The office presses "Send now" on it meanwhile.
    services.delivery_retry(actor=office, delivery=in_flight[0])
    taken = outbox.claim(f.NOW, limit=10)  # worker B
    assert in_flight[0].pk not in {d.pk for d in taken}
    assert len(taken) == 2


# --- at the same time, on separate connections ----------------------------------


def _together(n: int, work) -> tuple[list, list]:
    """Run `work` in n threads started together, each on its own connection.
    On the default in-memory SQLite test database a second writer fails at
    once instead of waiting, so there the threads take turns (see
    tests/supervision/test_scan.py); on PostgreSQL they really overlap."""
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    turn = threading.Lock() if in_memory else contextlib.nullcontext()
    start = threading.Barrier(n)
    results, errors = [], []

    def run():
        try:
            start.wait(timeout=10)
            with turn:
                results.append(work())
        except Exception as error:  # noqa: BLE001 - reported by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_scans_at_once_send_each_message_once(office, leader, liaison_a, unit_a):
    for _ in range(3):
        f.claimed(office, liaison_a, unit_a, leader=leader)
    add_hook(office, unit_a, "https://oapi.dingtalk.com/robot/send?access_token=a")

    results, errors = _together(2, scan_and_notify)

    assert errors == []
    assert sorted(run.messages for run in results) == [0, 6]  # 3 tasks x 2 warnings
    assert Notification.objects.filter(recipient=liaison_a).count() == 6
    assert Delivery.objects.count() == 6
    keys = list(Notification.objects.values_list("recipient_id", "key"))
    assert len(keys) == len(set(keys))


@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_post_each_message_once(office, unit_a, robot):
    for n in range(3):
        add_hook(office, unit_a, robot.url(f"/robot/send?access_token=t{n}"))
    for n in range(3):
        task = f.task(office, unit_a, title=f"任务{n}")
        supervision.notice_issue(actor=office, task=task, reason="请说明。", answer_by=f.TODAY)
    fan_out()
    assert Delivery.objects.count() == 9  # 3 notices x 3 robots

    results, errors = _together(2, lambda: outbox.send_due(limit=100))

    assert errors == []
    assert sum(r.sent for r in results) == 9
    assert sum(r.failed for r in results) == 0
    seen = Counter(
        (s.query["access_token"][0], s.body["markdown"]["title"]) for s in robot.requests
    )
    assert len(seen) == 9 and set(seen.values()) == {1}
    assert set(Delivery.objects.values_list("state", "attempts")) == {("sent", 1)}
