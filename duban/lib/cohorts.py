""" "Three batches" (三个一批) events, followed afterwards as cohorts.

At an event a province signs a batch of projects, starts a batch and puts a
batch into production. Each batch is then followed: how many of the signed
batch have started since, how many of the started batch are in production,
what they have invested, by park, district and industry. The rates leaders ask
for are computed here from stage dates, never typed.

Definitions (every rate is a percentage with one place, half up, exact, and
None when its batch is empty):

* A member has *reached* a stage by ``as_of`` when the stage, or any later
  one, is dated on or before ``as_of``: a project in production has started,
  even if its start was skipped (with a reason) and so has no date. The dates
  are the record: a move back that undoes a start clears ``started_on``.
* Fulfilment rate (履约率), of the signing batch: members that have started by
  ``as_of`` / members of the batch. Started, because a contract is fulfilled
  by building, not by signing it; a start dated before the event counts (the
  contract is being kept), and a member cancelled since still counts in the
  denominator: a cancelled contract is one not fulfilled.
* Start rate (开工率), of the start batch: members started by ``as_of`` /
  members of the batch. A project listed at a start event that has no start
  date is not counted as started: a ceremony is not a start.
* Production rate (投产率), of the production batch: members in production
  by ``as_of`` / members of the batch.
* For every batch the funnel is also given (signed, started, producing), so
  "how many of the start batch are in production" is ``start.producing`` and
  its share ``start.producing_rate``.

``paused`` and ``cancelled`` count members by their stage now (``stage_now``):
pauses and cancellations are not dated in a member, so a past view tells what
has become of its members since, not what they were on ``as_of``. Investment is
summed as given: pass the figures that belong to the view (planned investment
and investment completed up to ``as_of``).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_noop

from duban.lib import stages
from duban.lib.investment import ZERO, percent, wan

SIGN = "sign"
START = "start"
PRODUCE = "produce"
BATCHES: tuple[str, ...] = (SIGN, START, PRODUCE)

FULFILMENT = "fulfilment"
START_RATE = "start_rate"
PRODUCTION_RATE = "production_rate"
# The rate each batch is judged by.
RATE_OF: dict[str, str] = {SIGN: FULFILMENT, START: START_RATE, PRODUCE: PRODUCTION_RATE}

KEYS: tuple[str, ...] = ("park", "district", "industry")

MESSAGES: dict[str, str] = {
    # the batches
    "batch.sign": gettext_noop("signing batch"),
    "batch.start": gettext_noop("start batch"),
    "batch.produce": gettext_noop("production batch"),
    # the rates, and what each means
    "rate.fulfilment": gettext_noop("fulfilment rate"),
    "rate.start_rate": gettext_noop("start rate"),
    "rate.production_rate": gettext_noop("production rate"),
    "rate.fulfilment.help": gettext_noop(
        "Of the %(members)s projects signed at the event, the share started by %(as_of)s."
    ),
    "rate.start_rate.help": gettext_noop(
        "Of the %(members)s projects listed to start at the event, the share with a "
        "recorded start by %(as_of)s."
    ),
    "rate.production_rate.help": gettext_noop(
        "Of the %(members)s projects listed to go into production at the event, the share "
        "in production by %(as_of)s."
    ),
    # CohortError codes
    "unknown_batch": gettext_noop(
        "Project %(project_id)s: “%(batch)s” is not a batch (sign, start or produce)."
    ),
    "unknown_stage": gettext_noop("Project %(project_id)s: “%(stage)s” is not a project stage."),
    "unknown_key": gettext_noop(
        "“%(key)s” cannot be used to break down a batch (park, district or industry)."
    ),
    "duplicate_member": gettext_noop(
        "Project %(project_id)s is in the %(batch)s batch more than once."
    ),
    "negative_investment": gettext_noop(
        "Project %(project_id)s: an investment figure is negative (%(amount)s ten thousand yuan)."
    ),
    "dates_out_of_order": gettext_noop(
        "Project %(project_id)s: %(later)s on %(later_on)s is before %(earlier)s on %(earlier_on)s."
    ),
    "as_of_before_event": gettext_noop(
        "A batch cannot be followed on %(as_of)s, before its event on %(event_on)s."
    ),
}


class CohortError(ValueError):
    """Members or a view that cannot be counted: ``code`` (a key of
    :data:`MESSAGES`) and ``params`` for its message."""

    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code, params)
        self.code = code
        self.params: dict[str, Any] = params


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate."""
    return MESSAGES[code], params


@dataclass(frozen=True)
class Member:
    """A project in one batch of an event. Investment in yuan."""

    project_id: int
    batch: str
    stage_now: str
    signed_on: dt.date | None
    started_on: dt.date | None
    produced_on: dt.date | None
    park: str
    district: str
    industry: str
    planned_investment: Decimal
    completed_investment: Decimal

    def reached(self, stage: str, as_of: dt.date) -> bool:
        """Whether the stage, or a later one, is dated on or before ``as_of``."""
        dates = {
            stages.SIGNED: (self.signed_on, self.started_on, self.produced_on),
            stages.STARTED: (self.started_on, self.produced_on),
            stages.PRODUCING: (self.produced_on,),
        }[stage]
        return any(day is not None and day <= as_of for day in dates)


@dataclass(frozen=True)
class BatchFigures:
    """One batch, counted on ``as_of``. ``rate`` is the batch's own rate
    (``RATE_OF[batch]``): ``started_rate`` for the signing and start batches,
    ``producing_rate`` for the production batch. Investment in yuan."""

    batch: str
    members: int
    signed: int
    started: int
    producing: int
    paused: int
    cancelled: int
    started_rate: Decimal | None
    producing_rate: Decimal | None
    planned_investment: Decimal
    completed_investment: Decimal
    investment_rate: Decimal | None

    @property
    def rate_code(self) -> str:
        return RATE_OF[self.batch]

    @property
    def rate(self) -> Decimal | None:
        return self.producing_rate if self.batch == PRODUCE else self.started_rate


@dataclass(frozen=True)
class Cohort:
    """The three batches of one event, on ``as_of``."""

    event_on: dt.date
    as_of: dt.date
    sign: BatchFigures
    start: BatchFigures
    produce: BatchFigures

    def batch(self, name: str) -> BatchFigures:
        return {SIGN: self.sign, START: self.start, PRODUCE: self.produce}[name]

    @property
    def batches(self) -> tuple[BatchFigures, BatchFigures, BatchFigures]:
        return self.sign, self.start, self.produce


def follow(members: Iterable[Member], *, event_on: dt.date, as_of: dt.date) -> Cohort:
    """The three batches of the event held on ``event_on``, as they stood on ``as_of``.

    Worked example: 8 projects signed on 27 March; by 30 September 5 of them
    have started (one of those in production too), one was cancelled: the
    fulfilment rate is 5 / 8 = 62.5%, and 1 / 8 = 12.5% are in production.
    """
    if as_of < event_on:
        raise CohortError(
            "as_of_before_event", as_of=as_of.isoformat(), event_on=event_on.isoformat()
        )
    listed = list(members)
    _check(listed)
    figures = {
        name: _count(name, [m for m in listed if m.batch == name], as_of) for name in BATCHES
    }
    return Cohort(event_on, as_of, figures[SIGN], figures[START], figures[PRODUCE])


def by(
    members: Iterable[Member], key: str, *, event_on: dt.date, as_of: dt.date
) -> dict[str, Cohort]:
    """:func:`follow` for each park, district or industry (``key``), in name order.

    A group has all three batches, the empty ones with no members and no rates;
    the groups' counts and sums add up to the whole event's.
    """
    if key not in KEYS:
        raise CohortError("unknown_key", key=key)
    groups: dict[str, list[Member]] = {}
    for member in members:
        groups.setdefault(getattr(member, key), []).append(member)
    return {name: follow(groups[name], event_on=event_on, as_of=as_of) for name in sorted(groups)}


def _count(batch: str, members: list[Member], as_of: dt.date) -> BatchFigures:
    size = len(members)
    started = sum(m.reached(stages.STARTED, as_of) for m in members)
    producing = sum(m.reached(stages.PRODUCING, as_of) for m in members)
    planned = sum((m.planned_investment for m in members), ZERO)
    completed = sum((m.completed_investment for m in members), ZERO)
    return BatchFigures(
        batch=batch,
        members=size,
        signed=sum(m.reached(stages.SIGNED, as_of) for m in members),
        started=started,
        producing=producing,
        paused=sum(m.stage_now == stages.PAUSED for m in members),
        cancelled=sum(m.stage_now == stages.CANCELLED for m in members),
        started_rate=percent(started, size),
        producing_rate=percent(producing, size),
        planned_investment=planned,
        completed_investment=completed,
        investment_rate=percent(completed, planned),
    )


def _check(members: list[Member]) -> None:
    seen: set[tuple[int, str]] = set()
    for m in members:
        if m.batch not in BATCHES:
            raise CohortError("unknown_batch", project_id=m.project_id, batch=m.batch)
        if m.stage_now not in stages.STAGES:
            raise CohortError("unknown_stage", project_id=m.project_id, stage=m.stage_now)
        if (m.project_id, m.batch) in seen:
            raise CohortError("duplicate_member", project_id=m.project_id, batch=m.batch)
        seen.add((m.project_id, m.batch))
        for amount in (m.planned_investment, m.completed_investment):
            if amount < 0:
                raise CohortError(
                    "negative_investment", project_id=m.project_id, amount=str(wan(amount))
                )
        dated = [
            (stage, day)
            for stage, day in (
                (stages.SIGNED, m.signed_on),
                (stages.STARTED, m.started_on),
                (stages.PRODUCING, m.produced_on),
            )
            if day is not None
        ]
        for (earlier, earlier_on), (later, later_on) in itertools.pairwise(dated):
            if later_on < earlier_on:
                raise CohortError(
                    "dates_out_of_order",
                    project_id=m.project_id,
                    earlier=earlier,
                    earlier_on=earlier_on.isoformat(),
                    later=later,
                    later_on=later_on.isoformat(),
                )
