"""Sending the outbox: claim due messages (emails, chat robot posts, webhook
events), send each, record the outcome.

A message is claimed with a conditional update (a token and a lease), so two
workers never send the same one. A failure keeps the message queued with the
error and a later next attempt (back-off: 1, 2, 5, 15, 30 minutes, then every
hour, 2, 4, 8 hours); after MAX_ATTEMPTS it is marked failed, kept, and can be
sent again from the outbox page. Nothing here runs inside the scan's
transaction: a dead destination never holds up anything else.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.core.mail import EmailMessage
from django.db.models import Q
from django.utils import timezone

from . import hooks, webhooks
from .models import Channel, Delivery, DeliveryState, ScheduleSlot

logger = logging.getLogger(__name__)

BACKOFF_MINUTES = (1, 2, 5, 15, 30, 60, 120, 240, 480)
MAX_ATTEMPTS = len(BACKOFF_MINUTES) + 1
LEASE = dt.timedelta(minutes=5)


def backoff(attempts: int) -> dt.timedelta:
    """Wait before attempt number `attempts + 1`."""
    index = min(max(attempts, 1), len(BACKOFF_MINUTES)) - 1
    return dt.timedelta(minutes=BACKOFF_MINUTES[index])


@dataclass
class Outcome:
    sent: int = 0
    failed: int = 0
    given_up: int = 0


def claim(now: dt.datetime, limit: int) -> list[Delivery]:
    token = uuid.uuid4().hex
    due = Q(state=DeliveryState.QUEUED, next_attempt_at__lte=now) & (
        Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    )
    ids = list(
        Delivery.objects.filter(due)
        .order_by("next_attempt_at", "id")
        .values_list("id", flat=True)[:limit]
    )
    if not ids:
        return []
    # The condition is checked again by the update itself: a row another
    # worker claimed in between is left alone.
    Delivery.objects.filter(due, pk__in=ids).update(claim=token, claimed_until=now + LEASE)
    return list(Delivery.objects.filter(claim=token).select_related("hook", "endpoint"))


def deliver(delivery: Delivery) -> None:
    """Send one message; raise on failure."""
    if delivery.channel == Channel.EMAIL:
        EmailMessage(delivery.subject, delivery.body, to=[delivery.address]).send()
        return
    if delivery.channel == Channel.WEBHOOK:
        endpoint = delivery.endpoint
        if endpoint is None:
            raise hooks.SendError("the webhook was removed")
        if not endpoint.enabled:
            raise hooks.SendError("the webhook is switched off")
        webhooks.post(endpoint, delivery)
        return
    hook = delivery.hook
    if hook is None:
        raise hooks.SendError("the chat robot was removed")
    if not hook.enabled:
        raise hooks.SendError("the chat robot is switched off")
    hooks.post(hook.kind, hook.url, hook.secret, delivery.subject, delivery.body, delivery.link)


def _where(delivery: Delivery) -> str:
    if delivery.channel == Channel.EMAIL:
        return delivery.address
    return hooks.redacted(delivery.address)


def send_due(*, now: dt.datetime | None = None, limit: int = 200) -> Outcome:
    outcome = Outcome()
    now = now or timezone.now()
    for delivery in claim(now, limit):
        # A long batch (slow or dead destinations) can outlast the lease, and
        # another worker may then have claimed what this one has not reached
        # yet: renew the lease before each send, and skip the message if the
        # claim is no longer ours.
        renewed = Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim).update(
            claimed_until=max(now, timezone.now()) + LEASE
        )
        if not renewed:
            continue
        try:
            deliver(delivery)
        except Exception as error:  # noqa: BLE001 - any failure is recorded and retried
            attempts = delivery.attempts + 1
            given_up = attempts >= MAX_ATTEMPTS
            Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim).update(
                attempts=attempts,
                last_error=f"{type(error).__name__}: {error}"[:2000],
                state=DeliveryState.FAILED if given_up else DeliveryState.QUEUED,
                next_attempt_at=now + backoff(attempts),
                claimed_until=None,
                claim="",
            )
            # Never the whole address: a robot's carries its access token.
            logger.warning("message %s to %s failed: %s", delivery.pk, _where(delivery), error)
            outcome.failed += 1
            outcome.given_up += given_up
        else:
            Delivery.objects.filter(pk=delivery.pk, claim=delivery.claim).update(
                attempts=delivery.attempts + 1,
                state=DeliveryState.SENT,
                sent_at=timezone.now(),
                claimed_until=None,
                claim="",
                last_error="",
            )
            outcome.sent += 1
    return outcome


def retry(delivery: Delivery, *, now: dt.datetime | None = None) -> None:
    """Put a failed or waiting message back at the front of the queue. A
    message a worker is sending right now keeps that worker's lease: taking it
    away would let a second worker send it too."""
    Delivery.objects.filter(pk=delivery.pk).exclude(state=DeliveryState.SENT).update(
        state=DeliveryState.QUEUED, next_attempt_at=now or timezone.now()
    )


def worker_last_seen() -> dt.datetime | None:
    """When a worker last looked at its schedule (the Outbox page shows it)."""
    slot = ScheduleSlot.objects.filter(name="heartbeat").first()
    return slot.next_run_at if slot else None
