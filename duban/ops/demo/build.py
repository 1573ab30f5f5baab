"""Build the demo office through the real services, every event placed in the past.

Dates are computed from today, so the demo always looks current: the twelfth
weekly meeting is in this week, the plan was issued thirteen weeks ago, and
each task has the history a real unit would have left by now: claimed on time
or late, reports filed on time, late or not at all, returned and revised,
deadlines moved, tasks closed with evidence.

Each leaf task gets a script: a list of timed actions (claim, report, review,
ask for time, ask to close, decide, instruct) generated from its
``TaskSpec`` and a seeded random generator, then run in time order. Actions
that would fall after now are dropped, which is what leaves the inboxes full.
"""

from __future__ import annotations

import datetime as dt
import random
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from duban.assessment import services as assessment
from duban.assessment.services import snapshot
from duban.lib import deadlines, periods, rules
from duban.notify.digest import weekly_digest
from duban.notify.fanout import fan_out
from duban.ops.demo import district, projects
from duban.ops.jobs import scan_and_notify
from duban.org import services as org_services
from duban.org.models import Membership, Person, Unit
from duban.org.scope import SYSTEM
from duban.projects.models import BatchEvent, InvestmentReport, Project, ProjectWarning
from duban.projects.seed import seed_industries
from duban.supervision import services as supervision
from duban.supervision.models import TaskWarning, WarningEvent
from duban.work import services
from duban.work.models import (
    Attachment,
    CloseRequest,
    DeadlineChange,
    Instruction,
    Meeting,
    Plan,
    ProgressReport,
    ReportState,
    RequestState,
    Task,
    TaskState,
)

from . import data
from .data import TaskSpec

Action = tuple[dt.datetime, int, Callable[[], None]]


def demo_exists() -> bool:
    return Unit.objects.filter(code=data.ROOT_CODE).exists()


def conflicts() -> list[str]:
    """Demo usernames and unit codes already taken by data that is not the demo."""
    names = [spec.username for spec in data.PEOPLE]
    codes = [spec.code for spec in data.UNITS]
    taken = list(Person.objects.filter(username__in=names).values_list("username", flat=True))
    return taken + list(Unit.objects.filter(code__in=codes).values_list("code", flat=True))


def reset() -> None:
    """Delete every row in the project's tables (and the uploaded files they name)."""
    for attachment in Attachment.objects.all():
        attachment.file.delete(save=False)
    call_command("flush", interactive=False, verbosity=0)

    seed_industries()  # reference data the migrations wrote


def load(now: dt.datetime | None = None, seed: int = 80) -> DemoBuilder:
    builder = DemoBuilder(now=now, seed=seed)
    builder.build()
    _notices(builder.now)
    # Raise the warnings the record calls for, as the hourly scan would, with
    # the messages about them; then this Monday's digest.

    scan_and_notify(today=timezone.localdate(builder.now))
    weekly_digest(now=builder.now)
    _appeal()
    _reviews(builder.now)

    projects.load(builder.now, seed)

    district.load(builder.now)  # the town's own office, under the zone
    # The scan again, as the hourly worker would run it: the projects' warnings
    # and those of the problems they raised; then the worker's fan-out, which
    # tells people of the notices, returned reports, instructions and reviews.
    scan_and_notify(today=timezone.localdate(builder.now))

    fan_out(now=builder.now)
    _warnings_in_time(builder.now)
    return builder


def _warnings_in_time(now: dt.datetime) -> None:
    """The demo's warnings were raised by one scan today; the hourly scan would
    have raised each on the day its cause began (an overdue task the day after
    its deadline, a missing report the day after its grace), and recorded the
    quarter's standing every day: place them there, so the cockpit as of a
    past date shows what the office saw then."""

    def day_after(iso: str, days: int = 1) -> dt.date:
        return dt.date.fromisoformat(iso) + dt.timedelta(days=days)

    began = {
        rules.OVERDUE: lambda facts: day_after(facts["deadline"]),
        rules.INACTION_REPORT: lambda facts: day_after(facts["due"]),
        rules.INACTION_CLAIM: lambda facts: day_after(facts["assigned"], facts["limit"] + 1),
        rules.NEAR_DUE: lambda facts: day_after(facts["deadline"], -facts["limit"]),
    }
    for warning in TaskWarning.objects.filter(
        cleared_at__isnull=True, rule__in=list(began)
    ).select_related("task"):
        day = began[warning.rule](warning.facts)
        moment = timezone.make_aware(dt.datetime.combine(day, dt.time(9)))
        moment = max(min(moment, now), warning.task.created_at)
        if WarningEvent.objects.filter(warning=warning).exclude(kind="raised").exists():
            continue  # escalated or eased since: its history stays as it is
        TaskWarning.objects.filter(pk=warning.pk).update(raised_at=moment, changed_at=moment)
        WarningEvent.objects.filter(warning=warning, kind="raised").update(at=moment)
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    for weeks in (3, 2, 1, 0):
        day = monday - dt.timedelta(weeks=weeks)
        if periods.quarter_containing(day) == periods.quarter_containing(today) and day < today:
            snapshot(today=day)


def _reviews(now: dt.datetime) -> None:
    """Last month's review published with the office's remarks, and the last
    quarter's assessment locked, as the office would have done."""

    office = Person.objects.get(username="office")
    zone = Unit.objects.get(code=data.ROOT_CODE)
    today = timezone.localdate(now)
    last_month = periods.period_containing(today, periods.MONTHLY).previous()
    assessment.review_save(
        actor=office,
        month=last_month,
        office=zone,
        remarks=(
            "本月各单位总体推进有力，经济发展部、财政金融部按时办结率较高。"
            "辛店镇土地征迁任务已超期，请分管领导亲自调度，每周报告进展；"
            "各单位要如实报送进度，杜绝“报告雷同”。"
        ),
        publish=True,
    )
    quarter = periods.quarter_containing(today).previous()
    if not assessment.assessment_for(quarter, zone).is_locked:
        assessment.lock(actor=office, quarter=quarter, office=zone, as_of=today)


def _appeal() -> None:
    """The unit whose deadline moved twice appeals the postponement warning:
    the office finds it waiting in its inbox."""

    warning = TaskWarning.objects.filter(rule="postponed", cleared_at__isnull=True).first()
    if warning is None:
        return
    liaison = Person.objects.filter(role="liaison", memberships__unit=warning.unit).first()
    if liaison is not None:
        supervision.appeal_file(
            actor=liaison,
            warning=warning,
            reason="两次调整完成时限均因上级审批和供电接入等客观原因，并经督查室批准，申请撤销预警。",
        )


def _notices(now: dt.datetime) -> None:
    """Two supervision notices on lagging tasks: one answered, one left
    unanswered past its date (so its warning is red)."""

    office = Person.objects.get(username="office")
    lagging = list(
        Task.objects.filter(state=TaskState.IN_PROGRESS, is_parent=False)
        .exclude(lead_unit__code="LYHT-JFB")
        .order_by("progress", "id")[:2]
    )
    today = timezone.localdate(now)
    unanswered, answered = lagging
    supervision.notice_issue(
        actor=office,
        task=unanswered,
        reason="该事项进度明显滞后于时序进度，请于答复期限前书面说明原因、整改措施和完成时间。",
        answer_by=today - dt.timedelta(days=2),
        at=now - dt.timedelta(days=7),
    )
    notice = supervision.notice_issue(
        actor=office,
        task=answered,
        reason="请书面报告本事项推进中存在的困难和需要协调解决的问题。",
        answer_by=today + dt.timedelta(days=1),
        at=now - dt.timedelta(days=5),
    )
    liaison = Person.objects.filter(role="liaison", memberships__unit=answered.lead_unit).first()
    if liaison is not None:
        supervision.notice_answer(
            actor=liaison,
            notice=notice,
            answer="已召开专题推进会，明确责任人和时间节点，需协调解决的用地问题已报规划建设部。",
            at=now - dt.timedelta(days=2),
        )


# --- small helpers ---------------------------------------------------------------


def pdf_bytes(text: str) -> bytes:
    """A minimal valid one-page PDF showing ``text`` (ASCII)."""
    safe = text.encode("ascii", "replace").replace(b"\\", b"").replace(b"(", b"[")
    safe = safe.replace(b")", b"]")
    stream = b"BT /F1 14 Tf 72 770 Td (" + safe + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def pdf_upload(name: str, text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def workday_back(day: dt.date) -> dt.date:
    """The day itself, or the Friday before when it falls on a weekend."""
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    return day


def workday_on(day: dt.date) -> dt.date:
    """The day itself, or the Monday after when it falls on a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


@dataclass
class Chain:
    """One period's report: submitted, perhaps reviewed, returned and resubmitted."""

    period: periods.Period
    submit_at: dt.datetime
    percent: int
    text: str
    value: Decimal | None
    no_change: bool = False
    with_file: bool = False
    final: bool = False
    review_at: dt.datetime | None = None
    returned: str = ""
    resubmit_at: dt.datetime | None = None
    review2_at: dt.datetime | None = None


# --- the builder -------------------------------------------------------------------


class DemoBuilder:
    def __init__(self, now: dt.datetime | None = None, seed: int = 80) -> None:
        self.now = now or timezone.now()
        self.today = timezone.localdate(self.now)
        # Seeded, so the same day always gives the same demo (not for secrets).
        self.rng = random.Random(seed)  # noqa: S311
        self.week0 = self.today - dt.timedelta(days=self.today.weekday())
        self.plan_start = self.week0 - dt.timedelta(weeks=13)
        self.units: dict[str, Unit] = {}
        self.people: dict[str, Person] = {}
        self.liaisons: dict[str, Person] = {}
        self.plan: Plan | None = None
        self._seq = 0

    # time
    def at(self, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
        moment = dt.datetime.combine(day, dt.time(hour)) + dt.timedelta(minutes=minute)
        return timezone.make_aware(moment)

    def past(self, moment: dt.datetime) -> dt.datetime:
        """``moment``, or just before now when it has not happened yet."""
        return min(moment, self.now - dt.timedelta(minutes=1))

    def meeting_date(self, number: int) -> dt.date:
        return self.week0 - dt.timedelta(weeks=data.MEETINGS[-1].number - number)

    @property
    def office(self) -> Person:
        return self.people["office"]

    @property
    def head_of_office(self) -> Person:
        return self.people["huang.tao"]

    def build(self) -> None:
        with transaction.atomic():
            self._units()
            self._people()
            self._plan()
            self._meetings()

    # --- org ---------------------------------------------------------------------

    def _units(self) -> None:
        for position, spec in enumerate(data.UNITS):
            self.units[spec.code] = org_services.unit_create(
                actor=SYSTEM,
                code=spec.code,
                name=spec.name,
                name_en=spec.name_en,
                kind=spec.kind,
                parent=self.units[spec.parent] if spec.parent else None,
                short_name=spec.short_name,
                aliases=spec.aliases.replace("、", "\n"),
                position=position,
                runs_office=spec.runs_office,
            )
        self.units[data.LEADING_GROUP].member_units.set(
            [self.units[code] for code in data.LEADING_GROUP_MEMBERS]
        )

    def _people(self) -> None:
        for spec in data.PEOPLE:
            person = org_services.person_create(
                actor=SYSTEM,
                username=spec.username,
                role=spec.role,
                full_name=spec.full_name,
                title=spec.title,
                password=None,
                units=[self.units[code] for code in spec.units],
            )
            self.people[spec.username] = person
            if spec.role == "liaison":
                for code in spec.units:
                    self.liaisons.setdefault(code, person)
        # Everyone signs in with the published password. Hashed once for all
        # of them: each hash takes a PBKDF2 run (0.2-0.4 s), and it is the same
        # published password anyway.
        hashed = make_password(data.PASSWORD)
        Person.objects.filter(pk__in=[p.pk for p in self.people.values()]).update(
            password=hashed, password_changed_at=self.now
        )
        for person in self.people.values():
            person.password, person.password_changed_at = hashed, self.now

    def _liaison(self, code: str) -> Person:
        try:
            return self.liaisons[code]
        except KeyError:
            raise RuntimeError(f"demo data: unit {code} leads a task but has no liaison") from None

    # --- tasks -------------------------------------------------------------------

    def _create(
        self,
        spec: TaskSpec,
        *,
        start: dt.date,
        deadline: dt.date,
        created: dt.datetime,
        leader: str,
        serial: str,
        plan: Plan | None = None,
        parent: Task | None = None,
        meeting: Meeting | None = None,
    ) -> Task:
        return services.task_create(
            actor=self.office,
            title=spec.title,
            title_en=spec.title_en,
            description=spec.description,
            lead_unit=self.units[spec.lead],
            co_units=[self.units[code] for code in spec.co],
            leader=self.people[spec.leader or leader],
            start_date=start,
            deadline=deadlines.LONG_TERM if spec.long_term else deadline,
            plan=plan,
            parent=parent,
            meeting=meeting,
            serial=serial,
            cadence=spec.cadence,
            metric=spec.metric,
            metric_unit=spec.metric_unit,
            target_value=Decimal(spec.target) if spec.target else None,
            at=self.past(created),
        )

    def _plan(self) -> None:
        year = self.plan_start.year
        self.plan = services.plan_create(
            title=data.PLAN_TITLE.format(year=year),
            title_en=data.PLAN_TITLE_EN.format(year=year),
            year=year,
            description=data.PLAN_DESCRIPTION,
            owner_unit=self.units["LYHT-LDXZ"],
            actor=self.office,
        )
        start = self.plan_start
        created = self.at(start, 10)
        actions: list[Action] = []
        for group in data.PLAN:
            parent_spec = group.task
            parent = self._create(
                parent_spec,
                start=start,
                deadline=self.today + dt.timedelta(days=parent_spec.deadline),
                created=created,
                leader=parent_spec.leader,
                serial=parent_spec.serial,
                plan=self.plan,
            )
            services.task_claim(
                actor=self._liaison(parent_spec.lead),
                task=parent,
                at=self.at(workday_on(start + dt.timedelta(days=1)), 9, 10),
            )
            for spec in group.measures:
                task = self._create(
                    spec,
                    start=start,
                    deadline=self.today + dt.timedelta(days=spec.deadline),
                    created=created,
                    leader=parent_spec.leader,
                    serial=spec.serial,
                    plan=self.plan,
                    parent=parent,
                )
                actions += self._script(task, spec, base=self.today, created=created)
        self._run(actions)

    def _meetings(self) -> None:
        actions: list[Action] = []
        for spec in data.MEETINGS:
            day = self.meeting_date(spec.number)
            meeting = services.meeting_create(
                date=day,
                kind="weekly",
                number=spec.number,
                chair=spec.chair,
                location="管委会三楼第一会议室",
                notes=spec.notes.format(previous=spec.number - 1),
                actor=self.office,
            )
            created = self.at(day, 11, 30)
            for index, task_spec in enumerate(spec.tasks, 1):
                task = self._create(
                    task_spec,
                    start=day,
                    deadline=day + dt.timedelta(days=task_spec.deadline),
                    created=created,
                    leader=task_spec.leader or "wang.lixin",
                    serial=f"{spec.number}-{index}",
                    meeting=meeting,
                )
                actions += self._script(task, task_spec, base=day, created=created)
        self._run(actions)

    def _run(self, actions: list[Action]) -> None:
        for _moment, _seq, action in sorted(actions, key=lambda a: (a[0], a[1])):
            action()

    # --- one task's story ------------------------------------------------------------

    def _script(
        self, task: Task, spec: TaskSpec, *, base: dt.date, created: dt.datetime
    ) -> list[Action]:
        """The timed actions that make up ``task``'s history up to now."""
        actions: list[Action] = []
        rng = self.rng
        liaison = self._liaison(spec.lead)
        task_id = task.pk

        def add(moment: dt.datetime, action: Callable[[], None]) -> None:
            if moment <= self.now:
                self._seq += 1
                actions.append((moment, self._seq, action))

        def when(offset: int) -> dt.date:
            return (base if offset >= 0 else self.today) + dt.timedelta(days=offset)

        if spec.claim is None:
            return actions
        if spec.claim == 0:
            claim_at = self.at(task.start_date, 15, rng.randrange(60))
        else:
            claim_day = workday_on(task.start_date + dt.timedelta(days=spec.claim))
            claim_at = self.at(claim_day, 9, 10 + rng.randrange(80))
        claim_at = max(claim_at, created + dt.timedelta(hours=1))
        if claim_at > self.now:
            return actions
        add(claim_at, lambda: self._claim(liaison, task_id, claim_at))

        # Closing with evidence.
        close_at: dt.datetime | None = None
        if spec.close is not None:
            close_day = workday_back(when(spec.close))
            # Keep the request and the decision in one week, so the task does not
            # owe a report for a week it spent waiting to be closed.
            if spec.close_decision == "returned":
                close_day -= dt.timedelta(days=close_day.weekday())
            elif spec.close_decision == "approve" and close_day.weekday() == 4:
                close_day -= dt.timedelta(days=1)
            moment = self.at(close_day, 15, rng.randrange(50))
            if claim_at < moment <= self.now:
                close_at = moment
                self._closing(task_id, spec, liaison, close_at, add)

        # Deadline changes.
        for move in spec.moves:
            ask_day = workday_back(when(move.day))
            ask_at = self.at(ask_day, 14, rng.randrange(60))
            if ask_at <= claim_at:
                continue
            new = when(move.new_deadline)
            add(ask_at, self._ask_time(liaison, task_id, new, move.reason, ask_at))
            if move.decision != "pending":
                decide_at = self.at(
                    workday_on(ask_day + dt.timedelta(days=1)), 11, rng.randrange(40)
                )
                add(
                    decide_at,
                    self._decide_time(task_id, move.decision == "approve", move.comment, decide_at),
                )

        # Leaders' instructions.
        for note in spec.instructions:
            moment = self.at(workday_back(when(note.day)), 8, 40 + rng.randrange(40))
            add(moment, self._instruct(task_id, note.leader, note.text, note.read, moment))

        # Reports.
        for chain in self._chains(task, spec, claim_at, close_at):
            self._chain_actions(task_id, liaison, chain, add)
        return actions

    def _chains(
        self,
        task: Task,
        spec: TaskSpec,
        claim_at: dt.datetime,
        close_at: dt.datetime | None,
    ) -> list[Chain]:
        rng = self.rng
        end_day = close_at.date() if close_at else self.today
        plan_end = close_at.date() if close_at else task.deadline
        if task.is_long_term:  # a standing task: paced as if over a year
            plan_end = task.start_date + dt.timedelta(days=365)
        every = list(periods.periods_between(task.start_date, end_day, spec.cadence))
        chains: list[Chain] = []
        previous = 0
        for index, period in enumerate(every):
            final = close_at is not None and period.contains(close_at.date())
            current = period.contains(self.today) and not final
            if spec.silent_weeks and index >= len(every) - spec.silent_weeks:
                continue
            if not final and rng.random() < spec.miss:
                continue
            if current and (spec.lead == "LYHT-JFB" or rng.random() > 0.35):
                continue  # this period's report is still to come
            late = not final and not current and rng.random() < spec.late
            if final:
                assert close_at is not None
                submit_at = close_at - dt.timedelta(hours=2)
            elif late:
                day = workday_on(period.end + dt.timedelta(days=rng.randint(2, 5)))
                submit_at = self.at(day, 9, rng.randrange(480))
            elif spec.cadence == periods.WEEKLY:
                submit_at = self.at(period.start + dt.timedelta(days=4), 15, rng.randrange(150))
            else:
                day = workday_back(period.end - dt.timedelta(days=1))
                submit_at = self.at(day, 15, rng.randrange(150))
            if submit_at <= claim_at:
                submit_at = claim_at + dt.timedelta(minutes=60 + rng.randrange(240))
            if close_at and not final and submit_at >= close_at - dt.timedelta(hours=3):
                submit_at = close_at - dt.timedelta(hours=3, minutes=rng.randrange(120))
                if submit_at <= claim_at:
                    continue
            if submit_at > self.now - dt.timedelta(minutes=10):
                continue

            no_change = False
            if final:
                percent = 100
            else:
                fraction = periods.time_elapsed_fraction(
                    task.start_date, plan_end, min(period.end, self.today)
                )
                pace = 1.0 if close_at else spec.pace
                planned = round(fraction * 100 * pace + rng.uniform(-4, 6))
                no_change = index > 0 and previous > 0 and rng.random() < 0.07
                percent = previous if no_change else max(previous, min(95, planned))
            previous = percent
            value = self._value(spec, percent)
            text = self._text(spec, percent, value, no_change, period.cadence)
            chain = Chain(
                period=period,
                submit_at=submit_at,
                percent=percent,
                text=text,
                value=value,
                no_change=no_change,
                with_file=final or rng.random() < 0.1,
                final=final,
            )
            review_day = workday_on(submit_at.date() + dt.timedelta(days=rng.randint(2, 6)))
            review_at = self.at(review_day, 10, rng.randrange(90))
            if review_at <= self.now:
                chain.review_at = review_at
                if not final and close_at is None and rng.random() < 0.08:
                    self._return(chain, rng.choice(data.RETURN_COMMENTS))
            chains.append(chain)

        if spec.returned_open:
            reviewed = [c for c in chains if c.review_at and not c.final]
            if reviewed:
                chain = reviewed[-1]
                chain.returned = data.RETURN_COMMENTS[1]
                chain.resubmit_at = chain.review2_at = None
        return chains

    def _return(self, chain: Chain, comment: str) -> None:
        """The office returns the report; the unit revises it a day or two later."""
        assert chain.review_at is not None
        chain.returned = comment
        day = workday_on(chain.review_at.date() + dt.timedelta(days=self.rng.randint(1, 2)))
        resubmit_at = self.at(day, 14, self.rng.randrange(120))
        if resubmit_at > self.now:
            return
        chain.resubmit_at = resubmit_at
        day = workday_on(resubmit_at.date() + dt.timedelta(days=self.rng.randint(1, 2)))
        review2_at = self.at(day, 10, self.rng.randrange(90))
        if review2_at <= self.now:
            chain.review2_at = review2_at

    def _value(self, spec: TaskSpec, percent: int) -> Decimal | None:
        if not spec.target:
            return None
        target, baseline = Decimal(spec.target), Decimal(spec.baseline)
        value = baseline + (target - baseline) * Decimal(percent) / 100
        whole = target == target.to_integral_value() and baseline == baseline.to_integral_value()
        return value.quantize(Decimal("1") if whole else Decimal("0.01"))

    def _text(
        self, spec: TaskSpec, percent: int, value: Decimal | None, no_change: bool, cadence: str
    ) -> str:
        if no_change:
            return self.rng.choice(data.NO_CHANGE_REASONS)
        steps = spec.steps or (f"按计划推进“{spec.title}”各项工作",)
        step = steps[min(len(steps) - 1, percent * len(steps) // 100)]
        when = {periods.WEEKLY: "本周", periods.QUARTERLY: "本季度"}.get(cadence, "本月")
        text = f"{when}{step}。"
        if value is not None:
            unit = spec.metric_unit
            text += f"截至目前，{spec.metric}{value}{unit}（目标{spec.target}{unit}）。"
        if percent >= 100:
            return text + "各项工作已全部完成，佐证材料已整理归档。"
        return text + self.rng.choice(data.FOLLOW_UPS)

    # --- actions -------------------------------------------------------------------------

    def _claim(self, liaison: Person, task_id: int, moment: dt.datetime) -> None:
        services.task_claim(actor=liaison, task=Task.objects.get(pk=task_id), at=moment)

    def _chain_actions(
        self,
        task_id: int,
        liaison: Person,
        chain: Chain,
        add: Callable[[dt.datetime, Callable[[], None]], None],
    ) -> None:
        label = chain.period.label

        def submit() -> None:
            task = Task.objects.get(pk=task_id)
            day = timezone.localdate(chain.submit_at)
            if task.state == TaskState.CLOSED or chain.period not in (
                services.report_period_choices(task, day)
            ):
                return
            files = []
            if chain.with_file:
                name = "办结佐证材料.pdf" if chain.final else "进展佐证材料.pdf"
                files.append(pdf_upload(name, f"duban demo: task {task.serial} {label}"))
            seen = task.reports.filter(period_label=label).values_list("version", flat=True)
            services.report_save(
                actor=liaison,
                task=task,
                period_label=label,
                text=chain.text,
                percent=chain.percent,
                value=chain.value,
                no_change=chain.no_change,
                submit=True,
                files=files,
                version=seen.first() or 0,
                at=chain.submit_at,
            )

        def review(moment: dt.datetime, accept: bool, comment: str) -> Callable[[], None]:
            def run() -> None:
                report = ProgressReport.objects.filter(task_id=task_id, period_label=label).first()
                if report is None or report.state != ReportState.SUBMITTED:
                    return
                services.report_review(
                    actor=self.office, report=report, accept=accept, comment=comment, at=moment
                )

            return run

        def resubmit() -> None:
            assert chain.resubmit_at is not None
            task = Task.objects.get(pk=task_id)
            report = ProgressReport.objects.filter(task_id=task_id, period_label=label).first()
            day = timezone.localdate(chain.resubmit_at)
            if (
                report is None
                or report.state != ReportState.RETURNED
                or task.state == TaskState.CLOSED
                or chain.period not in services.report_period_choices(task, day)
            ):
                return
            services.report_save(
                actor=liaison,
                task=task,
                period_label=label,
                text=chain.text + data.RESUBMIT_NOTE,
                percent=chain.percent,
                value=chain.value,
                no_change=chain.no_change,
                submit=True,
                version=report.version,
                at=chain.resubmit_at,
            )

        add(chain.submit_at, submit)
        if chain.review_at:
            add(chain.review_at, review(chain.review_at, not chain.returned, chain.returned))
        if chain.resubmit_at:
            add(chain.resubmit_at, resubmit)
        if chain.review2_at:
            add(chain.review2_at, review(chain.review2_at, True, ""))

    def _closing(
        self,
        task_id: int,
        spec: TaskSpec,
        liaison: Person,
        close_at: dt.datetime,
        add: Callable[[dt.datetime, Callable[[], None]], None],
    ) -> None:
        """Ask to close with evidence; the office accepts, or sends it back first."""

        def ask(moment: dt.datetime, summary: str, names: tuple[str, ...]) -> Callable[[], None]:
            def run() -> None:
                task = Task.objects.get(pk=task_id)
                if task.state != TaskState.IN_PROGRESS:
                    return
                files = [
                    pdf_upload(n, f"duban demo: evidence for task {task.serial}") for n in names
                ]
                services.close_request_create(
                    actor=liaison, task=task, summary=summary, files=files, at=moment
                )

            return run

        def decide(moment: dt.datetime, accept: bool, comment: str) -> Callable[[], None]:
            def run() -> None:
                request = CloseRequest.objects.filter(
                    task_id=task_id, state=RequestState.PENDING
                ).first()
                if request is None:
                    return
                services.close_request_decide(
                    actor=self.head_of_office,
                    request=request,
                    accept=accept,
                    comment=comment,
                    at=moment,
                )

            return run

        def next_day(moment: dt.datetime, hour: int, days: int = 1) -> dt.datetime:
            day = workday_on(moment.date() + dt.timedelta(days=days))
            return self.at(day, hour, self.rng.randrange(45))

        summary = data.CLOSE_SUMMARY.format(title=spec.title)
        add(close_at, ask(close_at, summary, ("验收报告.pdf",)))
        if spec.close_decision == "pending":
            return
        decided_at = next_day(close_at, 10)
        if spec.close_decision == "returned":
            add(decided_at, decide(decided_at, False, data.CLOSE_RETURN_COMMENT))
            again_at = next_day(decided_at, 15, days=2)
            summary = data.CLOSE_RESUBMIT_SUMMARY.format(title=spec.title)
            add(again_at, ask(again_at, summary, ("验收报告.pdf", "企业申报受理回执及名单.pdf")))
            decided_at = next_day(again_at, 10)
        add(decided_at, decide(decided_at, True, data.CLOSE_ACCEPT_COMMENT))

    def _ask_time(
        self, liaison: Person, task_id: int, new: dt.date, reason: str, moment: dt.datetime
    ) -> Callable[[], None]:
        def run() -> None:
            task = Task.objects.get(pk=task_id)
            if task.is_open and task.deadline != new:
                services.deadline_change_request(
                    actor=liaison, task=task, new_deadline=new, reason=reason, at=moment
                )

        return run

    def _decide_time(
        self, task_id: int, approve: bool, comment: str, moment: dt.datetime
    ) -> Callable[[], None]:
        def run() -> None:
            task = Task.objects.get(pk=task_id)
            change = task.deadline_changes.filter(state=RequestState.PENDING).first()
            if change is not None:
                services.deadline_change_decide(
                    actor=self.head_of_office,
                    change=change,
                    approve=approve,
                    comment=comment,
                    at=moment,
                )

        return run

    def _instruct(
        self, task_id: int, leader: str, text: str, read: bool, moment: dt.datetime
    ) -> Callable[[], None]:
        def run() -> None:
            task = Task.objects.get(pk=task_id)
            instruction = services.instruction_create(
                actor=self.people[leader], task=task, text=text, at=moment
            )
            if read:
                reader = self._liaison(task.lead_unit.code)
                services.instruction_mark_read(actor=reader, instruction=instruction)

        return run


# --- what to tell the person who ran it -------------------------------------------------


def logins(everyone: bool = False) -> list[tuple[str, str, str, str]]:
    """(username, role, unit, password) for each main demo login, or for every
    demo person (all of them sign in with the published password)."""
    primary = dict(
        Membership.objects.filter(
            person__username__in=[spec.username for spec in data.PEOPLE], is_primary=True
        ).values_list("person__username", "unit__name")
    )
    return [
        (spec.username, spec.role, primary.get(spec.username, "—"), data.PASSWORD)
        for spec in data.PEOPLE
        if everyone or spec.login
    ]


def logins_table(everyone: bool = False) -> Iterator[str]:
    header = ("username", "role", "unit", "password")
    rows = [header, *logins(everyone)]
    widths = [max(display_width(row[i]) for row in rows) for i in range(4)]
    for row in rows:
        cells = [cell + " " * (widths[i] - display_width(cell)) for i, cell in enumerate(row)]
        yield "  ".join(cells).rstrip()


def counts() -> dict[str, int]:
    reports = ProgressReport.objects
    return {
        "units": Unit.objects.count(),
        "people": Person.objects.count(),
        "plans": Plan.objects.count(),
        "meetings": Meeting.objects.count(),
        "tasks": Task.objects.count(),
        "tasks closed": Task.objects.filter(state=TaskState.CLOSED).count(),
        "tasks awaiting claim": Task.objects.filter(state=TaskState.ASSIGNED).count(),
        "tasks overdue": Task.objects.filter(
            state__in=[TaskState.ASSIGNED, TaskState.IN_PROGRESS, TaskState.CLOSING],
            deadline__lt=timezone.localdate(),
        ).count(),
        "reports": reports.count(),
        "reports late": reports.filter(is_late=True).count(),
        "reports to review": reports.filter(state=ReportState.SUBMITTED).count(),
        "reports returned": reports.filter(state=ReportState.RETURNED).count(),
        "deadline changes": DeadlineChange.objects.count(),
        "close requests": CloseRequest.objects.count(),
        "instructions": Instruction.objects.count(),
        "attachments": Attachment.objects.count(),
        "projects": Project.objects.count(),
        "three-batches events": BatchEvent.objects.count(),
        "investment reports": InvestmentReport.objects.count(),
        "project warnings": ProjectWarning.objects.filter(cleared_at__isnull=True).count(),
    }
