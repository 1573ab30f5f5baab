"""Email through Django's SMTP backend to a real SMTP server on 127.0.0.1
(aiosmtpd): what arrives, in whose language, and what happens when the server
is down (queued with the error, retried with back-off, given up but kept)."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.notify import outbox
from duban.notify.fanout import fan_out
from duban.notify.models import Channel, Delivery, DeliveryState, Notification
from duban.ops.jobs import scan_and_notify
from duban.supervision import services as supervision
from tests import factories as f

from .support import give_email

# The documented back-off, in minutes, after the 1st, 2nd, … failed attempt.
BACKOFF = [1, 2, 5, 15, 30, 60, 120, 240, 480]
REASON = "进度严重滞后，请说明原因。"


@pytest.fixture(autouse=True)
def _site(settings):
    settings.DUBAN_SITE_URL = "https://duban.example.org"


def issue(office, task):
    """A notice, and the worker's minute that tells the unit of it."""
    notice = supervision.notice_issue(
        actor=office, task=task, reason=REASON, answer_by=f.TODAY + dt.timedelta(days=7)
    )
    fan_out()
    return notice


def emails():
    return Delivery.objects.filter(channel=Channel.EMAIL)


def test_a_queued_email_arrives_with_its_recipient_subject_and_chinese_body(
    office, leader, liaison_a, claimed_task, smtp
):
    give_email(liaison_a, "zhang@example.org")  # Chinese, the default language
    issue(office, claimed_task)
    delivery = emails().get()  # the leader has no address: only the liaison's
    assert (delivery.address, delivery.state, delivery.attempts) == (
        "zhang@example.org",
        DeliveryState.QUEUED,
        0,
    )
    assert smtp.mails == []  # queued, not sent inside the request

    outcome = outbox.send_due()

    assert (outcome.sent, outcome.failed, outcome.given_up) == (1, 0, 0)
    [mail] = smtp.mails
    assert mail.mail_from == "duban@example.org"
    assert mail.rcpt_tos == ["zhang@example.org"]
    assert mail.message["To"] == "zhang@example.org"
    assert mail.subject == "督办〔2026〕1号：1.1 建设科技创新平台"
    assert mail.message.get_content_charset() == "utf-8"
    assert mail.body.strip() == (
        f"请于 2026-03-25 前书面答复。\n{REASON}\n\n"
        f"https://duban.example.org/tasks/{claimed_task.pk}/"
    )
    delivery.refresh_from_db()
    assert (delivery.state, delivery.attempts, delivery.last_error) == ("sent", 1, "")
    assert delivery.sent_at == f.NOW
    # Sent once: the next sweep finds nothing to send.
    assert outbox.send_due(now=f.NOW + dt.timedelta(hours=1)).sent == 0
    assert len(smtp.mails) == 1


def test_each_person_gets_email_in_their_own_language(
    office, leader, liaison_a, claimed_task, smtp
):
    give_email(liaison_a, "zhang@example.org", language="zh-hans")
    give_email(leader, "li@example.org", language="en")
    issue(office, claimed_task)
    assert outbox.send_due().sent == 2
    subjects = {mail.rcpt_tos[0]: mail.subject for mail in smtp.mails}
    assert subjects["zhang@example.org"].endswith("：1.1 建设科技创新平台")
    assert subjects["li@example.org"].endswith(": 1.1 Build the innovation platforms")
    english = next(m for m in smtp.mails if m.rcpt_tos == ["li@example.org"])
    assert english.body.startswith("Answer in writing by 2026-03-25.")


def test_warnings_from_the_scan_are_emailed_too(liaison_a, claimed_task, smtp):
    give_email(liaison_a, "zhang@example.org")
    scan_and_notify()
    assert outbox.send_due().sent == 2
    assert sorted(m.subject for m in smtp.mails) == [
        "黄色预警：1.1 建设科技创新平台",
        "黄色预警：1.1 建设科技创新平台",
    ]
    assert {m.body.splitlines()[0] for m in smtp.mails} == {
        "不作为：未报送进展 (黄色)",
        "慢作为：进度滞后 (黄色)",
    }


def test_no_email_for_a_person_who_turned_email_off(office, leader, liaison_a, claimed_task, smtp):
    give_email(liaison_a, "zhang@example.org", email_notifications=False)
    give_email(leader, "li@example.org")
    issue(office, claimed_task)
    # The in-app message still arrives; only the leader is emailed.
    assert Notification.objects.filter(recipient=liaison_a).count() == 1
    assert list(emails().values_list("address", flat=True)) == ["li@example.org"]
    outbox.send_due()
    assert [m.rcpt_tos for m in smtp.mails] == [["li@example.org"]]


def test_no_email_at_all_when_email_is_not_set_up(office, liaison_a, claimed_task, settings):
    assert settings.DUBAN_EMAIL_ENABLED is False  # DUBAN_EMAIL_HOST is empty
    give_email(liaison_a, "zhang@example.org")
    issue(office, claimed_task)
    assert Notification.objects.filter(recipient=liaison_a).exists()
    assert not emails().exists()


def test_with_the_mail_server_down_the_email_waits_backs_off_then_is_given_up_but_kept(
    office, liaison_a, claimed_task, smtp
):
    give_email(liaison_a, "zhang@example.org")
    issue(office, claimed_task)
    smtp.stop()  # nothing listens on the port any more

    outcome = outbox.send_due()

    assert (outcome.sent, outcome.failed, outcome.given_up) == (0, 1, 0)
    delivery = emails().get()
    assert delivery.state == DeliveryState.QUEUED
    assert delivery.attempts == 1
    assert delivery.last_error.startswith("ConnectionRefusedError")
    assert delivery.next_attempt_at == f.NOW + dt.timedelta(minutes=1)
    assert delivery.sent_at is None
    # Not due again before the back-off has passed.
    assert outbox.send_due().failed == 0
    assert outbox.send_due(now=f.NOW + dt.timedelta(seconds=59)).failed == 0
    delivery.refresh_from_db()
    assert delivery.attempts == 1

    now = delivery.next_attempt_at
    for attempt in range(2, 11):
        outcome = outbox.send_due(now=now)
        delivery.refresh_from_db()
        assert delivery.attempts == attempt
        assert outcome.failed == 1
        if attempt < 10:
            assert delivery.state == DeliveryState.QUEUED
            assert outcome.given_up == 0
            assert delivery.next_attempt_at == now + dt.timedelta(minutes=BACKOFF[attempt - 1])
            now = delivery.next_attempt_at
    assert outbox.MAX_ATTEMPTS == 10
    assert outcome.given_up == 1
    assert delivery.state == DeliveryState.FAILED
    assert delivery.last_error.startswith("ConnectionRefusedError")
    # Given up, but kept: still in the table and never swept again by itself.
    assert outbox.send_due(now=now + dt.timedelta(days=30)).failed == 0
    assert emails().filter(state=DeliveryState.FAILED).count() == 1

    # The server is back; the office sends it again and it arrives.
    smtp.start()
    outbox.retry(delivery)
    assert outbox.send_due().sent == 1
    assert [m.rcpt_tos for m in smtp.mails] == [["zhang@example.org"]]
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")


def test_a_recipient_the_server_refuses_is_a_failure_not_a_loss(
    office, leader, liaison_a, claimed_task, smtp
):
    async def refuse(server, session, envelope, address, options):
        if address.startswith("nobody@"):
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    smtp.mailbox.handle_RCPT = refuse  # type: ignore[attr-defined]
    give_email(liaison_a, "nobody@example.org")
    give_email(leader, "li@example.org")
    issue(office, claimed_task)
    outcome = outbox.send_due()
    assert (outcome.sent, outcome.failed) == (1, 1)
    refused = emails().get(address="nobody@example.org")
    assert refused.state == DeliveryState.QUEUED
    assert refused.attempts == 1
    assert "SMTPRecipientsRefused" in refused.last_error
    assert "No such user" in refused.last_error
    assert [m.rcpt_tos for m in smtp.mails] == [["li@example.org"]]
