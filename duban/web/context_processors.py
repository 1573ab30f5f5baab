"""The figures every page's menu shows: unread messages and the inbox count.
With the pages, above the record, because it reads the notifications, the
work and the warnings."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from duban.notify.models import Notification
from duban.org.http import BADGES

from .inbox import inbox_count

# The counts on the inbox and messages links are kept in the session for this
# many seconds: they cost a few COUNT queries, and every page shows them. The
# inbox page and the messages page always show (and store) the exact figures,
# and reading a message forgets them (``forget_badges``).
INBOX_COUNT_SECONDS = 30


def person(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    inbox = getattr(request, "inbox_total", None)
    unread = getattr(request, "unread_total", None)
    now = time.time()
    cached = request.session.get(BADGES)
    if inbox is None and unread is None and cached and 0 <= now - cached[2] < INBOX_COUNT_SECONDS:
        return {"inbox_count": cached[0], "unread_count": cached[1]}
    if inbox is None:
        inbox = inbox_count(user)
    if unread is None:
        unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    request.session[BADGES] = (inbox, unread, now)
    return {"inbox_count": inbox, "unread_count": unread}
