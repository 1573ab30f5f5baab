"""Writes of notifications: reading messages, the units' chat robots, retries."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from duban.org.models import Person, Unit
from duban.work.permissions import can_manage

from . import fanout, outbox
from .hooks import validate_hook_url
from .models import ChatHook, Delivery, Kind, Notification


def mark_read(*, actor: Person, notification: Notification | None = None) -> int:
    """Mark one message (or, without one, all of them) as read."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


def _require_office(actor: Person) -> None:
    if not can_manage(actor):
        raise PermissionDenied(_("Only the supervision office can set up chat robots."))


@transaction.atomic
def hook_create(
    *,
    actor: Person,
    unit: Unit,
    kind: str,
    url: str,
    secret: str = "",
    name: str = "",
    language: str = "zh-hans",
) -> ChatHook:
    _require_office(actor)
    try:
        url = validate_hook_url(kind, url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    return ChatHook.objects.create(
        unit=unit,
        kind=kind,
        url=url,
        secret=(secret or "").strip(),
        name=name.strip(),
        language=language,
    )


@transaction.atomic
def hook_set_enabled(*, actor: Person, hook: ChatHook, enabled: bool) -> ChatHook:
    _require_office(actor)
    hook.enabled = enabled
    hook.save(update_fields=["enabled"])
    return hook


@transaction.atomic
def hook_delete(*, actor: Person, hook: ChatHook) -> None:
    _require_office(actor)
    hook.delete()


@transaction.atomic
def hook_test(*, actor: Person, hook: ChatHook, now: dt.datetime | None = None) -> None:
    """Queue a test post to one robot (each press is a new message)."""
    _require_office(actor)
    now = now or timezone.now()
    if not hook.enabled:
        raise ValidationError(_("Switch the robot on first."))
    with override(hook.language):  # the unit's name in the robot's language
        unit_name = str(hook.unit)
    message = fanout.Message(
        kind=Kind.TEST,
        key=f"test:{hook.pk}:{now.timestamp()}",
        data={"unit": unit_name},
        units={hook.unit_id},
    )
    # Only this robot, not the unit's others.
    words = fanout.render_in(hook.language, message.kind, message.data)
    Delivery.objects.create(
        channel="hook",
        key=message.key,
        hook=hook,
        address=hook.url[:254],
        subject=words.title,
        body=words.body,
        created_at=now,
        next_attempt_at=now,
    )
    transaction.on_commit(fanout.kick)


@transaction.atomic
def delivery_retry(*, actor: Person, delivery: Delivery) -> None:
    if not can_manage(actor):
        raise PermissionDenied(_("Only the supervision office can resend messages."))
    outbox.retry(delivery)
    transaction.on_commit(fanout.kick)
