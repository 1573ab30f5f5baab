from __future__ import annotations

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import periods

from .models import Person, Unit
from .scope import scope_of


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a Person."""

    user: Person  # type: ignore[assignment]


def chosen_office(request: HttpRequest) -> Unit:
    """The office whose records a page shows: ``?office=<id>`` among those the
    person may read, else their own. 404 for an office outside their scope."""
    scope = scope_of(request.user)
    raw = request.GET.get("office", "")
    if not raw:
        office = scope.office  # the person's own: always theirs to read
    elif raw.isascii() and raw.isdigit() and len(raw) <= 12:
        office = scope.offices().filter(pk=int(raw)).first()
    else:
        office = None
    if office is None:
        raise Http404(_("There is no such office."))
    return office


def office_query(request: HttpRequest, office: Unit) -> str:
    """The query string that keeps a page on ``office`` ("" for the person's own)."""
    return "" if office == scope_of(request.user).office else f"?office={office.pk}"


def quarter_or_404(label: str) -> periods.Quarter:
    """The quarter a URL names (``2026Q3``), else 404."""
    try:
        return periods.quarter_from_label(label)
    except ValueError:
        raise Http404(_("There is no such quarter.")) from None


def month_or_404(label: str) -> periods.Period:
    """A month that has begun, as a URL names it (``2026-07``), else 404."""
    try:
        month = periods.period_from_label(label)
    except ValueError:
        raise Http404(_("There is no such month.")) from None
    if month.cadence != periods.MONTHLY or month.start > timezone.localdate():
        raise Http404(_("There is no such month."))
    return month
