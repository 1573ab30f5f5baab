from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from duban.notify.hooks import redacted
from duban.org.http import AuthedRequest
from duban.org.models import Unit, UnitKind
from duban.org.paging import search_text, units_named
from duban.work.models import OPEN_STATES
from duban.work.queries import visible_tasks, visible_units

# The unit list shows a page of this many, in tree order, with the whole count.
UNITS_PAGE = 100


@login_required
def unit_list(request: AuthedRequest) -> HttpResponse:
    text = search_text(request)
    found = units_named(visible_units(request.user), text).order_by("path")
    page = Paginator(found, UNITS_PAGE).get_page(request.GET.get("page"))
    ids = [u.pk for u in page.object_list]
    # Counted for the page's units only, not for the whole tree.
    counted = {
        u.pk: u
        for u in Unit.objects.filter(pk__in=ids).annotate(
            open_tasks=Count(
                "led_tasks", filter=Q(led_tasks__state__in=OPEN_STATES), distinct=True
            ),
            people_count=Count("memberships", distinct=True),
        )
    }
    query = urlencode({"q": text}) if text else ""
    return render(
        request,
        "org/unit_list.html",
        {"units": [counted[pk] for pk in ids], "page": page, "q": text, "query": query},
    )


@login_required
def unit_detail(request: AuthedRequest, pk: int) -> HttpResponse:
    unit = get_object_or_404(visible_units(request.user), pk=pk)
    people = unit.people.order_by("role", "full_name")
    tasks = (
        visible_tasks(request.user)
        .filter(lead_unit=unit, state__in=OPEN_STATES)
        .select_related("plan", "leader")
        .order_by("deadline")[:100]
    )
    return render(
        request,
        "org/unit_detail.html",
        {
            "unit": unit,
            "people": people,
            "tasks": tasks,
            "children": unit.children.all(),
            "members": unit.member_units.order_by("path"),
            "groups": unit.member_of.order_by("path"),
            "hooks": _shown(unit.chat_hooks.all()) if request.user.is_office else None,
        },
    )


def _shown(hooks: Any) -> list[Any]:
    """The unit's robots, each with its address as a page may show it: without
    the access token the address carries (the robot's own page has no more)."""
    found = list(hooks)
    for hook in found:
        hook.shown_url = redacted(hook.url)
    return found


PICK_LIMIT = 30


@login_required
def unit_pick(request: AuthedRequest) -> JsonResponse:
    """The units of the person's scope whose name, short name, other names or
    code contain what was typed (at most ``PICK_LIMIT``, shallowest first),
    for the unit choosers' search box (duban/picker.js); with ``?kind=``,
    of those kinds only (a chooser of districts finds districts)."""
    text = search_text(request)
    units = units_named(visible_units(request.user).filter(is_active=True), text)
    kinds = [kind for kind in request.GET.getlist("kind") if kind in UnitKind.values]
    if kinds:
        units = units.filter(kind__in=kinds)
    found = list(units.select_related("parent").order_by("depth", "path")[: PICK_LIMIT + 1])
    return JsonResponse(
        {
            "items": [
                {
                    "id": u.pk,
                    "name": str(u),
                    "within": str(u.parent) if u.parent_id and u.parent else "",
                }
                for u in sorted(found[:PICK_LIMIT], key=lambda u: u.path)
            ],
            "more": len(found) > PICK_LIMIT,
        }
    )
