"""Reading the security audit log: the audit administrator's, and nobody else's.

Every read passes :func:`audit_events`, which asks
:func:`duban.org.scope.require_audits` first, so the page, its export and any
later caller (the API) refuse alike. (The log itself sits below ``org`` and
knows nothing of roles; this module is the first layer that knows both.)

The log can hold millions of rows, so nothing here counts all of them: a page
is the next rows by number (keyset, newest first: ``WHERE id < :before ORDER
BY id DESC LIMIT n``), the total shown is the chain's own (the head's last
number less the first number kept), and an export counts at most one row past
its limit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.audit.models import AuditEvent, AuditHead

from .scope import Actor, require_audits

PAGE_SIZE = 50
# An export of 100,000 rows takes about 15 s and 60 MB (well inside the
# worker's 60 s); more is a filter too wide to read anyway.
EXPORT_LIMIT = 100_000
# Actions whose rows name the person in their detail only (nobody was signed in).
NAMED_IN_DETAIL = ("login.failed", "login.lockout")


@dataclass(frozen=True)
class AuditFilters:
    since: dt.date | None = None  # from this day (local time), included
    until: dt.date | None = None  # to this day, included
    person: str = ""  # a user name, as it was when the row was written
    action: str = ""
    outcome: str = ""
    address: str = ""

    def as_detail(self) -> dict[str, str]:
        """The filter as the export's own row records it."""
        return {k: str(v) for k, v in asdict(self).items() if v not in (None, "")}


# Days outside these bound nothing (the log holds no row from before 1970 or
# after 2999), and so never overflow a datetime: 0001-01-01 at midnight in
# Shanghai is a day before year 1 in UTC.
EARLIEST, LATEST = dt.date(1970, 1, 1), dt.date(2999, 12, 31)


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def audit_events(actor: Actor | Any, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The rows ``filters`` asks for, newest first; only for the audit administrator."""
    require_audits(actor)
    rows = AuditEvent.objects.all()
    if filters.since is not None and filters.since > EARLIEST:
        rows = rows.filter(at__gte=_start_of(min(filters.since, LATEST)))
    if filters.until is not None and filters.until < LATEST:
        end = max(filters.until, EARLIEST) + dt.timedelta(days=1)
        rows = rows.filter(at__lt=_start_of(end))
    if filters.person:
        rows = rows.filter(
            Q(actor=filters.person)
            | Q(actor="", action__in=NAMED_IN_DETAIL, detail__username=filters.person)
        )
    if filters.action:
        rows = rows.filter(action=filters.action)
    if filters.outcome:
        rows = rows.filter(outcome=filters.outcome)
    if filters.address:
        rows = rows.filter(address=filters.address)
    return rows.order_by("-id")


@dataclass
class AuditPage:
    rows: list[AuditEvent]
    newer: int | None  # ?after= for the page before (newer rows), if there are any
    older: int | None  # ?before= for the page after (older rows), if there are any


def audit_page(
    actor: Actor | Any,
    filters: AuditFilters,
    *,
    before: int | None = None,
    after: int | None = None,
    size: int = PAGE_SIZE,
) -> AuditPage:
    """One page of the log: the ``size`` rows older than ``before`` (or newer
    than ``after``, or the newest), and where the pages on either side start."""
    size = max(1, min(size, 200))
    rows = audit_events(actor, filters)
    if after is not None:
        found = list(rows.filter(id__gt=after).order_by("id")[: size + 1])
        more_newer = len(found) > size
        page = list(reversed(found[:size]))
        more_older = bool(page) and rows.filter(id__lt=page[-1].id).exists()
    else:
        if before is not None:
            rows = rows.filter(id__lt=before)
        found = list(rows[: size + 1])
        page = found[:size]
        more_older = len(found) > size
        more_newer = (
            before is not None
            and bool(page)
            and (audit_events(actor, filters).filter(id__gt=page[0].id).exists())
        )
    return AuditPage(
        rows=page,
        newer=page[0].id if page and more_newer else None,
        older=page[-1].id if page and more_older else None,
    )


def audit_total(actor: Actor | Any) -> int:
    """How many rows the log holds, from the chain's numbers (no count)."""
    require_audits(actor)
    head = AuditHead.objects.filter(pk=1).first()
    first = AuditEvent.objects.order_by("id").values_list("id", flat=True).first()
    if head is None or first is None:
        return 0
    return head.last_id - first + 1


def audit_export_rows(
    actor: Actor | Any, filters: AuditFilters
) -> tuple[QuerySet[AuditEvent], int]:
    """The rows of an export and how many, refused when more than
    :data:`EXPORT_LIMIT` (counted only that far): the person narrows the filter."""
    rows = audit_events(actor, filters)
    count = rows.order_by()[: EXPORT_LIMIT + 1].count()
    if count > EXPORT_LIMIT:
        raise ValidationError(
            _(
                "More than %(limit)s rows match: narrow the filter (a shorter time range, "
                "one person or one action) and export again."
            )
            % {"limit": f"{EXPORT_LIMIT:,}"}
        )
    return rows, count
