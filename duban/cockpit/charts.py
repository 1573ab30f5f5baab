"""The cockpit's charts as ECharts options, built on the server from the same
scoped reads as the lists (a chart never shows what the person may not see).
Each bar carries the link to the filtered list behind it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, IntegerField, Max, OuterRef, Q, Subquery
from django.urls import reverse
from django.utils.translation import gettext as _

from duban.lib import rules
from duban.org.models import Unit
from duban.projects.models import Stage
from duban.projects.queries import visible_projects
from duban.supervision.models import Rule, TaskWarning
from duban.work.models import OPEN_STATES, TaskState
from duban.work.queries import visible_tasks


def _bar(
    labels: list[str],
    values: list[int],
    links: list[str],
    color: str,
    colors: list[str] | None = None,
) -> dict[str, Any]:
    return {
        "animationDuration": 400,
        "grid": {"left": 8, "right": 16, "top": 16, "bottom": 8, "containLabel": True},
        "tooltip": {"trigger": "axis"},
        "xAxis": {"type": "value", "minInterval": 1},
        "yAxis": {"type": "category", "data": labels, "inverse": True},
        "series": [
            {
                "type": "bar",
                "itemStyle": {"color": color},
                "label": {"show": True, "position": "right"},
                "data": [
                    {"value": v, "link": link}
                    | ({"itemStyle": {"color": colors[i]}} if colors else {})
                    for i, (v, link) in enumerate(zip(values, links, strict=True))
                ],
            }
        ],
    }


def _link(name: str, **query: Any) -> str:
    return f"{reverse(name)}?{urlencode(query)}" if query else reverse(name)


def overview(person: Any) -> dict[str, Any]:
    """Five figures in six queries, whatever the data size."""
    tasks = visible_tasks(person).filter(state__in=OPEN_STATES)
    active = TaskWarning.objects.filter(cleared_at__isnull=True, withdrawn_at__isnull=True)
    top = Subquery(
        active.filter(task=OuterRef("pk")).values("task").annotate(m=Max("level")).values("m")[:1],
        output_field=IntegerField(),
    )
    lights = tasks.annotate(top=top).aggregate(
        red=Count("id", filter=Q(top__gte=rules.RED)),
        yellow=Count("id", filter=Q(top__gte=rules.YELLOW, top__lt=rules.RED)),
        total=Count("id"),
    )
    green = lights["total"] - lights["red"] - lights["yellow"]
    states = dict(tasks.values("state").annotate(n=Count("id")).values_list("state", "n"))
    mine = active.filter(task__in=visible_tasks(person))
    by_rule = dict(mine.values("rule").annotate(n=Count("id")).values_list("rule", "n"))
    red_units = list(
        mine.filter(level__gte=rules.RED)
        .values("unit")
        .annotate(n=Count("id"))
        .order_by("-n", "unit")[:10]
        .values_list("unit", "n")
    )
    names = Unit.objects.in_bulk([u for u, _n in red_units])
    funnel = dict(
        visible_projects(person).values("stage").annotate(n=Count("id")).values_list("stage", "n")
    )
    open_states = [s for s in TaskState if s.value in OPEN_STATES]
    main_line = [Stage.RESERVE, Stage.SIGNED, Stage.STARTED, Stage.PRODUCING, Stage.CAPACITY]
    return {
        "totals": {"open": lights["total"], "red": lights["red"], "yellow": lights["yellow"]},
        "charts": [
            {
                "id": "lights",
                "title": _("Open tasks by light"),
                "empty": not lights["total"],
                "option": _bar(
                    [_("Red"), _("Yellow"), _("Green")],
                    [lights["red"], lights["yellow"], green],
                    [
                        _link("warning_board", level=rules.RED),
                        _link("warning_board", level=rules.YELLOW),
                        _link("task_list"),
                    ],
                    "#1f5fa8",
                    ["#c62828", "#e6a700", "#1e7f4f"],
                ),
            },
            {
                "id": "states",
                "title": _("Open tasks by state"),
                "empty": not states,
                "option": _bar(
                    [str(s.label) for s in open_states],
                    [states.get(s.value, 0) for s in open_states],
                    [_link("task_list", state=s.value) for s in open_states],
                    "#1e7f4f",
                ),
            },
            {
                "id": "rules",
                "title": _("Active warnings by rule"),
                "empty": not by_rule,
                "option": _bar(
                    [str(r.label) for r in Rule if by_rule.get(r.value)],
                    [by_rule[r.value] for r in Rule if by_rule.get(r.value)],
                    [_link("warning_board", rule=r.value) for r in Rule if by_rule.get(r.value)],
                    "#b26a00",
                ),
            },
            {
                "id": "units",
                "title": _("Units with the most red warnings"),
                "empty": not red_units,
                "option": _bar(
                    [str(names[u]) for u, _n in red_units if u in names],
                    [n for u, n in red_units if u in names],
                    [
                        _link("warning_board", level=rules.RED, unit=u)
                        for u, _n in red_units
                        if u in names
                    ],
                    "#c62828",
                ),
            },
            {
                "id": "funnel",
                "title": _("Key projects by stage"),
                "empty": not funnel,
                "option": _bar(
                    [str(s.label) for s in main_line],
                    [funnel.get(s.value, 0) for s in main_line],
                    [_link("project_list", stage=s.value) for s in main_line],
                    "#6a4fb3",
                ),
            },
        ],
    }
