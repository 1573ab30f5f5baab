from __future__ import annotations

from django.http import HttpRequest

from .models import Person


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a Person."""

    user: Person  # type: ignore[assignment]
