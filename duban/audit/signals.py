"""Sign-ins, failed sign-ins and sign-outs, whichever way they come (the
password form, the directory, single sign-on): Django's auth signals."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from .log import record
from .models import Outcome


@receiver(user_logged_in)
def _signed_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    backend = getattr(user, "backend", "") or ""
    record("login", request=request, actor=user, method=backend.rsplit(".", 1)[-1])


@receiver(user_logged_out)
def _signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", request=request, actor=user)


@receiver(user_login_failed)
def _refused(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    # Django has already masked the password; only the name typed is kept.
    record(
        "login.failed",
        request=request,
        outcome=Outcome.REFUSED,
        username=str(credentials.get("username", ""))[:150],
    )


@receiver(user_locked_out)
def _locked_out(sender: Any, request: Any = None, username: Any = None, **kwargs: Any) -> None:
    record(
        "login.lockout",
        request=request,
        outcome=Outcome.REFUSED,
        username=str(username or "")[:150],
    )
