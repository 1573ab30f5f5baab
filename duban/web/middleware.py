"""Request-wide safeguards of a signed-in session (issue 12, points 4 and 6):

- a session ends after ``DUBAN_SESSION_IDLE_MINUTES`` without a request and
  ``DUBAN_SESSION_HOURS`` after it began, whatever happens in between;
- what a signed-in person is shown is never kept by a browser or a proxy
  (``Cache-Control: no-store``), attachments and exports included.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import auth, messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _

STARTED, SEEN = "duban_started", "duban_seen"
# The last request's time is written back at most this often (seconds): a
# session is not saved on every request for a timeout counted in minutes.
SEEN_EVERY = 60


class SessionLimits:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            now = time.time()
            started = request.session.get(STARTED)
            seen = request.session.get(SEEN)
            idle = settings.DUBAN_SESSION_IDLE_MINUTES * 60
            lifetime = settings.DUBAN_SESSION_HOURS * 3600
            if started is None:
                request.session[STARTED] = request.session[SEEN] = now
            elif (idle and seen is not None and now - seen > idle) or now - started > lifetime:
                too_idle = bool(idle and seen is not None and now - seen > idle)
                auth.logout(request)
                messages.info(
                    request,
                    _("You were signed out after %(n)s minutes without activity.")
                    % {"n": settings.DUBAN_SESSION_IDLE_MINUTES}
                    if too_idle
                    else _("You were signed out: a session lasts at most %(n)s hours.")
                    % {"n": settings.DUBAN_SESSION_HOURS},
                )
                if request.path.startswith("/api/"):
                    return self.get_response(request)  # the API answers 401 itself
                return redirect(f"{settings.LOGIN_URL_PATH}?next={request.path}")
            elif seen is None or now - seen > SEEN_EVERY:
                request.session[SEEN] = now
        response = self.get_response(request)
        if user is not None and user.is_authenticated and "Cache-Control" not in response:
            patch_cache_control(response, no_store=True, private=True)
        return response
