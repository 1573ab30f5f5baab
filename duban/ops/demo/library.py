"""The project library at the scale of a real zone: about 300 key projects
across the parks, districts and industries, members of two "three batches"
events in the proportions the province reported (321 projects signed, 302
started, 189 put into production: the seeds' second event of 2022), and a
year of monthly investment reports.

Written in bulk with their history rows: through the services one project at
a time this took most of a minute. Every value is one the services would have
accepted: each stage move is checked by duban/lib/stages.py (the rule the
project desk's form uses), the year-to-date figures are summed by
duban/lib/investment.py. What the office's rules derive from the record, the
projects' warnings, is not written here: the scan raises it afterwards.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from duban.lib import investment, stages
from duban.org.models import Person, Unit
from duban.projects.models import (
    Industry,
    InvestmentPlan,
    InvestmentReport,
    Project,
    ReportState,
    StageMove,
)
from duban.projects.services import apply_move

from . import project_names as names

WAN = Decimal(10_000)
HOW_MANY = 300  # the hand-written projects included
# Per event: (signed, started, put into production), the seeds' 321 : 302 : 189
# at a tenth, the second event a little smaller.
EVENT_BATCHES = ((32, 30, 19), (29, 27, 17))
PARKS = ("LYHT-ZZY", "LYHT-XCY", "LYHT-SYY")
DISTRICTS = ("LYHT-XDZ", "LYHT-FLZ", "LYHT-SQT")
DESKS = ("LYHT-JFB", "LYHT-ZSB", "LYHT-FZJT")
LEADERS = ("leader", "chen.jing", "zhao.weidong", "wang.lixin")


def months_ago(today: dt.date, months: int) -> dt.date:
    index = today.year * 12 + today.month - 1 - months
    return dt.date(index // 12, index % 12 + 1, min(today.day, 28))


def _wan(amount: Decimal) -> Decimal:
    """Yuan, to the 万元 (as the units report them)."""
    return (amount / WAN).quantize(Decimal(1)) * WAN


def _after(day: dt.date, months: float) -> dt.date:
    return day + dt.timedelta(days=round(months * 30.4))


@dataclass
class Drawn:
    """One project as drawn: its row, its moves (stage, date, reason) and the
    event batch it belongs to."""

    project: Project
    moves: list[tuple[str, dt.date, str]] = field(default_factory=list)
    batch: tuple[int, str] | None = None
    pace: float = 1.0


class Library:
    def __init__(
        self, *, rng: random.Random, now: dt.datetime, events: list[dt.date], first: int
    ) -> None:
        self.rng, self.now = rng, now
        self.today = timezone.localdate(now)
        self.events = events
        self.first = first  # the number of the first code drawn here
        self.units = {u.code: u for u in Unit.objects.filter(code__in=PARKS + DISTRICTS + DESKS)}
        self.leaders = {p.username: p for p in Person.objects.filter(username__in=LEADERS)}
        self.industries = {i.code: i for i in Industry.objects.filter(code__in=names.INDUSTRIES)}
        self.liaisons: dict[int, Person] = {}
        for person in Person.objects.filter(
            role="liaison", memberships__unit__in=self.units.values()
        ).order_by("pk"):
            for unit_id in person.unit_ids():
                self.liaisons.setdefault(unit_id, person)

    # --- drawing ------------------------------------------------------------------

    def draw(self, count: int, taken: dict[tuple[int, str], int]) -> list[Drawn]:
        """``count`` projects; ``taken``: the event places the hand-written
        projects already fill."""
        places: list[tuple[int, str] | None] = []
        for event, sizes in enumerate(EVENT_BATCHES):
            for batch, size in zip(("sign", "start", "produce"), sizes, strict=True):
                places += [(event, batch)] * max(size - taken.get((event, batch), 0), 0)
        places += [None] * (count - len(places))
        self.rng.shuffle(places)
        return [self._one(self.first + i, place) for i, place in enumerate(places[:count])]

    def _one(self, number: int, place: tuple[int, str] | None) -> Drawn:
        rng = self.rng
        codes = list(names.INDUSTRIES)
        industry = rng.choices(codes, weights=[names.INDUSTRIES[c][0] for c in codes])[0]
        _weight, parks, products = names.INDUSTRIES[industry]
        product, product_en, measure, measure_en, low, high = rng.choice(products)
        phase = rng.choice(names.PHASES)
        if high:
            amount = rng.randint(low, high)
            amount = round(amount, -len(str(amount)) + 2) if amount >= 100 else amount
            name = f"年产{amount}{measure}{product}{phase}项目"
            factor = {"万": 10_000, "亿": 100_000_000}.get(measure[0], 1)
            name_en = (
                f"{product_en.capitalize()}, {amount * factor:,} {measure_en} a year"
                f"{names.PHASES_EN[phase]}"
            )
        else:
            name = f"{product}{phase}项目"
            name_en = f"{product_en.capitalize()}{names.PHASES_EN[phase]}"
        investor = (
            rng.choice(names.PLACES)
            + rng.choice(names.BRANDS)
            + names.TRADES[industry]
            + rng.choice(names.COMPANY_FORMS)
        )
        park = self.units[rng.choice(parks)] if parks and rng.random() < 0.8 else None
        district = (
            self.units[rng.choice(DISTRICTS)] if rng.random() < (0.35 if park else 0.9) else None
        )
        if park is not None and rng.random() < 0.45:
            unit = park
        elif district is not None and rng.random() < 0.4:
            unit = district
        else:
            unit = self.units[rng.choice(DESKS)]
        # 0.5 to 30 亿元, most of them small, to the million.
        total = Decimal(round(5000 * (60 ** rng.random()), -2)) * WAN
        project = Project(
            code=f"XM-{self.today.year}-{number:03d}",
            name=name,
            name_en=name_en,
            industry=self.industries[industry],
            investor=investor,
            chain_owner=rng.random() < 0.08,
            unit=unit,
            park=park,
            district=district,
            leader=self.leaders[rng.choice(LEADERS)],
            total_investment=total,
            address=f"洛阳市高新区{(park or district or unit).name}",
        )
        drawn = Drawn(project=project, batch=place)
        drawn.moves = self._moves(place)
        drawn.pace = rng.choice((1.0, 1.0, 1.0, 1.0, 1.05, 0.97, 1.1, 1.0, 1.02, 1.0, 0.8, 0.55))
        self._plan_dates(drawn)
        return drawn

    def _moves(self, place: tuple[int, str] | None) -> list[tuple[str, dt.date, str]]:
        """The project's way along the stages, up to today."""
        rng, today = self.rng, self.today
        latest = today - dt.timedelta(days=3)
        if place is not None:
            event_on = self.events[place[0]]
            since = (today - event_on).days / 30.4  # months since the event
            if place[1] == "sign":
                signed, started, produced = event_on, None, None
                if rng.random() < (0.75 if since > 6 else 0.4):
                    started = _after(event_on, rng.uniform(0.5, max(since - 0.5, 0.6)))
            elif place[1] == "start":
                started = event_on
                signed = _after(event_on, -rng.uniform(2, 10))
                produced = None
                if since > 6 and rng.random() < 0.3:
                    produced = _after(event_on, rng.uniform(5, since - 0.5))
            else:
                produced = event_on
                started = _after(event_on, -rng.uniform(10, 24))
                signed = _after(started, -rng.uniform(2, 8))
            capacity = None
            if produced is not None and (today - produced).days > 240 and rng.random() < 0.3:
                capacity = _after(produced, rng.uniform(6, (today - produced).days / 30.4 - 0.5))
            path = [("signed", signed), ("started", started), ("producing", produced)]
            path.append(("capacity", capacity))
            return [(stage, day, "") for stage, day in path if day is not None and day <= latest]
        final = rng.choices(
            ("reserve", "signed", "started", "producing", "capacity", "paused", "cancelled"),
            weights=(26, 22, 28, 12, 4, 5, 3),
        )[0]
        if final == "reserve":
            return []
        if final == "cancelled":
            signed = _after(today, -rng.uniform(4, 20))
            reason = rng.choice(names.CANCEL_REASONS)
            return [
                ("signed", signed, ""),
                ("cancelled", _after(signed, rng.uniform(1, 3)), reason),
            ]
        signed = _after(today, -rng.uniform(1, 9 if final == "signed" else 30))
        moves = [("signed", signed, "")]
        order = ("started", "producing", "capacity")
        wanted = {"signed": 0, "paused": rng.randint(0, 1), "started": 1, "producing": 2}
        steps = wanted.get(final, 3)
        last = signed
        for stage, gap in zip(order[:steps], ((2, 9), (10, 22), (6, 14)), strict=False):
            last = _after(last, rng.uniform(*gap))
            if last > latest:
                break
            moves.append((stage, last, ""))
        if final == "paused":
            pause = _after(moves[-1][1], rng.uniform(1, 4))
            if pause <= latest:
                moves.append(("paused", pause, rng.choice(names.PAUSE_REASONS)))
        return moves

    def _plan_dates(self, drawn: Drawn) -> None:
        """Planned dates as the desk entered them at signing: most kept, some
        passed without a start (the scan then warns)."""
        rng, project = self.rng, drawn.project
        done = {stage: day for stage, day, _reason in drawn.moves}
        signed = done.get("signed") or _after(self.today, rng.uniform(0.5, 8))
        project.planned_sign = signed
        started = done.get("started")
        planned_start = started or _after(signed, rng.uniform(2, 9))
        if started is not None:
            planned_start = max(signed, started - dt.timedelta(days=rng.randint(-20, 40)))
        project.planned_start = planned_start
        project.planned_production = _after(planned_start, rng.uniform(10, 22))
        project.planned_capacity = _after(project.planned_production, rng.uniform(6, 14))

    # --- writing ------------------------------------------------------------------

    def moment(self, day: dt.date, hour: int = 10) -> dt.datetime:
        at = timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))
        return min(at, self.now - dt.timedelta(minutes=5))

    def write(self, drawn: list[Drawn], office: Person) -> None:
        moves: list[StageMove] = []
        for item in drawn:
            moves += self._apply(item, office)
        for item in drawn:
            item.project._history_date = item.project.created_at  # type: ignore[attr-defined]
        bulk_create_with_history([d.project for d in drawn], Project, batch_size=500)
        made = {p.code: p for p in Project.objects.filter(code__in=[d.project.code for d in drawn])}
        for item in drawn:
            item.project = made[item.project.code]
        for move in moves:
            move.project = made[move.project.code]
        StageMove.objects.bulk_create(moves, batch_size=500)
        self._investment(drawn, office)

    def _apply(self, item: Drawn, office: Person) -> list[StageMove]:
        """Run the moves through the stage rules, as stage_move does, onto the row."""
        project = item.project
        project.stage, project.stage_on, project.paused_from = "reserve", None, ""
        first = item.moves[0][1] if item.moves else _after(self.today, -self.rng.uniform(0.5, 6))
        project.created_at = self.moment(first - dt.timedelta(days=14), 9)
        records = []
        for target, on, reason in item.moves:
            move = stages.check_move(
                project.stage,
                target,
                on=on,
                last_move_on=project.stage_on,
                signed_on=project.signed_on,
                reason=reason,
                today=self.today,
                paused_from=project.paused_from or None,
            )
            records.append(
                StageMove(
                    project=project,
                    from_stage=project.stage,
                    to_stage=target,
                    kind=move.kind,
                    on=on,
                    reason=move.reason,
                    actor=office,
                    at=self.moment(on),
                )
            )
            apply_move(project, move, target, on)
        return records

    def _investment(self, drawn: list[Drawn], office: Person) -> None:
        """A plan for each year a project builds in, and the monthly reports of
        the past twelve months: accepted, but last month's waiting for review;
        one project in sixteen has not filed the last month it owes."""
        rng, today = self.rng, self.today
        window = [months_ago(today, back) for back in range(12, 0, -1)]  # the past year's months
        plans: list[InvestmentPlan] = []
        reports: list[InvestmentReport] = []
        for item in drawn:
            project = item.project
            done = {stage: day for stage, day, _reason in item.moves}
            started = done.get("started")
            liaison = self.liaisons.get(project.unit_id)
            if started is None or liaison is None:
                continue
            stop = done.get("paused") or done.get("capacity") or done.get("cancelled")
            months = [
                (m.year, m.month)
                for m in window
                if (m.year, m.month) >= (started.year, started.month)
                and (stop is None or (m.year, m.month) < (stop.year, stop.month))
            ]
            years = sorted({year for year, _month in months} | {today.year})
            if stop is not None and stop.year < today.year:
                years = [y for y in years if y <= stop.year]
            amounts: dict[int, dict[int, Decimal]] = {}
            for year in years:
                first_month = started.month if started.year == year else 1
                # Building ends at design capacity: the plan stops the month before.
                last_month = stop.month - 1 if stop is not None and stop.year == year else 12
                last_month = max(last_month, first_month)
                share = Decimal(str(round(rng.uniform(0.2, 0.45), 2)))
                plan = InvestmentPlan(
                    project=project,
                    year=year,
                    amount=_wan(project.total_investment * share),
                    first_month=first_month,
                    last_month=last_month,
                )
                plans.append(plan)
                amounts[year] = {}
                per_month = plan.amount / (last_month - first_month + 1)
                for y, month in months:
                    if y != year:
                        continue
                    noise = Decimal(str(round(item.pace * rng.uniform(0.8, 1.2), 3)))
                    amounts[year][month] = _wan(per_month * noise)
            owed = window[-2]  # the month before last: its report is owed by now
            if rng.random() < 1 / 16 and owed.year in amounts:
                amounts[owed.year].pop(owed.month, None)
            last = window[-1]
            # Last month's reports come in during the days of grace.
            if rng.random() < (0.25 if today.day <= 5 else 0.06) and last.year in amounts:
                amounts[last.year].pop(last.month, None)
            for year, monthly in amounts.items():
                for month, amount in sorted(monthly.items()):
                    filed = self.moment(
                        dt.date(year + month // 12, month % 12 + 1, rng.randint(1, 5)),
                        rng.randint(9, 17),
                    )
                    waiting = (year, month) == (last.year, last.month)
                    report = InvestmentReport(
                        project=project,
                        year=year,
                        month=month,
                        amount=amount,
                        year_to_date=investment.year_to_date(monthly, month),
                        note=rng.choice(names.INVESTMENT_NOTES),
                        state=ReportState.SUBMITTED if waiting else ReportState.ACCEPTED,
                        unit=project.unit,
                        author=liaison,
                        submitted_at=filed,
                        reviewed_by=None if waiting else office,
                        reviewed_at=None
                        if waiting
                        else min(filed + dt.timedelta(days=2), self.now - dt.timedelta(minutes=1)),
                    )
                    report._history_date = filed  # type: ignore[attr-defined]
                    reports.append(report)
        InvestmentPlan.objects.bulk_create(plans, batch_size=500)
        bulk_create_with_history(reports, InvestmentReport, batch_size=500)
