"""What the API reads and writes. Dates are ISO 8601; money and percentages
are decimal strings (money in yuan, as ``amount_unit`` says where it appears)."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext_noop
from ninja import Field, Schema
from pydantic import AfterValidator, BeforeValidator

from duban.lib import periods
from duban.lib.ids import MAX_ID


def _no_nul(value: str) -> str:
    # A NUL cannot be stored (PostgreSQL refuses it): say so, as Django's forms do.
    if "\x00" in value:
        raise ValueError(gettext_noop("Null characters are not allowed."))
    return value


def _iso_day(value: object) -> object:
    # A day is written YYYY-MM-DD; pydantic alone would also read 0 as 1970-01-01.
    if isinstance(value, dt.date):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        raise ValueError(gettext_noop("Enter a date as YYYY-MM-DD."))
    return value


# What a client sends: text without NUL, ids the database can hold, days as ISO
# dates, years the periods know, amounts a DecimalField(16, 2) holds.
Text = Annotated[str, AfterValidator(_no_nul)]
Day = Annotated[dt.date, BeforeValidator(_iso_day)]
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=periods.FIRST_YEAR, le=periods.LAST_YEAR)]
Yuan = Annotated[Decimal, Field(ge=0, lt=Decimal("1e14"), decimal_places=2)]
Figure = Annotated[Decimal, Field(gt=Decimal("-1e14"), lt=Decimal("1e14"), decimal_places=2)]


class UnitRef(Schema):
    id: int
    code: str
    name: str
    name_en: str


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    units: list[UnitRef]


class MeOut(PersonOut):
    token: str | None = Field(None, description="The token's name, when a token signs the request")
    token_may_write: bool | None = None


class UnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    short_name: str
    kind: str
    parent_id: int | None
    runs_office: bool


class TaskOut(Schema):
    id: int
    serial: str
    title: str
    title_en: str
    description: str
    plan_id: int | None
    parent_id: int | None
    meeting_id: int | None
    lead_unit: UnitRef
    co_unit_ids: list[int]
    leader_id: int | None
    source: str
    start_date: dt.date
    deadline: dt.date | None = Field(description="None for a long-term task (长期坚持)")
    original_deadline: dt.date | None
    long_term: bool = Field(
        description="长期坚持: no deadline, never overdue, reported every period while open"
    )
    deadline_note: str = Field(description="The deadline as the list wrote it, when words")
    deadline_moves: int
    cadence: str = Field(description="weekly, monthly or quarterly")
    state: str
    progress: Decimal = Field(
        description="Percent complete, a decimal string: the last accepted report's"
    )
    awaiting_review: Decimal | None = Field(
        None,
        description=(
            "The percent of the latest report submitted and not yet reviewed (报送待审): "
            "not the task's progress until the office accepts it"
        ),
    )
    light: str = Field(description="green, yellow, red or done (the lists' traffic light)")
    is_parent: bool
    metric: str
    metric_unit: str
    target_value: Decimal | None
    weight: Decimal
    version: int = Field(description="Sent back in If-Match (as the ETag) to edit")
    updated_at: dt.datetime


class TaskPage(Schema):
    results: list[TaskOut]
    next: str | None = Field(description="The cursor of the next page (None: this is the last)")


class TaskIn(Schema):
    title: Text
    lead_unit_id: Id
    start_date: Day
    deadline: Day | None = Field(None, description="Required unless long_term")
    long_term: bool = False
    plan_id: Id | None = None
    parent_id: Id | None = None
    meeting_id: Id | None = None
    serial: Text = ""
    title_en: Text = ""
    description: Text = ""
    source: Text | None = None
    co_unit_ids: list[Id] = []
    leader_id: Id | None = None
    cadence: Text = "weekly"
    metric: Text = ""
    metric_unit: Text = ""
    target_value: Decimal | None = None
    weight: Decimal = Decimal("1")


class TaskPatch(Schema):
    """The fields to change; the others stay as they are."""

    serial: Text | None = None
    title: Text | None = None
    title_en: Text | None = None
    description: Text | None = None
    lead_unit_id: Id | None = None
    co_unit_ids: list[Id] | None = None
    leader_id: Id | None = None
    start_date: Day | None = None
    deadline: Day | None = None
    cadence: Text | None = None
    metric: Text | None = None
    metric_unit: Text | None = None
    target_value: Decimal | None = None
    weight: Decimal | None = None


class ReportOut(Schema):
    id: int
    task_id: int
    unit_id: int
    period: str = Field(alias="period_label")
    period_start: dt.date
    period_end: dt.date
    state: str
    text: str
    percent: Decimal
    value: Decimal | None
    no_change: bool
    decrease_reason: str
    is_late: bool
    submitted_at: dt.datetime | None
    reviewed_at: dt.datetime | None
    review_comment: str
    version: int


class ReportIn(Schema):
    period: Text = Field(description="The period's label: 2026-W48, 2026-11")
    text: Text
    percent: Decimal
    value: Decimal | None = None
    no_change: bool = False
    decrease_reason: Text = Field(
        "",
        description="Why the percent is lower than the last accepted report's (required then)",
    )
    submit: bool = Field(True, description="False keeps it as a draft")
    version: int = Field(
        0,
        ge=0,
        le=2**31 - 1,
        description=(
            "The version of the period's report you saw (a report's `version`), or 0, the "
            "default, when it has none yet: if it changed since, or someone filed it first, "
            "the answer is 412 and nothing is written"
        ),
    )


class ReviewIn(Schema):
    accept: bool
    comment: Text = ""


class WarningOut(Schema):
    id: int
    task_id: int
    unit_id: int
    rule: str
    level: int = Field(description="1 reminder, 2 yellow, 3 notice (counts as yellow), 4 red")
    reason: str = Field(description="Why, in the caller's language")
    raised_at: dt.datetime
    changed_at: dt.datetime


class WarningPage(Schema):
    results: list[WarningOut]
    next: str | None


class MeetingOut(Schema):
    id: int
    kind: str
    number: int | None
    title: str
    date: dt.date
    chair: str
    location: str
    office_id: int


class DeadlineRequestIn(Schema):
    new_deadline: Day
    reason: Text


class DeadlineRequestOut(Schema):
    id: int
    task_id: int
    old_deadline: dt.date
    new_deadline: dt.date
    reason: str
    state: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_comment: str


class DecisionIn(Schema):
    approve: bool
    comment: str = ""


class InstructionIn(Schema):
    text: Text


class InstructionOut(Schema):
    id: int
    task_id: int
    leader_id: int | None
    text: str
    created_at: dt.datetime
    read_at: dt.datetime | None


class NoticeIn(Schema):
    reason: Text = Field(description="What the unit must do or explain")
    answer_by: Day


class NoticeOut(Schema):
    id: int
    task_id: int
    unit_id: int
    office_id: int
    number: str = Field(description="The official number: 督办〔2026〕3号")
    reason: str
    answer_by: dt.date
    issued_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class AnswerIn(Schema):
    answer: Text


class AppealIn(Schema):
    reason: Text


class AppealOut(Schema):
    id: int
    warning_id: int
    reason: str
    state: str
    filed_at: dt.datetime
    decided_at: dt.datetime | None
    comment: str


class AppealDecisionIn(Schema):
    withdraw: bool
    comment: Text = ""


class ProjectOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    level: str
    industry_id: int | None
    chain: str
    investor: str
    park_id: int | None
    district_id: int | None
    unit_id: int
    leader_id: int | None
    total_investment: Decimal | None
    amount_unit: str = Field("yuan", description="Money is in yuan (元), as decimal strings")
    stage: str
    stage_on: dt.date | None
    planned_sign: dt.date | None
    planned_start: dt.date | None
    planned_production: dt.date | None
    signed_on: dt.date | None
    started_on: dt.date | None
    produced_on: dt.date | None
    version: int


class ProjectPage(Schema):
    results: list[ProjectOut]
    next: str | None


class InvestmentReportOut(Schema):
    id: int
    project_id: int
    year: int
    month: int
    amount: Decimal
    year_to_date: Decimal | None
    amount_unit: str = "yuan"
    note: str
    state: str
    submitted_at: dt.datetime


class InvestmentPlanOut(Schema):
    year: int
    amount: Decimal
    amount_unit: str = "yuan"
    first_month: int
    last_month: int


class InvestmentPlanIn(Schema):
    year: Year
    amount: Yuan = Field(description="Planned for the year, in yuan")
    first_month: Annotated[int, Field(ge=1, le=12)] = 1
    last_month: Annotated[int, Field(ge=1, le=12)] = 12


class InvestmentIn(Schema):
    year: Year
    month: Annotated[int, Field(ge=1, le=12)]
    amount: Yuan = Field(description="Completed this month, in yuan")
    note: Text = ""


class StageIn(Schema):
    target: Text = Field(description="The stage to move to (signed, started, producing…)")
    on: Day
    reason: Text = ""


class TargetOut(Schema):
    id: int
    indicator_id: int
    indicator: str
    measure: str
    unit_id: int
    year: int
    target: Decimal
    actual: Decimal | None = Field(description="Year to date (cumulative) or the latest month")
    months: int
    rate: Decimal | None = Field(description="% of the annual target")
    due: Decimal = Field(description="The time-proportional target by now")


class ActualIn(Schema):
    month: Annotated[int, Field(ge=1, le=12)]
    value: Figure


class StandingRowOut(Schema):
    unit_id: int
    unit: str
    category: str
    rank: int
    total: Decimal = Field(description="Points, as a decimal string")
    facts: dict[str, int] = Field(description="The counts the score was worked out from")


class StandingOut(Schema):
    quarter: str
    office_id: int
    locked: bool = Field(description="Locked: the published ranking, frozen")
    as_of: dt.date
    counted_at: dt.datetime | None = Field(
        None,
        description="When the facts scored were counted from the record (after each scan); "
        "null when counted for this request, or locked",
    )
    rows: list[StandingRowOut]


class FiguresOut(Schema):
    at: dt.datetime = Field(description="The moment the figures describe")
    totals: dict[str, int] = Field(description="Open tasks, red and yellow lights")
    charts: list[dict[str, Any]] = Field(
        description="Each panel of the cockpit: id, title, and its ECharts options"
    )


class CloseRequestOut(Schema):
    id: int
    task_id: int
    summary: str
    state: str
    requested_at: dt.datetime
    decided_at: dt.datetime | None
    decision_comment: str
    final_progress: Decimal | None = Field(description="The progress recorded at closing")
    set_complete: bool = Field(description="The office set the progress to 100 % at closing")
    evidence: list[str] = Field(description="The evidence files' names")


class CloseDecisionIn(Schema):
    accept: bool
    comment: Text = ""
    set_complete: bool = Field(
        False,
        description=(
            "Closing records the progress the unit last reported; true sets it to 100 % instead"
        ),
    )
