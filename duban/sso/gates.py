"""What a person signed in with a password passes before any page: the
second factor (set it up when their role requires one, else type a code when
they have one), then a new password when an administrator set theirs or it
is older than DUBAN_PASSWORD_MAX_AGE_DAYS. Checked once per session; the
pages that pass the gates (signing in and out, the language, the static
files) are open on the way."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from duban.org.http import MAX_NEXT

from . import account
from .passwords import password_expired

PASSED = "duban_gates_passed"
# The list of sessions (/account/) learns a session's last activity this often.
LISTED, LISTED_EVERY = "duban_listed", 300
OPEN = (
    "/login/",
    "/logout/",
    "/account/second-factor/",
    "/account/password/",
    "/i18n/",
    "/static/",
    "/assets/",
    "/healthz",
)


def gate_for(request: HttpRequest) -> str | None:
    """The page the person must go through first, else ``None``."""
    user = request.user
    backend = request.session.get(account.BACKEND_SESSION_KEY, "")
    if backend not in account.PASSWORD_BACKENDS and not settings.DUBAN_2FA_AFTER_SSO:
        return None
    if account.confirmed_factor(user) is not None:
        if not user.is_verified():  # type: ignore[union-attr]
            return "second_factor_verify"
    elif account.second_factor_required(user, backend):
        return "second_factor_setup"
    if getattr(user, "must_change_password", False) or password_expired(user):
        return "password_change"
    return None


class AccountGates:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and hasattr(request, "session")
            and not request.session.get(PASSED)
            and not request.path.startswith(OPEN)
        ):
            gate = gate_for(request)
            if gate is None:
                if (
                    request.session.get(account.BACKEND_SESSION_KEY, "")
                    in account.PASSWORD_BACKENDS
                ):
                    request.session[PASSED] = True
            elif request.path.startswith("/api/"):
                return JsonResponse(
                    {"title": _("Finish signing in on the pages first."), "status": 403},
                    status=403,
                    content_type="application/problem+json",
                )
            else:
                target = urlencode({"next": request.get_full_path()[:MAX_NEXT]})
                return redirect(f"{reverse(gate)}?{target}")
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            if now - request.session.get(LISTED, 0) > LISTED_EVERY:
                account.session_seen(request)
                request.session[LISTED] = now
        return self.get_response(request)
