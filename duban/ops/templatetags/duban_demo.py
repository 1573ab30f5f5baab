"""The sign-in page of a demonstration lists its main logins (``duban demo``)."""

from __future__ import annotations

from django import template
from django.conf import settings

from duban.ops.demo import data
from duban.org.models import Role

register = template.Library()


@register.simple_tag
def demo_logins() -> list[dict[str, object]]:
    """The demo's main logins (every other demo person signs in with the same
    password); none outside a demonstration."""
    if not settings.DUBAN_DEMO:
        return []
    return [
        {"username": p.username, "role": Role(p.role).label, "name": p.full_name, "title": p.title}
        for p in data.PEOPLE
        if p.login
    ]
