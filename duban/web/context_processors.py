"""The figures every page's menu shows: unread messages and the inbox count.
With the pages, above the record, because it reads the notifications, the
work and the warnings."""

from __future__ import annotations

import time
from typing import Any

from django.http import HttpRequest

from duban.notify.models import Notification

from .inbox import inbox_count

# The count on the inbox link is kept in the session for this many seconds:
# it costs a few COUNT queries, and every page shows it. The inbox page itself
# always shows (and stores) the exact figure.
INBOX_COUNT_SECONDS = 30


def person(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # One indexed count: the messages badge is always exact.
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True).count()
    exact = getattr(request, "inbox_total", None)
    now = time.time()
    if exact is None:
        cached = request.session.get("inbox_count")
        if cached and 0 <= now - cached[1] < INBOX_COUNT_SECONDS:
            return {"inbox_count": cached[0], "unread_count": unread}
        exact = inbox_count(user)
    request.session["inbox_count"] = (exact, now)
    return {"inbox_count": exact, "unread_count": unread}
