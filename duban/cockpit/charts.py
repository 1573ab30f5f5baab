"""The cockpit's charts as ECharts options, built on the server from the same
scoped reads as the lists (a chart never shows what the person may not see).

Every bar and point carries the link to the filtered list behind it. With an
``as_of`` date the figures are those of the end of that day, read from the
history the record keeps: task events, warning events, stage moves and the
dates reports were filed, and the ranking the scan recorded that day.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.db.models import (
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from duban.assessment.models import Category, StandingSnapshot
from duban.assessment.services import ranked_quarter, ranking_on
from duban.lib import investment, rules
from duban.org.models import Unit
from duban.org.scope import scope_of
from duban.projects import indicators
from duban.projects.models import InvestmentPlan, InvestmentReport, ReportState, Stage, StageMove
from duban.projects.queries import visible_projects, visible_targets
from duban.supervision import history
from duban.supervision.models import Rule, TaskWarning
from duban.work.models import OPEN_STATES, EventKind, Meeting, Plan, Task, TaskEvent, TaskState
from duban.work.queries import visible_tasks
from duban.work.services import plan_progress_as_of

RED, YELLOW, GREEN, BLUE = "#c62828", "#e6a700", "#1e7f4f", "#1f5fa8"
MAIN_LINE = [Stage.RESERVE, Stage.SIGNED, Stage.STARTED, Stage.PRODUCING, Stage.CAPACITY]


@dataclass(frozen=True)
class Moment:
    """The day the cockpit shows and the instant its figures stop at (the
    start of the next day, local time); ``past`` when it is not today."""

    day: dt.date
    end: dt.datetime
    past: bool

    @classmethod
    def of(cls, as_of: dt.date | None = None) -> Moment:
        today = timezone.localdate()
        day = today if as_of is None or as_of >= today else as_of
        start = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
        return cls(day, timezone.make_aware(start), day < today)


def _link(name: str, *args: Any, **query: Any) -> str:
    url = reverse(name, args=args)
    return f"{url}?{urlencode(query)}" if query else url


def _bar(
    labels: list[str],
    values: list[Any],
    links: list[str],
    color: str,
    colors: list[str] | None = None,
    axis: str = "",
) -> dict[str, Any]:
    return {
        "animationDuration": 400,
        "grid": {
            "left": 8,
            "right": 40,
            "top": 16,
            "bottom": 28 if axis else 8,
            "containLabel": True,
        },
        "tooltip": {"trigger": "axis"},
        "xAxis": {
            "type": "value",
            "minInterval": 1,
            "name": axis,
            "nameLocation": "middle",
            "nameGap": 24,
        },
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


def _chart(chart_id: str, title: str, option: dict[str, Any], empty: bool, hint: str) -> dict:
    return {"id": chart_id, "title": title, "option": option, "empty": empty, "hint": hint}


# ------------------------------------------------------------------ tasks


def _open_tasks(person: Any, at: Moment) -> QuerySet[Task]:
    if not at.past:
        return visible_tasks(person, states=OPEN_STATES)
    tasks = visible_tasks(person)
    return tasks.filter(created_at__lt=at.end).filter(
        Q(closed_at__isnull=True) | Q(closed_at__gte=at.end)
    )


def _warnings(open_tasks: QuerySet[Task], at: Moment) -> list[tuple[int, int, str, int, dt.date]]:
    """(task, unit, rule, level) of every warning standing at the moment on
    the open tasks. Withdrawn warnings count nowhere, whenever withdrawn."""
    found = TaskWarning.objects.filter(withdrawn_at__isnull=True, task__in=open_tasks)
    if not at.past:
        return list(
            found.filter(cleared_at__isnull=True).values_list(
                "task_id", "unit_id", "rule", "level", "task__deadline"
            )
        )
    # The record as of the moment: one reader (supervision.history), the board's too.
    return list(
        found.filter(history.standing_at(at.end))
        .annotate(then=history.level_at(at.end))
        .values_list("task_id", "unit_id", "rule", "then", "task__deadline")
    )


def _states(open_tasks: QuerySet[Task], at: Moment) -> dict[str, int]:
    """Open tasks by state. In the past: awaiting a claim until claimed (a
    claim is never undone), asking to close when the last closing event
    before the moment is a request (not one sent back), else in progress;
    one query on the (kind, task, at) index of the events."""
    if not at.past:
        return dict(open_tasks.values("state").annotate(n=Count("id")).values_list("state", "n"))
    # Asking to close at the moment: a request before it that was not sent back
    # before it. The requests read once, from the (kind, task, at) index of the
    # events (a province's few thousand, never their report events), each with
    # one lookup for a return; as an EXISTS per open task it was two lookups
    # for each of 39,000 (60 ms on PostgreSQL).
    requested, returned = EventKind.CLOSE_REQUESTED, EventKind.CLOSE_RETURNED
    sent_back = TaskEvent.objects.filter(
        task_id=OuterRef("task_id"), kind=returned, at__gt=OuterRef("at"), at__lt=at.end
    )
    asked = (
        TaskEvent.objects.filter(kind=requested, at__lt=at.end)
        .filter(~Exists(sent_back))
        .values("task_id")
    )
    claimed = Q(claimed_at__lt=at.end)
    got = open_tasks.aggregate(
        total=Count("id"),
        claimed=Count("id", filter=claimed),
        closing=Count("id", filter=claimed & Q(pk__in=asked)),
    )
    return {
        TaskState.ASSIGNED.value: got["total"] - got["claimed"],
        TaskState.IN_PROGRESS.value: got["claimed"] - got["closing"],
        TaskState.CLOSING.value: got["closing"],
    }


def _meetings(person: Any, at: Moment) -> dict[str, Any]:
    """The last three meetings of the person's office: their assignments done,
    in progress, overdue."""
    meetings = list(
        Meeting.objects.filter(office=scope_of(person).office, date__lte=at.day).order_by(
            "-date", "-id"
        )[:3]
    )
    done = Q(closed_at__lt=at.end)
    still_open = Q(closed_at__isnull=True) | Q(closed_at__gte=at.end)
    counts: dict[int, dict[str, int]] = {
        meeting_id: {"done": done_n, "overdue": overdue_n, "total": total_n}
        for meeting_id, done_n, overdue_n, total_n in visible_tasks(person)
        .filter(meeting__in=meetings, created_at__lt=at.end)
        .values("meeting")
        .annotate(
            done=Count("id", filter=done),
            overdue=Count("id", filter=still_open & Q(deadline__lt=at.day)),
            total=Count("id"),
        )
        .values_list("meeting", "done", "overdue", "total")
    }
    shown = [m for m in reversed(meetings) if counts.get(m.pk, {}).get("total")]
    labels = [f"{m.date:%m-%d} {m}" for m in shown]
    series = []
    for key, name, color, query in (
        ("done", _("Done"), GREEN, {"state": TaskState.CLOSED.value, "closed": "on"}),
        ("going", _("In progress"), BLUE, {}),
        ("overdue", _("Overdue"), RED, {"due": "overdue"}),
    ):
        data = []
        for m in shown:
            row = counts[m.pk]
            value = row["total"] - row["done"] - row["overdue"] if key == "going" else row[key]
            # A zero leaves no sliver (and no stray label) in the stack.
            link = _link("task_list", meeting=m.pk, **query)
            data.append({"value": value, "link": link} if value else None)
        series.append(
            {
                "type": "bar",
                "name": name,
                "stack": "all",
                "itemStyle": {"color": color},
                "label": {"show": True, "formatter": "{c}"},
                "data": data,
            }
        )
    return _chart(
        "meetings",
        _("The last three meetings' assignments"),
        {
            "animationDuration": 400,
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 16, "top": 32, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {"type": "category", "data": labels, "inverse": True},
            "series": series,
        },
        not shown,
        _("No meeting has assigned tasks yet: record the weekly meeting under Meetings."),
    )


# ------------------------------------------------------------------ ranking


@dataclass(frozen=True)
class Recorded:
    """The quarter's standing as the scan recorded it on or before a day."""

    quarter: Any
    snapshot: StandingSnapshot | None
    by_category: dict[str, list[list[Any]]]  # rows [unit, category, rank, total]
    link: str  # the assessment page
    day: dt.date  # the day it is shown for (today, or the "as of" day)

    @classmethod
    def on(cls, day: dt.date, office: Unit | None) -> Recorded:
        """The ranking of ``office`` (the person's own) as recorded by ``day``."""
        if office is None:
            quarter, snapshot = ranked_quarter(day, None), None
        else:
            quarter, snapshot = ranking_on(day, office)
        by_category: dict[str, list[list[Any]]] = defaultdict(list)
        for row in snapshot.rows if snapshot else []:
            by_category[row[1]].append(row)
        return cls(quarter, snapshot, by_category, _link("assessment_detail", quarter.label), day)


def _ranking(recorded: Recorded) -> dict[str, Any]:
    """The quarter's top three and bottom three in each category."""
    shown: list[tuple[list[Any], bool]] = []
    for category in Category.values:
        group = sorted(recorded.by_category.get(category, []), key=lambda r: (r[2], r[0]))
        if len(group) <= 6:
            shown += [(r, i < (len(group) + 1) // 2) for i, r in enumerate(group)]
        else:
            shown += [(r, True) for r in group[:3]] + [(r, False) for r in group[-3:]]
    names = Unit.objects.in_bulk([r[0] for r, _top in shown])
    shown = [(r, top) for r, top in shown if r[0] in names]
    short = {
        Category.DEPARTMENTS: _("Dept."),
        Category.DISTRICTS: _("District"),
        Category.PARKS: _("Park"),
    }
    option = _bar(
        [
            _("%(category)s · %(rank)s %(unit)s")
            % {"category": short[r[1]], "rank": r[2], "unit": names[r[0]]}
            for r, _top in shown
        ],
        [float(r[3]) for r, _top in shown],
        [f"{recorded.link}#unit-{r[0]}" for r, _top in shown],
        GREEN,
        [GREEN if top else RED for _r, top in shown],
        axis=_("points"),
    )
    title = _("Quarter %(quarter)s ranking: top and bottom") % {"quarter": recorded.quarter.label}
    if recorded.quarter.end >= recorded.day:
        title += " " + _("(so far)")
    if recorded.snapshot:
        title += " " + _("(as scored on %(day)s)") % {"day": recorded.snapshot.day.isoformat()}
    return _chart(
        "ranking",
        title,
        option,
        not shown,
        _("The ranking appears after the first scan of the quarter with work to score."),
    )


def _places(person: Any, recorded: Recorded) -> list[dict[str, Any]]:
    """A liaison's units' places in the quarter's standing."""
    if not person.is_liaison:
        return []
    names = {u.pk: u for u in scope_of(person).own_units()}
    own = [r for rows in recorded.by_category.values() for r in rows if r[0] in names]
    categories = dict(Category.choices)
    return [
        {
            "unit": str(names[r[0]]),
            "rank": r[2],
            "of": len(recorded.by_category[r[1]]),
            "category": categories[r[1]],
            "total": r[3],
            "link": f"{recorded.link}#unit-{r[0]}",
        }
        for r in own
        if r[0] in names
    ]


# ------------------------------------------------------------------ projects


def _funnel(person: Any, at: Moment) -> dict[str, Any]:
    projects = visible_projects(person)
    if at.past:
        moved = StageMove.objects.filter(project=OuterRef("pk"))
        then = Coalesce(
            Subquery(moved.filter(at__lt=at.end).order_by("-at", "-id").values("to_stage")[:1]),
            Subquery(moved.filter(at__gte=at.end).order_by("at", "id").values("from_stage")[:1]),
            F("stage"),
        )
        projects = projects.filter(created_at__lt=at.end).annotate(stage_then=then)
        field = "stage_then"
    else:
        field = "stage"
    funnel = dict(projects.values(field).annotate(n=Count("id")).values_list(field, "n"))
    return _chart(
        "funnel",
        _("Key projects by stage"),
        _bar(
            [str(s.label) for s in MAIN_LINE],
            [funnel.get(s.value, 0) for s in MAIN_LINE],
            [_link("project_list", stage=s.value) for s in MAIN_LINE],
            "#6a4fb3",
            axis=_("projects"),
        ),
        not funnel,
        _("No key project yet: add projects under Projects."),
    )


def money_unit(largest: Decimal) -> tuple[str, str]:
    """The unit a chart of amounts reads best in: 万元, or 亿元 from 1 亿 up,
    in Chinese; million yuan in English."""
    if not (get_language() or "").startswith("zh"):
        return investment.MILLION, _("million yuan")
    if largest >= investment.SCALE[investment.YI]:
        return investment.YI, "亿元"
    return investment.WAN, "万元"


def _investment(person: Any, at: Moment) -> dict[str, Any]:
    """This year's investment across the visible projects, cumulative by
    month: planned (time-proportional over each plan's months) against done."""
    year = at.day.year
    projects = visible_projects(person)
    spans = list(
        InvestmentPlan.objects.filter(project__in=projects, year=year)
        .values("first_month", "last_month")
        .annotate(s=Sum("amount"))
        .values_list("first_month", "last_month", "s")
    )
    reports = InvestmentReport.objects.filter(project__in=projects, year=year).exclude(
        state=ReportState.RETURNED
    )
    if at.past:
        reports = reports.filter(submitted_at__lt=at.end)
    monthly = dict(reports.values("month").annotate(s=Sum("amount")).values_list("month", "s"))
    planned, done = [], []
    running = Decimal(0)
    last_reported = max(monthly, default=0)
    for month in range(1, 13):
        end = dt.date(year, month, calendar.monthrange(year, month)[1])
        planned.append(
            sum(
                (
                    investment.time_proportional_plan(s or Decimal(0), year, end, start=a, end=b)
                    for a, b, s in spans
                ),
                Decimal(0),
            )
        )
        running += monthly.get(month, Decimal(0))
        done.append(running if month <= last_reported else None)
    largest = max([*planned, *(d for d in done if d is not None)], default=Decimal(0))
    unit, unit_name = money_unit(largest)
    months = [_("M%(month)s") % {"month": m} for m in range(1, 13)]
    link = _link("project_list")

    def points(values: Sequence[Decimal | None]) -> list[Any]:
        return [
            None if v is None else {"value": float(investment.in_unit(v, unit)), "link": link}
            for v in values
        ]

    return _chart(
        "investment",
        _("Investment this year: done against plan, cumulative"),
        {
            "animationDuration": 400,
            "legend": {"top": 0},
            "grid": {"left": 8, "right": 24, "top": 40, "bottom": 8, "containLabel": True},
            "tooltip": {"trigger": "axis"},
            "xAxis": {"type": "category", "data": months, "boundaryGap": False},
            "yAxis": {"type": "value", "name": unit_name},
            "series": [
                {
                    "type": "line",
                    "name": _("Planned"),
                    "lineStyle": {"type": "dashed"},
                    "itemStyle": {"color": "#7a7a7a"},
                    "data": points(planned),
                },
                {
                    "type": "line",
                    # Investment completed (已完成), not a task closed (已办结).
                    "name": pgettext("investment", "Done"),
                    "itemStyle": {"color": BLUE},
                    "areaStyle": {"opacity": 0.12},
                    "data": points(done),
                },
            ],
        },
        not spans and not monthly,
        _("No investment plan for this year yet: set one on each key project's page."),
    )


def _indicators(person: Any, at: Moment) -> list[dict[str, Any]]:
    """Each key indicator (the first four): every district's and park's share
    of its annual target done, against the share due by now."""
    year = at.day.year
    targets = visible_targets(person).filter(year=year)
    # The first level the person sees (a province's 1,000 towns and parks
    # would make unreadable charts and take a second): the units below are
    # a click away on the indicators page.
    shallowest = targets.order_by("unit__depth").values("unit__depth")[:1]
    rows = indicators.progress(
        targets.filter(unit__depth=Subquery(shallowest)),
        at.day,
        before=at.end if at.past else None,
    )
    grouped: dict[int, list[indicators.Progress]] = defaultdict(list)
    for row in rows:
        grouped[row.target.indicator_id].append(row)
    charts = []
    for group in list(grouped.values())[:4]:
        indicator = group[0].target.indicator
        links = [
            _link("indicator_list", indicator=indicator.pk, unit=p.target.unit_id, year=year)
            for p in group
        ]
        option = _bar(
            [str(p.target.unit) for p in group],
            [float(p.rate or 0) for p in group],
            links,
            BLUE,
            [RED if p.finding else BLUE for p in group],
            axis=_("share of annual target (%)"),
        )
        # The figure inside the bar's end, so the due marker never covers it.
        option["series"][0]["label"] = {
            "show": True,
            "position": "insideRight",
            "color": "#fff",
            "formatter": "{c}%",
        }
        option["series"].append(
            {
                "type": "scatter",
                "name": _("Due by now"),
                "symbol": "diamond",
                "symbolSize": 12,
                "itemStyle": {"color": "#333"},
                "data": [
                    {"value": float(investment.percent(p.due, p.target.target) or 0), "link": link}
                    for p, link in zip(group, links, strict=True)
                ],
            }
        )
        option["legend"] = {"top": 0, "data": [_("Due by now")]}
        option["grid"]["top"] = 32
        charts.append(
            _chart(
                f"indicator-{indicator.pk}",
                _("%(indicator)s (%(measure)s): done against target")
                % {"indicator": indicator, "measure": indicator.measure},
                option,
                False,
                "",
            )
        )
    if not charts:
        charts.append(
            _chart(
                "indicators",
                _("Key indicators against target"),
                {},
                True,
                _("No indicator target for this year yet: set them under Indicators."),
            )
        )
    return charts


# ------------------------------------------------------------------ people


def _leader_first(
    person: Any, open_tasks: QuerySet[Task], top: dict[int, int], at: Moment
) -> dict[str, Any]:
    """The units and plans a leader answers for (those of the open tasks they
    lead): open tasks, red and yellow, worst first, each linked to its list;
    a plan's progress as it stood on the day shown."""
    per_unit: dict[int, Counter[str]] = defaultdict(Counter)
    per_plan: dict[int, Counter[str]] = defaultdict(Counter)
    for task_id, unit_id, plan_id in open_tasks.filter(leader=person).values_list(
        "pk", "lead_unit_id", "plan_id"
    ):
        level = top.get(task_id, 0)
        for counter in (per_unit[unit_id], *([per_plan[plan_id]] if plan_id else [])):
            counter["open"] += 1
            counter["red"] += level >= rules.RED
            counter["yellow"] += rules.YELLOW <= level < rules.RED
    units = Unit.objects.in_bulk(list(per_unit))
    plans = Plan.objects.in_bulk(list(per_plan))
    progress = (
        plan_progress_as_of(plans, at.end)
        if at.past
        else {p: plan.progress for p, plan in plans.items()}
    )

    def worst(row: dict[str, Any]) -> tuple[int, int, int]:
        return (-row["red"], -row["yellow"], -row["open"])

    return {
        "units": sorted(
            (
                {
                    "name": units[u],
                    **c,
                    "link": _link("task_list", unit=u, leader=person.pk),
                    "red_link": _link("warning_board", unit=u, leader=person.pk, level=rules.RED),
                    "yellow_link": _link(
                        "warning_board", unit=u, leader=person.pk, level=rules.YELLOW
                    ),
                }
                for u, c in per_unit.items()
                if u in units
            ),
            key=worst,
        ),
        "plans": sorted(
            (
                {
                    "name": plans[p],
                    "progress": progress.get(p, Decimal(0)),
                    **c,
                    "link": _link("task_list", plan=p, leader=person.pk),
                    "red_link": _link("warning_board", plan=p, leader=person.pk, level=rules.RED),
                }
                for p, c in per_plan.items()
                if p in plans
            ),
            key=worst,
        ),
    }


def _lights(
    person: Any, at: Moment
) -> tuple[
    QuerySet[Task],
    list[tuple[int, int, str, int, dt.date]],
    dict[int, int],
    dict[str, int],
    dict[int, int],
]:
    """The open tasks, the warnings standing on them, each task's light as a
    level (``rules.light_level``: its worst warning, red once overdue) with
    its unit, and the totals: open, red lights, yellow lights."""
    tasks = _open_tasks(person, at)
    warnings = _warnings(tasks, at)
    top: dict[int, int] = {}
    unit_of: dict[int, int] = {}
    for task_id, unit_id, _rule, level, deadline in warnings:
        top[task_id] = rules.light_level(max(level, top.get(task_id, 0)), overdue=deadline < at.day)
        unit_of[task_id] = unit_id
    counted = tasks.aggregate(open=Count("id"), overdue=Count("id", filter=Q(deadline__lt=at.day)))
    # Overdue at the moment is red whether or not a scan has said so yet. The
    # warnings' rows carry their task's deadline: the overdue tasks are read
    # again only when some have no warning yet (between a deadline and a scan).
    seen_overdue = {t for t, _u, _r, _l, deadline in warnings if deadline < at.day}
    unseen = counted["overdue"] > len(seen_overdue)
    overdue = tasks.filter(deadline__lt=at.day) if unseen else tasks.none()
    for task_id, unit_id in overdue.values_list("id", "lead_unit_id"):
        top[task_id] = rules.light_level(top.get(task_id), overdue=True)
        unit_of[task_id] = unit_id
    totals = {
        "open": counted["open"],
        "red": sum(1 for level in top.values() if level >= rules.RED),
        "yellow": sum(1 for level in top.values() if rules.YELLOW <= level < rules.RED),
    }
    return tasks, warnings, top, totals, unit_of


def unit_summary(person: Any) -> dict[str, Any]:
    """A liaison's unit at a glance, for their inbox: open tasks, lights and
    the quarter's place, in six queries."""
    at = Moment.of()
    _tasks, _warnings_then, _top, totals, _units = _lights(person, at)
    return {**totals, "places": _places(person, Recorded.on(at.day, scope_of(person).office))}


def overview(person: Any, as_of: dt.date | None = None) -> dict[str, Any]:
    """Every panel of the cockpit, in a bounded number of queries whatever
    the data size (about twenty)."""
    at = Moment.of(as_of)
    tasks, warnings, top, totals, unit_of = _lights(person, at)
    total, red, yellow = totals["open"], totals["red"], totals["yellow"]
    states = _states(tasks, at)
    by_rule = Counter(rule for _t, _u, rule, _l, _d in warnings)
    # Red lights, not red warnings: a task with two red warnings is one red light.
    red_units = Counter(unit_of[t] for t, level in top.items() if level >= rules.RED)
    worst = sorted(red_units.items(), key=lambda item: (-item[1], item[0]))[:10]
    names = Unit.objects.in_bulk([u for u, _n in worst])
    worst = [(u, n) for u, n in worst if u in names]
    open_states = [s for s in TaskState if s.value in OPEN_STATES]
    fired = [r for r in Rule if by_rule.get(r.value)]
    recorded = Recorded.on(at.day, scope_of(person).office)
    nothing = _(
        "Nothing here yet: import a plan or assign tasks at a meeting, and the scan fills this in."
    )
    charts = [
        _chart(
            "lights",
            _("Open tasks by light"),
            _bar(
                [_("Red"), _("Yellow"), _("Green")],
                [red, yellow, total - red - yellow],
                [
                    _link("warning_board", level=rules.RED),
                    _link("warning_board", level=rules.YELLOW),
                    _link("task_list"),
                ],
                BLUE,
                [RED, YELLOW, GREEN],
                axis=_("tasks"),
            ),
            not total,
            nothing,
        ),
        _chart(
            "states",
            _("Open tasks by state"),
            _bar(
                [str(s.label) for s in open_states],
                [states.get(s.value, 0) for s in open_states],
                [_link("task_list", state=s.value) for s in open_states],
                GREEN,
                axis=_("tasks"),
            ),
            not states,
            nothing,
        ),
        _chart(
            "rules",
            _("Active warnings by rule"),
            _bar(
                [str(r.label) for r in fired],
                [by_rule[r.value] for r in fired],
                [_link("warning_board", rule=r.value) for r in fired],
                "#b26a00",
                axis=_("warnings"),
            ),
            not fired,
            nothing,
        ),
        _chart(
            "units",
            _("Units with the most red lights"),
            _bar(
                [str(names[u]) for u, _n in worst],
                [n for _u, n in worst],
                [_link("warning_board", level=rules.RED, unit=u) for u, _n in worst],
                RED,
                axis=_("tasks"),
            ),
            not worst,
            _("No red warning: no unit is far behind."),
        ),
        _meetings(person, at),
        _ranking(recorded),
        _funnel(person, at),
        _investment(person, at),
        *_indicators(person, at),
    ]
    return {
        "at": at,
        "totals": totals,
        "charts": charts,
        "places": _places(person, recorded),
        "leader": _leader_first(person, tasks, top, at) if person.is_leader else None,
    }
