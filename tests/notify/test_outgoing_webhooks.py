"""Outgoing webhooks: an office's other systems hear of events, signed, through
the outbox, from a real HTTP server on 127.0.0.1 that records each request.

The signature is checked here as docs/api.md tells a receiver to check it, not
with duban's own function."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.notify import outbox, services, webhooks
from duban.notify.models import Delivery, DeliveryState, Endpoint, EventType
from duban.ops.jobs import scan_and_notify
from duban.org.models import Role, Unit
from duban.projects import services as projects
from duban.projects.models import Industry
from duban.projects.seed import seed_industries
from duban.supervision import services as supervision
from duban.work import services as work
from tests import factories as f

SITE = "https://duban.example.org"
ALL = list(EventType.values)


@pytest.fixture(autouse=True)
def _site(settings):
    settings.DUBAN_SITE_URL = SITE


def endpoint(office, robot, events=ALL, *, on=None, name="OA") -> Endpoint:
    return services.endpoint_create(
        actor=office,
        office=on or f.zone(),
        name=name,
        url=robot.url("/hooks/duban"),
        events=events,
    )


def posted() -> list[dict]:
    """Run the worker's minute: fan out, then send."""
    webhooks.fan_out()
    outbox.send_due()
    return [json.loads(d.body) for d in Delivery.objects.filter(channel="webhook").order_by("pk")]


def verify(secret: str, header: str, raw: bytes, now: int) -> bool:
    """What a receiver does (docs/api.md, "Checking a webhook's signature")."""
    fields = dict(part.split("=", 1) for part in header.split(","))
    timestamp = int(fields["t"])
    if abs(now - timestamp) > 300:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + raw, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), fields["v1"])


def test_a_task_assigned_is_posted_signed_with_what_it_is_about(office, robot, unit_a, leader):
    hook = endpoint(office, robot)
    task = f.task(office, unit_a, serial="2.1", title="招商引资", title_en="Attract investment")
    [event] = posted()
    [seen] = robot.requests
    assert (seen.method, seen.path) == ("POST", "/hooks/duban")
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["duban-event"] == "task.assigned"
    delivery = Delivery.objects.get(endpoint=hook)
    assert seen.headers["duban-delivery"] == str(delivery.pk)
    now = int(f.NOW.timestamp())
    assert verify(hook.secret, seen.headers["duban-signature"], seen.raw, now)
    assert not verify("whsec_wrong", seen.headers["duban-signature"], seen.raw, now)
    assert event["type"] == "task.assigned"
    assert event["id"].startswith("task.assigned:")
    assert event["office"]["id"] == f.zone().pk
    assert event["actor"]["username"] == "office"
    assert event["task"] == {
        "id": task.pk,
        "serial": "2.1",
        "title": "招商引资",
        "title_en": "Attract investment",
        "lead_unit": {
            "id": unit_a.pk,
            "code": "A",
            "name": "发展改革局",
            "name_en": "Development and Reform Bureau",
        },
        "deadline": task.deadline.isoformat(),
        "long_term": False,
        "url": f"{SITE}/tasks/{task.pk}/",
        "api": f"{SITE}/api/v1/tasks/{task.pk}",
    }
    assert dt.datetime.fromisoformat(event["occurred_at"]) == f.NOW
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts) == (DeliveryState.SENT, 1)


def test_a_tampered_or_old_post_fails_the_receivers_check(office, robot, unit_a):
    hook = endpoint(office, robot)
    f.task(office, unit_a)
    posted()
    [seen] = robot.requests
    header = seen.headers["duban-signature"]
    now = int(f.NOW.timestamp())
    assert verify(hook.secret, header, seen.raw, now)
    assert not verify(hook.secret, header, seen.raw.replace(b"A", b"B", 1), now)
    assert not verify(hook.secret, header, seen.raw, now + 301)


def test_the_weekly_loop_posts_each_event_once(office, liaison_a, robot, task, clock):
    clock.move_to(f.NOW + dt.timedelta(minutes=1))  # the task was assigned before
    endpoint(office, robot)
    work.task_claim(actor=liaison_a, task=task)
    report = f.report(liaison_a, task, percent="40")
    work.report_review(actor=office, report=report, accept=False, comment="请补充数据。")
    again = f.report(liaison_a, task, percent="45")
    work.report_review(actor=office, report=again, accept=True)
    supervision.notice_issue(
        actor=office, task=task, reason="请说明原因。", answer_by=f.TODAY + dt.timedelta(days=7)
    )
    f.close(office, liaison_a, task)
    events = posted()
    assert [e["type"] for e in events] == [
        "task.claimed",
        "report.submitted",
        "report.returned",
        "report.submitted",
        "report.accepted",
        "notice.issued",
        "task.closed",
    ]
    submitted = events[1]["report"]
    assert submitted["id"] == report.pk and submitted["percent"] == "40.0"
    assert submitted["period"] == report.period_label and submitted["unit"]["code"] == "A"
    assert events[2]["report"]["comment"] == "请补充数据。"
    assert events[5]["notice"]["reason"] == "请说明原因。"
    assert events[5]["notice"]["answer_by"] == (f.TODAY + dt.timedelta(days=7)).isoformat()
    assert len(robot.requests) == 7
    # The next minute reads the record again and posts nothing twice.
    assert webhooks.fan_out() >= 0
    outbox.send_due()
    assert len(robot.requests) == 7
    assert Delivery.objects.filter(channel="webhook").count() == 7


def test_warnings_raised_and_escalated_are_posted(office, robot, unit_a, clock):
    endpoint(office, robot, [EventType.WARNING_RAISED, EventType.WARNING_ESCALATED])
    task = f.task(office, unit_a, deadline=f.TODAY + dt.timedelta(days=3))
    scan_and_notify()
    clock.move_to(f.NOW + dt.timedelta(days=10))
    scan_and_notify()
    events = posted()
    kinds = [(e["type"], e["warning"]["rule"]) for e in events]
    assert ("warning.raised", "near_due") in kinds
    assert any(kind == "warning.raised" and rule == "overdue" for kind, rule in kinds)
    # The facts as stored (dates) with their days counted to the event's day.
    overdue = next(e for e in events if e["warning"]["rule"] == "overdue")
    deadline = (f.TODAY + dt.timedelta(days=3)).isoformat()
    assert overdue["warning"]["facts"] == {"deadline": deadline, "days": 7}
    assert {e["task"]["id"] for e in events} == {task.pk}
    # Only the chosen events: the task's assignment is not among them.
    assert "task.assigned" not in {e["type"] for e in events}


def test_a_project_stage_move_is_posted(office, leader, robot, unit_a):
    seed_industries()
    project = projects.project_create(
        actor=office,
        code="XM-001",
        name="氢能产业园项目",
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=unit_a,
        leader=leader,
        total_investment=Decimal("120000000.00"),
        planned_sign=f.TODAY.replace(month=1, day=15),
    )
    endpoint(office, robot, [EventType.STAGE_MOVED])
    projects.stage_move(actor=office, project=project, target="signed", on=f.TODAY)
    [event] = posted()
    assert event["type"] == "project.stage_moved"
    assert event["project"]["code"] == "XM-001"
    assert event["project"]["url"] == f"{SITE}/projects/{project.pk}/"
    assert event["move"] == {
        "kind": "forward",
        "from": "reserve",
        "to": "signed",
        "on": f.TODAY.isoformat(),
        "reason": "",
    }


def test_an_endpoint_hears_its_offices_subtree_only_and_nothing_from_before(
    office, robot, unit_a, clock
):
    f.task(office, unit_a, title="早于订阅")  # before the endpoint: never posted
    clock.move_to(f.NOW + dt.timedelta(minutes=1))
    district = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    district.refresh_from_db()
    office_d = f.person("office_d", Role.OFFICE, units=[district])
    zone_hook = endpoint(office, robot, name="市OA")
    district_hook = endpoint(office_d, robot, on=district, name="镇OA")
    in_zone = f.task(office, unit_a, title="区里的")
    in_district = f.task(office_d, district, title="镇里的")
    posted()
    heard = {
        (d.endpoint_id, json.loads(d.body)["task"]["title"])
        for d in Delivery.objects.filter(channel="webhook")
    }
    assert heard == {
        (zone_hook.pk, in_zone.title),
        (zone_hook.pk, in_district.title),  # the zone's office sees the town's work
        (district_hook.pk, in_district.title),
    }


def test_a_failing_receiver_is_retried_with_back_off_then_received(office, robot, unit_a, clock):
    hook = endpoint(office, robot)
    robot.answers = [(500, "busy"), (302, "")]
    f.task(office, unit_a)
    posted()
    delivery = Delivery.objects.get(endpoint=hook)
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1
    assert delivery.last_error.startswith("SendError: HTTP 500")
    assert delivery.next_attempt_at == f.NOW + outbox.backoff(1)
    assert outbox.send_due().sent == 0  # not due yet
    clock.move_to(delivery.next_attempt_at)
    outbox.send_due()
    delivery.refresh_from_db()
    # A redirect is not received.
    assert delivery.attempts == 2 and "HTTP 302" in delivery.last_error
    clock.move_to(delivery.next_attempt_at)
    assert outbox.send_due().sent == 1
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT and delivery.last_error == ""
    # Every attempt carries the same delivery id, each its own fresh signature.
    ids = {seen.headers["duban-delivery"] for seen in robot.requests}
    assert ids == {str(delivery.pk)} and len(robot.requests) == 3
    stamps = [seen.headers["duban-signature"].split(",")[0] for seen in robot.requests]
    assert len(set(stamps)) == 3


def test_a_switched_off_endpoint_gets_nothing_new(office, robot, unit_a):
    hook = endpoint(office, robot)
    services.endpoint_set_enabled(actor=office, endpoint=hook, enabled=False)
    f.task(office, unit_a)
    assert posted() == []
    assert robot.requests == []


@pytest.mark.parametrize(
    "url",
    [
        "http://oa.example.gov.cn/hooks",  # not https
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.7/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:10.0.0.1]/hooks",
        "https://user:pw@oa.example.gov.cn/hooks",
        "https://oa.example.gov.cn/a b",
        "ftp://oa.example.gov.cn/",
        "",
    ],
)
def test_addresses_inside_the_network_or_not_https_are_refused(office, url):
    with pytest.raises(ValidationError) as refused:
        services.endpoint_create(actor=office, office=f.zone(), name="x", url=url, events=ALL)
    assert "url" in refused.value.message_dict
    assert not Endpoint.objects.exists()


def test_a_name_that_resolves_inside_the_network_is_refused_at_each_post(
    office, unit_a, monkeypatch
):
    hook = services.endpoint_create(
        actor=office, office=f.zone(), name="OA", url="https://oa.example.gov.cn/h", events=ALL
    )

    def resolves_inside(host, port, *args, **kwargs):
        assert host == "oa.example.gov.cn"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("10.0.0.5", port))]

    monkeypatch.setattr(socket, "getaddrinfo", resolves_inside)
    f.task(office, unit_a)
    posted()
    delivery = Delivery.objects.get(endpoint=hook)
    assert delivery.state == DeliveryState.QUEUED and delivery.attempts == 1
    assert "internal address (10.0.0.5)" in delivery.last_error


def test_only_the_office_keeps_webhooks(office, leader, liaison_a, unit_a):
    district = f.unit("D", "辛店镇", kind="district", parent=None)
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    office_d = f.person("office_d", Role.OFFICE, units=[district])
    for who in (leader, liaison_a):
        with pytest.raises(PermissionDenied):
            services.endpoint_create(
                actor=who, office=f.zone(), name="x", url="https://oa.example.gov.cn/", events=ALL
            )
    with pytest.raises(PermissionDenied):
        services.endpoint_create(
            actor=office_d, office=f.zone(), name="x", url="https://oa.example.gov.cn/", events=ALL
        )
    hook = services.endpoint_create(
        actor=office, office=f.zone(), name="OA", url="https://oa.example.gov.cn/", events=ALL
    )
    for act in (
        lambda who: services.endpoint_ping(actor=who, endpoint=hook),
        lambda who: services.endpoint_new_secret(actor=who, endpoint=hook),
        lambda who: services.endpoint_delete(actor=who, endpoint=hook),
        lambda who: services.endpoint_update(actor=who, endpoint=hook, events=ALL[:1]),
    ):
        for who in (leader, liaison_a, office_d):
            with pytest.raises(PermissionDenied):
                act(who)
    assert Endpoint.objects.get().events == ALL
    with pytest.raises(ValidationError):
        services.endpoint_update(actor=office, endpoint=hook, events=[])
    with pytest.raises(ValidationError):
        services.endpoint_update(actor=office, endpoint=hook, events=["task.exploded"])


def test_the_fan_out_reads_a_fixed_number_of_queries_however_many_events(office, robot, unit_a):
    endpoint(office, robot)
    endpoint(office, robot, name="大数据局")
    webhooks.fan_out()

    def measure(n: int) -> int:
        for i in range(n):
            f.task(office, unit_a, title=f"任务{i}")
        with CaptureQueriesContext(connection) as queries:
            webhooks.fan_out()
        # Inserts come in batches as large as the database takes (on SQLite a
        # statement holds at most 999 values); every other query is fixed.
        sql = [q["sql"] for q in queries.captured_queries]
        inserts = [q for q in sql if q.startswith("INSERT")]
        assert len(inserts) <= 1 + 2 * n // 20
        return len(sql) - len(inserts)

    few, many = measure(2), measure(40)
    assert few == many
    assert Delivery.objects.filter(channel="webhook").count() == 2 * 42


def test_a_failed_post_is_logged_without_the_address_s_token(office, unit_a, caplog, settings):
    from duban.notify.models import ChatHook

    settings.DUBAN_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    hook = ChatHook.objects.create(
        unit=unit_a, kind="dingtalk", url="http://127.0.0.1:9/robot/send?access_token=SECRET-TOKEN"
    )
    Delivery.objects.create(
        channel="hook", key="k1", hook=hook, address=hook.url, subject="s", body="b"
    )
    with caplog.at_level("WARNING", logger="duban.notify.outbox"):
        outbox.send_due()
    assert "failed" in caplog.text and "127.0.0.1/robot/send" in caplog.text
    assert "SECRET-TOKEN" not in caplog.text
