"""Where people start: home sends each to their page, and the inbox gathers
what waits for them (a liaison's opens with their unit's figures from the
cockpit), so it composes the work and the cockpit."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from duban.cockpit.charts import unit_summary
from duban.org.http import AuthedRequest
from duban.org.models import Role

from .inbox import inbox as inbox_of

ADMINISTRATORS_DESK: dict[str, str] = {
    Role.ADMIN: "admin:index",
    Role.SECURITY: "security_desk",
    Role.AUDITOR: "audit_log",
}


@login_required
def home(request: AuthedRequest) -> HttpResponse:
    """Leaders start on the cockpit; the office and the liaisons on their inbox,
    the work waiting for them; each administrator on their own desk (they
    read none of the office's records)."""
    desk = ADMINISTRATORS_DESK.get(request.user.role)
    if desk:
        return redirect(desk)
    if request.user.is_leader:
        return redirect("cockpit")
    return redirect("inbox")


@login_required
def inbox(request: AuthedRequest) -> HttpResponse:
    if request.user.is_administrator:  # no business of theirs waits here
        return redirect("home")
    today = timezone.localdate()
    box = inbox_of(request.user, today)
    request.inbox_total = box.total  # type: ignore[attr-defined]  # the badge, exact here
    context: dict[str, Any] = {"box": box, "today": today}
    if request.user.is_liaison:
        context["summary"] = unit_summary(request.user)
    return render(request, "work/inbox.html", context)
