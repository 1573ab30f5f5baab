"""The list of a person's signed-in sessions follows signing in and out."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from . import account


@receiver(user_logged_in)
def _listed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        account.session_began(request, user)


@receiver(user_logged_out)
def _unlisted(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if request is not None and hasattr(request, "session"):
        account.session_ended(request.session.session_key)
