"""The pages: a person's messages with the unread count, opening and marking
them read; the office's outbox with each message's state and error and a
resend; a unit's chat robots and their test button."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from duban.lib import rules
from duban.notify import outbox
from duban.notify.models import ChatHook, Delivery, DeliveryState, Notification
from duban.ops import jobs
from duban.ops.jobs import scan_and_notify
from duban.supervision.models import TaskWarning
from tests import factories as f

from .support import add_hook, give_email

DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token={}"


def badge(response) -> int | None:
    """The unread count on the Messages link in the page header (base.html)."""
    found = re.search(r'data-testid="unread-count">(\d+)<', response.content.decode())
    return int(found.group(1)) if found else None


@pytest.fixture
def messages(office, liaison_a, liaison_b, claimed_task, unit_b):
    """Two warnings for liaison A (unit A's task) and some for liaison B (unit B's)."""
    f.claimed(office, liaison_b, unit_b, title="预算绩效管理改革", serial="2.1")
    scan_and_notify()
    mine = Notification.objects.filter(recipient=liaison_a)
    assert mine.count() == 2
    assert Notification.objects.filter(recipient=liaison_b).exists()
    return list(mine.order_by("key"))


def test_the_message_list_shows_my_messages_only_and_the_unread_count(liaison_a, messages, as_):
    response = as_(liaison_a).get("/messages/")
    assert response.status_code == 200
    page = response.content.decode()
    assert badge(response) == 2
    assert page.count("Yellow warning: 1.1 Build the innovation platforms") == 2
    assert "Inaction: report not filed (Yellow)" in page
    assert "Slow action: behind schedule (Yellow)" in page
    assert "预算绩效管理改革" not in page  # liaison B's task
    for note in messages:
        assert f'href="/messages/{note.pk}/"' in page


def test_the_message_list_reads_in_chinese_for_a_chinese_reader(liaison_a, messages, as_):
    page = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/messages/").content.decode()
    assert page.count("黄色预警：1.1 建设科技创新平台") == 2
    assert "不作为：未报送进展 (黄色)" in page


def test_a_person_with_no_messages_has_no_badge(leader, messages, as_):
    response = as_(leader).get("/messages/")
    assert response.status_code == 200
    assert badge(response) is None
    assert "No messages yet." in response.content.decode()


def test_opening_a_message_marks_it_read_and_goes_to_the_task(
    liaison_a, messages, claimed_task, as_, clock
):
    client = as_(liaison_a)
    clock.move_to(f.NOW + dt.timedelta(minutes=5))
    response = client.get(f"/messages/{messages[0].pk}/")
    assert response.status_code == 302
    assert response["Location"] == f"/tasks/{claimed_task.pk}/"
    messages[0].refresh_from_db()
    assert messages[0].read_at == f.NOW + dt.timedelta(minutes=5)
    assert badge(client.get("/messages/")) == 1
    unread = client.get("/messages/?unread=1").content.decode()
    assert f'href="/messages/{messages[0].pk}/"' not in unread
    assert f'href="/messages/{messages[1].pk}/"' in unread
    # Opening it again keeps the first reading time.
    clock.move_to(f.NOW + dt.timedelta(minutes=9))
    client.get(f"/messages/{messages[0].pk}/")
    messages[0].refresh_from_db()
    assert messages[0].read_at == f.NOW + dt.timedelta(minutes=5)


def test_nobody_opens_or_marks_anothers_message(liaison_b, messages, as_):
    response = as_(liaison_b).get(f"/messages/{messages[0].pk}/")
    assert response.status_code == 404
    messages[0].refresh_from_db()
    assert messages[0].read_at is None


def test_mark_all_read_marks_mine_only(liaison_a, liaison_b, messages, as_):
    client = as_(liaison_a)
    assert client.get("/messages/read/").status_code == 405  # a POST only
    response = client.post("/messages/read/")
    assert response.status_code == 302
    assert response["Location"] == "/messages/"
    assert not Notification.objects.filter(recipient=liaison_a, read_at__isnull=True).exists()
    assert Notification.objects.filter(recipient=liaison_b, read_at__isnull=True).exists()
    page = client.get("/messages/")
    assert badge(page) is None
    assert "2 message(s) marked as read." in page.content.decode()


def test_a_digest_message_opens_the_inbox(office, liaison_a, claimed_task, as_):
    from duban.notify.digest import weekly_digest

    weekly_digest()
    note = Notification.objects.get(recipient=liaison_a, kind="digest")
    response = as_(liaison_a).get(f"/messages/{note.pk}/")
    assert (response.status_code, response["Location"]) == (302, "/inbox/")


# --- the outbox -------------------------------------------------------------------------


@pytest.fixture
def deliveries(office, liaison_a, claimed_task, robot, smtp, clock):
    """One email sent, one robot post waiting after a 500, one given up."""
    give_email(liaison_a, "zhang@example.org")
    hook = add_hook(office, claimed_task.lead_unit, robot.url(), name="督办群", language="en")
    robot.answers = [(500, "busy"), (500, "busy")]
    scan_and_notify()
    report = TaskWarning.objects.get(rule=rules.INACTION_REPORT)
    posts = Delivery.objects.filter(hook=hook)
    waiting = posts.get(key=f"warning:{report.pk}:2")
    given_up = posts.exclude(pk=waiting.pk).get()
    Delivery.objects.filter(pk=given_up.pk).update(attempts=outbox.MAX_ATTEMPTS - 1)
    Delivery.objects.filter(channel="email").exclude(key=waiting.key).delete()
    outbox.send_due()
    waiting.refresh_from_db()
    given_up.refresh_from_db()
    assert (waiting.state, given_up.state) == ("queued", "failed")
    sent = Delivery.objects.get(channel="email")
    assert sent.state == "sent"
    return {"sent": sent, "waiting": waiting, "given_up": given_up}


def test_the_outbox_lists_each_message_with_its_state_and_error(office, deliveries, as_):
    response = as_(office).get("/outbox/")
    assert response.status_code == 200
    page = response.content.decode()
    rows = re.findall(r"<tr>.*?</tr>", page, flags=re.S)[1:]  # without the header
    assert len(rows) == 3

    def row(pk):
        [found] = [r for r in rows if f'action="/outbox/{pk}/retry/"' in r]
        return found

    waiting = row(deliveries["waiting"].pk)
    assert "Queued" in waiting and "SendError: HTTP 500: busy" in waiting
    assert "next try 03-18 10:01" in waiting
    assert "Development and Reform Bureau · 督办群" in waiting
    assert "Yellow warning: 1.1 Build the innovation platforms" in waiting
    given_up = row(deliveries["given_up"].pk)
    assert "Failed, given up" in given_up and "SendError: HTTP 500: busy" in given_up
    [sent] = [r for r in rows if "/retry/" not in r]  # nothing to resend
    assert "Sent" in sent and "张联络 &lt;zhang@example.org&gt;" in sent
    assert 'data-testid="state-failed">Failed, given up (1)' in page
    assert 'data-testid="state-queued">Queued (1)' in page
    assert 'data-testid="state-sent">Sent (1)' in page
    assert "Email is sent through 127.0.0.1." in page
    failed_only = as_(office).get("/outbox/?state=failed").content.decode()
    assert failed_only.count("/retry/") == 1


def test_the_outbox_says_whether_a_worker_is_running(office, as_):
    assert "No worker has run yet" in as_(office).get("/outbox/").content.decode()
    jobs.claim_due()
    page = as_(office).get("/outbox/").content.decode()
    assert "The worker last looked for work at 2026-03-18 10:00:00." in page


@pytest.mark.parametrize("who", ["leader", "liaison_a", "anonymous"])
def test_only_the_office_sees_the_outbox(who, request, as_, db):
    response = as_(request.getfixturevalue(who)).get("/outbox/")
    assert response.status_code == (302 if who == "anonymous" else 403)


def test_resending_a_given_up_message_queues_it_and_the_worker_sends_it(
    office, deliveries, robot, as_
):
    failed = deliveries["given_up"]
    response = as_(office).post(f"/outbox/{failed.pk}/retry/")
    assert (response.status_code, response["Location"]) == (302, "/outbox/")
    failed.refresh_from_db()
    assert (failed.state, failed.next_attempt_at, failed.claimed_until) == (
        DeliveryState.QUEUED,
        f.NOW,
        None,
    )
    before = len(robot.requests)
    assert outbox.send_due().sent == 1
    failed.refresh_from_db()
    assert failed.state == DeliveryState.SENT
    assert len(robot.requests) == before + 1


def test_resending_a_sent_message_changes_nothing(office, deliveries, as_):
    sent = deliveries["sent"]
    as_(office).post(f"/outbox/{sent.pk}/retry/")
    sent.refresh_from_db()
    assert sent.state == DeliveryState.SENT
    assert outbox.send_due().sent == 0


def test_only_the_office_resends(liaison_a, deliveries, as_):
    failed = deliveries["given_up"]
    before = f.snapshot()
    assert as_(liaison_a).post(f"/outbox/{failed.pk}/retry/").status_code == 403
    assert f.snapshot() == before


# --- a unit's robots ----------------------------------------------------------------------


def test_the_test_button_queues_a_post_for_that_robot_only(office, unit_a, as_, robot, clock):
    first = add_hook(office, unit_a, robot.url("/robot/send?access_token=one"), language="zh-hans")
    other = add_hook(office, unit_a, robot.url("/robot/send?access_token=two"), language="en")
    page = as_(office).get(f"/units/{unit_a.pk}/").content.decode()
    assert f'action="/robots/{first.pk}/test/"' in page

    response = as_(office).post(f"/robots/{first.pk}/test/")  # an English-speaking office

    assert (response.status_code, response["Location"]) == (302, f"/units/{unit_a.pk}/")
    [delivery] = Delivery.objects.all()
    assert (delivery.hook, delivery.state) == (first, DeliveryState.QUEUED)
    assert not Delivery.objects.filter(hook=other).exists()
    assert not Notification.objects.exists()  # a test post is not anyone's message
    # Each press is a new message.
    clock.shift(dt.timedelta(seconds=1))
    as_(office).post(f"/robots/{first.pk}/test/")
    assert Delivery.objects.filter(hook=first).count() == 2

    assert outbox.send_due().sent == 2
    assert {s.query["access_token"][0] for s in robot.requests} == {"one"}
    # In the robot's language, the unit's name included.
    assert robot.requests[0].body["markdown"] == {
        "title": "督办系统测试消息",
        "text": "#### 督办系统测试消息\n\n本群机器人已设置为接收督办系统关于发展改革局的消息。",
    }


def test_a_switched_off_robot_cannot_be_tested_and_can_be_switched_back_on(office, unit_a, as_):
    hook = add_hook(office, unit_a, DINGTALK.format("a"))
    client = as_(office)
    client.post(f"/robots/{hook.pk}/off/")
    hook.refresh_from_db()
    assert not hook.enabled
    response = client.post(f"/robots/{hook.pk}/test/", follow=True)
    assert "Switch the robot on first." in response.content.decode()
    assert not Delivery.objects.exists()
    client.post(f"/robots/{hook.pk}/on/")
    hook.refresh_from_db()
    assert hook.enabled
    client.post(f"/robots/{hook.pk}/delete/")
    assert not ChatHook.objects.exists()


@pytest.mark.parametrize("action", ["test", "off", "delete"])
def test_only_the_office_works_the_robots(liaison_a, office, unit_a, as_, action):
    hook = add_hook(office, unit_a, DINGTALK.format("a"))
    before = f.snapshot()
    assert as_(liaison_a).post(f"/robots/{hook.pk}/{action}/").status_code == 403
    assert f.snapshot() == before


def test_switching_language_also_sets_the_language_of_my_emails(liaison_a, as_):
    assert liaison_a.language == "zh-hans"
    response = as_(liaison_a).post("/i18n/setlang/", {"language": "en", "next": "/messages/"})
    assert response.status_code == 302
    liaison_a.refresh_from_db()
    assert liaison_a.language == "en"
