"""Writes of notifications: reading messages, the units' chat robots, the
offices' webhooks, retries."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from duban.org.models import Person, Unit
from duban.org.scope import Actor, person_of, scope_of

from . import fanout, hooks, outbox, webhooks
from .hooks import validate_hook_url
from .models import ChatHook, Delivery, Endpoint, EventType, Kind, Notification
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
        address=hooks.redacted(hook.url)[:254],
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


# --- webhooks ------------------------------------------------------------------------

WEBHOOKS_ONLY = gettext_lazy("Only the supervision office can set up webhooks.")


def _locked_endpoint(actor: Actor, endpoint: Endpoint) -> Endpoint:
    endpoint = Endpoint.objects.select_for_update().select_related("office").get(pk=endpoint.pk)
    scope_of(actor).require_office(endpoint.office, str(WEBHOOKS_ONLY))
    return endpoint


def _events(events: list[str]) -> list[str]:
    chosen = [e for e in EventType.values if e in set(events or [])]
    unknown = sorted(set(events or []) - set(EventType.values))
    if unknown:
        raise ValidationError({"events": _("Unknown events: %(e)s.") % {"e": ", ".join(unknown)}})
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    return chosen


@transaction.atomic
def endpoint_create(
    *, actor: Actor, office: Unit, name: str, url: str, events: list[str]
) -> Endpoint:
    """A new webhook of ``office``; its secret is on the returned object (shown once)."""
    scope_of(actor).require_office(office, str(WEBHOOKS_ONLY))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the webhook a name.")})
    try:
        url = webhooks.validate_endpoint_url(url)
    except ValidationError as error:
        raise ValidationError({"url": error.messages}) from None
    webhooks.start_cursors()  # it hears of what happens from now on
    return Endpoint.objects.create(
        office=office,
        name=name[:100],
        url=url,
        events=_events(events),
        secret=webhooks.new_secret(),
        created_by=person_of(actor),
    )


@transaction.atomic
def endpoint_update(*, actor: Actor, endpoint: Endpoint, events: list[str]) -> Endpoint:
    endpoint = _locked_endpoint(actor, endpoint)
    endpoint.events = _events(events)
    endpoint.save(update_fields=["events"])
    return endpoint


@transaction.atomic
def endpoint_set_enabled(*, actor: Actor, endpoint: Endpoint, enabled: bool) -> Endpoint:
    endpoint = _locked_endpoint(actor, endpoint)
    endpoint.enabled = enabled
    endpoint.save(update_fields=["enabled"])
    return endpoint


@transaction.atomic
def endpoint_new_secret(*, actor: Actor, endpoint: Endpoint) -> Endpoint:
    """A new signing secret (the old one stops working at once); shown once."""
    endpoint = _locked_endpoint(actor, endpoint)
    endpoint.secret = webhooks.new_secret()
    endpoint.save(update_fields=["secret"])
    return endpoint


@transaction.atomic
def endpoint_delete(*, actor: Actor, endpoint: Endpoint) -> None:
    _locked_endpoint(actor, endpoint).delete()


@transaction.atomic
def endpoint_ping(*, actor: Actor, endpoint: Endpoint) -> Delivery:
    endpoint = _locked_endpoint(actor, endpoint)
    if not endpoint.enabled:
        raise ValidationError(_("Switch the webhook on first."))
    return webhooks.ping(endpoint)
