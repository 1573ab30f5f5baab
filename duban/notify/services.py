"""Writes of notifications: reading messages, the units' chat robots, retries."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from duban.org.models import Person, Unit
from duban.org.scope import Actor, scope_of

from . import fanout, outbox
from .hooks import validate_hook_url
from .models import ChatHook, Delivery, Kind, Notification
from .queries import visible_deliveries


def mark_read(*, actor: Person, notification: Notification | None = None) -> int:
    """Mark one message (or, without one, all of them) as read."""
    unread = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if notification is not None:
        unread = unread.filter(pk=notification.pk)
    return unread.update(read_at=timezone.now())


def _require_office(actor: Actor, unit: Unit) -> None:
    scope_of(actor).require_manage(unit, _("Only the supervision office can set up chat robots."))


def _locked_hook(hook: ChatHook) -> ChatHook:
    return ChatHook.objects.select_for_update().select_related("unit").get(pk=hook.pk)


@transaction.atomic
def hook_create(
    *,
    actor: Actor,
    unit: Unit,
    kind: str,
    url: str,
    secret: str = "",
    name: str = "",
    language: str = "zh-hans",
) -> ChatHook:
    _require_office(actor, unit)
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
def hook_set_enabled(*, actor: Actor, hook: ChatHook, enabled: bool) -> ChatHook:
    hook = _locked_hook(hook)
    _require_office(actor, hook.unit)
    hook.enabled = enabled
    hook.save(update_fields=["enabled"])
    return hook


@transaction.atomic
def hook_delete(*, actor: Actor, hook: ChatHook) -> None:
    hook = _locked_hook(hook)
    _require_office(actor, hook.unit)
    hook.delete()


@transaction.atomic
def hook_test(*, actor: Actor, hook: ChatHook, now: dt.datetime | None = None) -> None:
    """Queue a test post to one robot (each press is a new message)."""
    hook = _locked_hook(hook)
    _require_office(actor, hook.unit)
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


@transaction.atomic
def delivery_retry(*, actor: Actor, delivery: Delivery) -> None:
    if not scope_of(actor).manages:
        raise PermissionDenied(_("Only the supervision office can resend messages."))
    if not visible_deliveries(actor).filter(pk=delivery.pk).exists():
        raise PermissionDenied(_("This message went to no unit you work for."))
    outbox.retry(delivery)
