from __future__ import annotations

import functools
from collections.abc import Callable
from typing import IO, Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.utils import timezone
from django.utils.http import content_disposition_header, url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _

from duban.audit import log as audit
from duban.lib import ids, periods
from duban.lib.routing import replica_reads, replicas

from .models import Person, Unit
from .scope import scope_of


class AuthedRequest(HttpRequest):
    """A request behind @login_required: its user is a Person."""

    user: Person  # type: ignore[assignment]


View = Callable[..., HttpResponseBase]


def reads_may_lag(view: View) -> View:
    """A page whose GET may read from a read replica (``duban.lib.routing``):
    one that shows the record and writes nothing it then reads back (the
    cockpit, the exports; an export's audit row is written on the primary,
    after which the request reads the primary). Who the person is and what
    they may see (their scope) are read from the primary first. Other
    methods, and every request without replicas, run as they are."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in ("GET", "HEAD") or not replicas():
            return view(request, *args, **kwargs)
        scope_of(request.user)  # kept on the person object for the rest of the request
        with replica_reads():
            return view(request, *args, **kwargs)

    wrapped.reads_may_lag = True  # type: ignore[attr-defined]
    return wrapped


def chosen_office(request: HttpRequest) -> Unit:
    """The office whose records a page shows: ``?office=<id>`` among those the
    person may read, else their own. 404 for an office outside their scope."""
    scope = scope_of(request.user)
    raw = request.GET.get("office", "")
    if not raw:
        office = scope.office  # the person's own: always theirs to read
    elif (pk := ids.parse_id(raw)) is not None:
        office = scope.offices().filter(pk=pk).first()
    else:
        office = None
    if office is None:
        raise Http404(_("There is no such office."))
    return office


def id_or_404(raw: str) -> int:
    """The id a link names (``?meeting=12``), else 404: a hand-edited link
    (``?meeting=abc``, ``=²``, ``=9223372036854775808``) is a page that does not
    exist, not a server error. (Read leniently, where a bad id is ignored:
    :func:`duban.lib.ids.parse_id`.)"""
    found = ids.parse_id(raw)
    if found is None:
        raise Http404(_("This link names nothing that exists."))
    return found


# Longer is not a path this site makes: the longest, a filtered list's, is a few hundred.
MAX_NEXT = 2000


def next_or(request: HttpRequest, default: str) -> str:
    """Where a form sends the person back to: its ``next`` (posted, else in the
    query string) when that is a path on this site (``/inbox/``), else
    ``default``. Not a path: ``tasks``, ``//evil.example``, ``javascript:…``,
    a URL of another site, anything with a control character."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and len(target) <= MAX_NEXT
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return default


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


# A file the app hands out (an upload, an export) is never shown as a page of
# this site: the browser saves it, does not guess its type, and, should it be
# opened in a tab anyway, runs nothing in it and loads nothing for it (a
# sandboxed, empty policy in place of the pages' own, which django-csp leaves
# alone when a response has one). Nor is it kept by a browser or a proxy.
DOWNLOAD_POLICY = "sandbox; default-src 'none'"


def download(
    request: HttpRequest,
    content: bytes | IO[bytes],
    *,
    name: str,
    content_type: str,
    action: str,
    target: Any = None,
    inline: bool = False,
    **detail: Any,
) -> HttpResponseBase:
    """Hand out a file (bytes, or an open file streamed), recorded in the
    security audit log as ``action`` with ``detail`` (what it is: kind, rows,
    size; never its content) and the file's name.

    ``inline``: shown in the browser's own viewer instead of saved, for the
    caller to allow only for types that viewer shows without running anything
    of the file's (a PDF, an image: ``work.attachments.SHOWN_INLINE``). The same
    sandboxed, empty policy holds, and the audit log says it was shown."""
    if inline:
        detail = {**detail, "shown": True}
    audit.record(action, request=request, target=target, detail={"file": name, **detail})
    response: HttpResponseBase
    if isinstance(content, bytes):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = FileResponse(
            content, as_attachment=not inline, filename=name, content_type=content_type
        )
    # Never None: there is always a file name.
    response["Content-Disposition"] = content_disposition_header(not inline, name) or "inline"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_POLICY
    response["Cache-Control"] = "no-store"
    return response


# The counts on the menu's inbox and messages links, kept in the session a
# little while (duban.web.context_processors), under this key.
BADGES = "badges"


def forget_badges(request: HttpRequest) -> None:
    """The person has just changed what the menu's badges count: count afresh on the next page."""
    request.session.pop(BADGES, None)
