"""Reads of the outbox and the robots, scoped like everything else
(``duban.org.scope``)."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet

from duban.org.models import Membership
from duban.org.scope import scope_of

from .models import ChatHook, Delivery, Endpoint


def visible_hooks(person: Any) -> QuerySet[ChatHook]:
    """The robots of the units inside the person's scope."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return ChatHook.objects.none()
    return ChatHook.objects.filter(scope.unit_q("unit"))


def visible_endpoints(person: Any) -> QuerySet[Endpoint]:
    """The webhooks an office person keeps: those of the offices inside their scope."""
    scope = scope_of(person)
    if not scope.manages:
        return Endpoint.objects.none()
    return Endpoint.objects.filter(scope.unit_q("office"))


def visible_deliveries(person: Any) -> QuerySet[Delivery]:
    """The outbox an office person sees: posts to the robots of units inside
    their scope, events to the webhooks of offices inside it, and emails to
    people who belong to such a unit (emails to people of no unit only for a
    scope over everything)."""
    scope = scope_of(person)
    if not scope.manages:
        return Delivery.objects.none()
    if scope.everything:
        return Delivery.objects.all()
    member = Membership.objects.filter(scope.unit_q("unit"), person_id=OuterRef("recipient_id"))
    hooks = ChatHook.objects.filter(scope.unit_q("unit")).values("pk")
    endpoints = visible_endpoints(person).values("pk")
    return Delivery.objects.filter(
        Exists(member)
        | Exists(hooks.filter(pk=OuterRef("hook_id")))
        | Exists(endpoints.filter(pk=OuterRef("endpoint_id")))
    )
