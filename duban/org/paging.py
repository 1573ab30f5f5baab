"""Lists of units, a page at a time: a province has 5,000 units, and a page
that shows every one of them (the reporting page, the reporting burden, the
indicators, the ranking) is megabytes long and seconds slow. Such a page
works its figures out for every unit, in one query, as before (its totals
stay the whole office's), then shows one page of the rows in its own order
(the units to act on first), with a search box that finds a unit by its name
and a pager for the rest."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.core.paginator import Page, Paginator
from django.db.models import Q
from django.http import HttpRequest
from django.utils.http import urlencode

from duban.lib.lookups import mentions

from .models import Unit

# A page of per-unit rows.
ROWS_PAGE = 100

Row = TypeVar("Row")


def search_text(request: HttpRequest, name: str = "q") -> str:
    """What was typed in ``?q=``: at most 50 characters, without NUL (which
    PostgreSQL refuses in a string) and the spaces around it."""
    return request.GET.get(name, "").replace("\x00", "").strip()[:50]


def units_named(units: Any, text: str) -> Any:
    """The units whose name, short name, other names or code hold ``text``
    (all of them for no text): the unit list's search, the choosers' and the
    per-unit pages'."""
    if not text:
        return units
    return units.filter(mentions(text, "name", "short_name", "aliases") | Q(code__iexact=text))


@dataclass
class UnitRows(Generic[Row]):
    """One page of a per-unit table: ``page`` (its ``object_list`` the rows
    shown), ``q`` (the unit search), ``query`` (the page's other parameters,
    urlencoded, for the pager's links) and ``found``, the rows the search
    kept, over all pages."""

    page: Page
    q: str
    query: str
    found: int
    # The page's other parameters but the search (hidden in the search form).
    kept: list[tuple[str, str]]
    param: str = "page"  # the pager's parameter

    @property
    def rows(self) -> list[Row]:
        return list(self.page.object_list)


def unit_rows(
    request: HttpRequest,
    rows: Sequence[Row],
    unit_of: Callable[[Row], Unit | int] = lambda row: row.unit,  # type: ignore[attr-defined]
    per_page: int | None = None,
    *,
    paged: bool = True,
    param: str = "page",
) -> UnitRows[Row]:
    """The page of ``rows`` (already in the page's order; ``unit_of`` a row's
    unit, or its id) asked for by
    ``?page=`` (``param``, where the page has another list; the first page
    with ``paged=False``), kept to the units named like ``?q=``. The rows are
    the person's already (scoped where they were counted): the search only
    narrows them."""
    text = search_text(request)
    if text:
        named = set(units_named(Unit.objects.all(), text).values_list("pk", flat=True))
        rows = [row for row in rows if getattr(unit_of(row), "pk", unit_of(row)) in named]
    page = Paginator(rows, per_page or ROWS_PAGE).get_page(request.GET.get(param) if paged else 1)
    return _shown(request, page, text, len(rows), param)


def _shown(request: HttpRequest, page: Page, text: str, found: int, param: str) -> UnitRows[Any]:
    """The page, with the parameters its pager and its search form carry on."""
    others = [(key, values) for key, values in request.GET.lists() if key != param]
    kept = [(key, value) for key, values in others if key != "q" for value in values]
    query = urlencode(others, doseq=True)
    return UnitRows(page=page, q=text, query=query, found=found, kept=kept, param=param)


def unit_page(request: HttpRequest, records: Any, unit_field: str = "unit") -> UnitRows[Any]:
    """``unit_rows`` for records a queryset holds in the page's order (their
    figures worked out for the page's records only): the search and the page
    in SQL, so a province's 5,000 records are never all read."""
    text = search_text(request)
    if text:
        records = records.filter(**{f"{unit_field}__in": units_named(Unit.objects.all(), text)})
    page = Paginator(records, ROWS_PAGE).get_page(request.GET.get("page"))
    return _shown(request, page, text, page.paginator.count, "page")


def page_of(records: Any, number: Any, per_page: int) -> Page:
    """A page of ``records`` (a queryset in its order, with what its rows
    need joined or annotated): the page's ids first, ordered and counted on
    the records' own table, then those rows read whole. Joins and
    annotations then run for the page's rows only, not for every row before
    the page's end (a province's 13,000 warnings were joined to their tasks
    and units to show fifty)."""
    page = Paginator(records.values_list("pk", flat=True), per_page).get_page(number)
    ids = list(page.object_list)
    rows = {record.pk: record for record in records.order_by().filter(pk__in=ids)}
    page.object_list = [rows[pk] for pk in ids if pk in rows]  # type: ignore[misc]
    return page
