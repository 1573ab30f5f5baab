"""Posts to group chat robots, against a real HTTP server on 127.0.0.1 that
records each request: the shapes DingTalk, WeCom and Feishu accept, their
signatures, and what happens when a robot fails or refuses."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import urllib.parse

import pytest

from duban.notify import outbox, services
from duban.notify.fanout import fan_out
from duban.notify.models import Delivery, DeliveryState
from duban.ops.jobs import scan_and_notify
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning
from tests import factories as f

from .support import add_hook, free_port, give_email

SITE = "https://duban.example.org"
SECRET = "SEC0123456789abcdef"  # a DingTalk-style signing secret
NOW_S = int(f.NOW.timestamp())  # the frozen clock, in seconds since 1970


@pytest.fixture(autouse=True)
def _site(settings):
    settings.DUBAN_SITE_URL = SITE


def issue(office, task):
    """A notice, and the worker's minute that tells the unit of it."""
    notice = supervision.notice_issue(
        actor=office, task=task, reason="请说明原因。", answer_by=f.TODAY + dt.timedelta(days=7)
    )
    fan_out()
    return notice


def test_dingtalk_gets_markdown_with_title_text_and_link(office, claimed_task, robot):
    hook = add_hook(office, claimed_task.lead_unit, robot.url(), language="en")
    issue(office, claimed_task)
    assert outbox.send_due().sent == 1
    [seen] = robot.requests
    assert (seen.method, seen.path, seen.query) == (
        "POST",
        "/robot/send",
        {"access_token": ["tok1"]},
    )
    title = "Supervision notice [2026] No. 1: 1.1 Build the innovation platforms"
    link = f"{SITE}/tasks/{claimed_task.pk}/"
    assert seen.body == {
        "msgtype": "markdown",
        "markdown": {
            "title": title,
            "text": f"#### {title}\n\nAnswer in writing by 2026-03-25.\n\n请说明原因。\n\n"
            f"[{link}]({link})",
        },
    }
    delivery = Delivery.objects.get(hook=hook)
    assert (delivery.state, delivery.attempts, delivery.sent_at) == ("sent", 1, f.NOW)


def test_dingtalk_with_a_secret_signs_the_address(office, claimed_task, robot):
    add_hook(office, claimed_task.lead_unit, robot.url(), secret=SECRET)
    issue(office, claimed_task)
    assert outbox.send_due().sent == 1
    [seen] = robot.requests
    stamp = str(NOW_S * 1000)  # milliseconds
    expected = base64.b64encode(
        hmac.new(SECRET.encode(), f"{stamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert seen.query == {"access_token": ["tok1"], "timestamp": [stamp], "sign": [expected]}
    # The signature is url-encoded in the address (base64 has "+", "/" and "=").
    assert f"sign={urllib.parse.quote_plus(expected)}" in seen.raw_query.split("&")
    assert seen.raw_query.startswith("access_token=tok1&timestamp=")
    # The body is the same as without a secret (DingTalk signs the address only).
    assert set(seen.body) == {"msgtype", "markdown"}


def test_wecom_gets_markdown_content(office, claimed_task, robot):
    add_hook(
        office,
        claimed_task.lead_unit,
        robot.url("/cgi-bin/webhook/send?key=wk1"),
        kind="wecom",
        language="zh-hans",
    )
    issue(office, claimed_task)
    assert outbox.send_due().sent == 1
    [seen] = robot.requests
    assert (seen.path, seen.query) == ("/cgi-bin/webhook/send", {"key": ["wk1"]})
    link = f"{SITE}/tasks/{claimed_task.pk}/"
    assert seen.body == {
        "msgtype": "markdown",
        "markdown": {
            "content": "**督办〔2026〕1号：1.1 建设科技创新平台**\n"
            f"请于 2026-03-25 前书面答复。\n请说明原因。\n[{link}]({link})"
        },
    }


def test_feishu_gets_text_and_with_a_secret_a_signed_body(office, claimed_task, robot):
    robot.answers = [(200, {"code": 0, "msg": "success", "data": {}})]
    add_hook(
        office,
        claimed_task.lead_unit,
        robot.url("/open-apis/bot/v2/hook/0a1b2c"),
        kind="feishu",
        secret="fs-secret",
    )
    issue(office, claimed_task)
    assert outbox.send_due().sent == 1
    [seen] = robot.requests
    assert (seen.path, seen.query) == ("/open-apis/bot/v2/hook/0a1b2c", {})
    stamp = str(NOW_S)  # seconds
    key = f"{stamp}\nfs-secret".encode()
    sign = base64.b64encode(hmac.new(key, b"", hashlib.sha256).digest()).decode()
    link = f"{SITE}/tasks/{claimed_task.pk}/"
    assert seen.body == {
        "msg_type": "text",
        "content": {
            "text": "督办〔2026〕1号：1.1 建设科技创新平台\n"
            f"请于 2026-03-25 前书面答复。\n请说明原因。\n{link}"
        },
        "timestamp": stamp,
        "sign": sign,
    }


def test_feishu_without_a_secret_has_no_signature(office, claimed_task, robot):
    add_hook(office, claimed_task.lead_unit, robot.url("/open-apis/bot/v2/hook/x"), kind="feishu")
    issue(office, claimed_task)
    outbox.send_due()
    assert set(robot.requests[0].body) == {"msg_type", "content"}


def test_a_robot_that_answers_500_then_200_gets_the_message_on_the_retry(
    office, claimed_task, robot, clock
):
    robot.answers = [(500, "busy")]
    hook = add_hook(office, claimed_task.lead_unit, robot.url(), secret=SECRET)
    issue(office, claimed_task)

    first = outbox.send_due()

    assert (first.sent, first.failed) == (0, 1)
    delivery = Delivery.objects.get(hook=hook)
    assert delivery.state == DeliveryState.QUEUED
    assert delivery.attempts == 1
    assert delivery.last_error == "SendError: HTTP 500: busy"
    assert delivery.next_attempt_at == f.NOW + dt.timedelta(minutes=1)
    # Swept again before the back-off: left alone.
    assert outbox.send_due().sent == 0
    assert len(robot.requests) == 1

    clock.move_to(f.NOW + dt.timedelta(minutes=1))
    second = outbox.send_due()

    assert (second.sent, second.failed) == (1, 0)
    assert len(robot.requests) == 2
    assert robot.requests[0].body == robot.requests[1].body
    # Signed when sent, not when queued: DingTalk refuses a timestamp an hour old.
    stamps = [int(seen.query["timestamp"][0]) for seen in robot.requests]
    assert stamps == [NOW_S * 1000, (NOW_S + 60) * 1000]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 2, "")
    assert delivery.sent_at == f.NOW + dt.timedelta(minutes=1)


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (
            {"errcode": 310000, "errmsg": "keywords not in content"},
            "SendError: refused: code 310000 keywords not in content",
        ),
        (
            {"errcode": 93000, "errmsg": "invalid webhook url"},
            "SendError: refused: code 93000 invalid webhook url",
        ),
        ({"code": 19021, "msg": "sign match fail"}, "SendError: refused: code 19021"),
        ("<html>gateway</html>", "SendError: HTTP 200, not JSON: <html>gateway</html>"),
    ],
)
def test_a_refusal_with_http_200_is_a_failure(office, claimed_task, robot, answer, error):
    robot.answers = [(200, answer)]
    hook = add_hook(office, claimed_task.lead_unit, robot.url())
    issue(office, claimed_task)
    outcome = outbox.send_due()
    assert (outcome.sent, outcome.failed) == (0, 1)
    delivery = Delivery.objects.get(hook=hook)
    assert delivery.state == DeliveryState.QUEUED
    assert delivery.last_error.startswith(error)
    assert delivery.attempts == 1


def test_a_dead_robot_holds_up_neither_the_scan_nor_the_other_messages(
    office, liaison_a, claimed_task, robot, smtp
):
    give_email(liaison_a, "zhang@example.org")
    unit = claimed_task.lead_unit
    dead = add_hook(office, unit, f"http://127.0.0.1:{free_port()}/robot/send?access_token=x")
    live = add_hook(office, unit, robot.url())

    run = scan_and_notify()  # queues; never waits on a destination

    assert len(run.result.raised) == 2
    assert TaskWarning.objects.count() == 2
    assert Delivery.objects.filter(hook=dead).count() == 2
    assert set(Delivery.objects.values_list("state", "attempts")) == {("queued", 0)}

    outcome = outbox.send_due()

    # The dead robot's posts come first in the queue and fail; the others go.
    assert (outcome.sent, outcome.failed) == (4, 2)
    assert len(robot.requests) == 2
    assert len(smtp.mails) == 2
    assert set(Delivery.objects.filter(hook=live).values_list("state", flat=True)) == {"sent"}
    for delivery in Delivery.objects.filter(hook=dead):
        assert delivery.state == DeliveryState.QUEUED
        assert delivery.attempts == 1
        assert delivery.last_error.startswith("SendError: ConnectError")
        assert delivery.next_attempt_at == f.NOW + dt.timedelta(minutes=1)


def test_a_robot_switched_off_after_queueing_is_not_posted_to(office, claimed_task, robot):
    hook = add_hook(office, claimed_task.lead_unit, robot.url())
    issue(office, claimed_task)
    services.hook_set_enabled(actor=office, hook=hook, enabled=False)
    outcome = outbox.send_due()
    assert outcome.failed == 1
    assert robot.requests == []
    delivery = Delivery.objects.get(hook=hook)
    assert delivery.last_error == "SendError: the chat robot is switched off"
    # Switched off robots get nothing new.
    supervision.notice_issue(
        actor=office, task=claimed_task, reason="再次督办。", answer_by=f.TODAY
    )
    assert Delivery.objects.filter(hook=hook).count() == 1


def test_each_robot_hears_in_its_own_language(office, claimed_task, robot):
    unit = claimed_task.lead_unit
    add_hook(office, unit, robot.url("/robot/send?access_token=zh"), language="zh-hans")
    add_hook(office, unit, robot.url("/robot/send?access_token=en"), language="en")
    issue(office, claimed_task)
    assert outbox.send_due().sent == 2
    titles = {s.query["access_token"][0]: s.body["markdown"]["title"] for s in robot.requests}
    assert titles == {
        "zh": "督办〔2026〕1号：1.1 建设科技创新平台",
        "en": "Supervision notice [2026] No. 1: 1.1 Build the innovation platforms",
    }
