"""The quarter's standing (live while open, frozen once locked) and the
office's writes: adjust a score, change weights, lock, reopen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Case, Exists, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.audit import log as audit
from duban.lib import periods
from duban.org.models import Unit
from duban.org.scope import Actor, all_offices, office_members, person_of, scope_of
from duban.work.models import Task

from . import kept, scoring
from .facts import quarter_facts
from .models import (
    CATEGORY_OF_KIND,
    Adjustment,
    Assessment,
    AssessmentEvent,
    Category,
    LockedScore,
    MonthlyReview,
    StandingSnapshot,
)
from .review import month_review


@dataclass(eq=False)
class Row:
    unit_id: int
    path: str  # the unit's place in the tree: equal totals in its order
    category: str
    total: Decimal
    rank: int
    adjustment: Adjustment | None = None
    # Scored here: the score and the facts it came from, said as data
    # (``lines``, ``facts``) only for the rows something shows; locked: the
    # lines and facts frozen with it.
    score: scoring.Score | None = None
    counted: scoring.Facts | None = None
    frozen_lines: list[dict[str, Any]] | None = None
    frozen_facts: dict[str, int] | None = None
    # Loaded for the rows shown (``with_units``): a province ranks 5,000
    # units and a page shows thirty of them.
    loaded: Unit | None = None

    @property
    def unit(self) -> Unit:
        if self.loaded is None:
            raise LookupError("the row's unit is not loaded: see services.with_units")
        return self.loaded

    @cached_property
    def lines(self) -> list[dict[str, Any]]:
        return self.score.lines_as_data() if self.score else list(self.frozen_lines or [])

    @cached_property
    def facts(self) -> dict[str, int]:
        return dict(self.counted.__dict__) if self.counted else dict(self.frozen_facts or {})


def with_units(rows: list[Row]) -> list[Row]:
    """``rows`` with their units, in one read (for the rows a page, a file or
    an answer shows)."""
    units = Unit.objects.in_bulk([row.unit_id for row in rows if row.loaded is None])
    for row in rows:
        row.loaded = row.loaded or units[row.unit_id]
    return rows


@dataclass
class Standing:
    assessment: Assessment
    quarter: periods.Quarter
    as_of: dt.date
    weights: scoring.Weights
    by_category: dict[str, list[Row]] = field(default_factory=dict)
    # When the facts scored were counted (``counted_facts``): None when
    # counted for this page, or frozen by the lock.
    counted_at: dt.datetime | None = None
    # Units asked nothing in the quarter (no task due, no report owed or
    # reviewed, no deduction): listed, not ranked (ids, in the tree's order;
    # ``idle_units`` loads the first few).
    idle: list[int] = field(default_factory=list)

    @property
    def rows(self) -> list[Row]:
        return [row for rows in self.by_category.values() for row in rows]

    def idle_units(self, first: int) -> list[Unit]:
        """The first ``first`` of the units not ranked."""
        units = Unit.objects.in_bulk(self.idle[:first])
        return [units[pk] for pk in self.idle[:first]]


def assessment_for(quarter: periods.Quarter, office: Unit) -> Assessment:
    """The office's assessment of the quarter; before anyone wrote to it, an
    unsaved one with the current rules (reading never writes)."""
    found = Assessment.objects.filter(office=office, quarter=quarter.label).first()
    return found or Assessment(
        office=office,
        quarter=quarter.label,
        rules_version=scoring.CURRENT,
        weights=scoring.RULES[scoring.CURRENT].__dict__,
    )


def _for_update(quarter: periods.Quarter, office: Unit) -> Assessment:
    """The office's record of the quarter, created on first write, locked for
    this transaction."""
    try:
        with transaction.atomic():
            Assessment.objects.get_or_create(
                office=office,
                quarter=quarter.label,
                defaults={
                    "rules_version": scoring.CURRENT,
                    "weights": scoring.RULES[scoring.CURRENT].__dict__,
                },
            )
    except IntegrityError:  # created by someone else at the same moment
        pass
    return Assessment.objects.select_for_update().get(office=office, quarter=quarter.label)


def assessed_units(office: Unit) -> list[tuple[int, str, str]]:
    """The units an office ranks: those it supervises
    (duban.org.scope.office_members), as (id, kind, path) in the tree's order."""
    return list(
        office_members(office)
        .filter(kind__in=list(CATEGORY_OF_KIND), is_active=True)
        .order_by("path")
        .values_list("pk", "kind", "path")
    )


# Facts' fields, in the order the kept count stores them.
FACT_FIELDS = list(scoring.Facts.__dataclass_fields__)


def _facts_key(quarter: periods.Quarter) -> str:
    return f"facts {quarter.label}"


def count_facts(
    quarter: periods.Quarter, today: dt.date, *, keep: bool = True
) -> dict[int, scoring.Facts]:
    """Every unit's facts of the quarter as of ``today``, counted from the
    record now; with ``keep``, kept (``duban.assessment.kept``) for the pages
    to score from when ``today`` is today."""
    counted = quarter_facts(quarter, today)
    if keep:
        kept.keep(
            _facts_key(quarter),
            today,
            FACT_FIELDS,
            {
                str(unit_id): [getattr(facts, name) for name in FACT_FIELDS]
                for unit_id, facts in counted.items()
            },
        )
    return counted


def counted_facts(
    quarter: periods.Quarter, today: dt.date
) -> tuple[dict[int, scoring.Facts], dt.datetime | None]:
    """Every unit's facts of the quarter as of ``today`` and when they were
    counted: as the worker last counted them (after each scan) while fresh
    (``kept.kept``); else counted now, for this reader only (the second item
    None)."""
    found = kept.kept(_facts_key(quarter), today, FACT_FIELDS)
    if found is None:
        return count_facts(quarter, today, keep=False), None  # reading never writes
    units, counted_at = found
    return {int(unit_id): scoring.Facts(*values) for unit_id, values in units.items()}, counted_at


def standing(
    quarter: periods.Quarter,
    office: Unit,
    *,
    as_of: dt.date | None = None,
    counted: dict[int, scoring.Facts] | None = None,
    live: bool = False,
) -> Standing:
    """The office's ranking of the quarter: frozen once locked, else scored
    from every unit's facts: ``counted`` when given (worked out already for
    another office), else as last counted (``counted_facts``), or counted
    now with ``live`` (the lock)."""
    assessment = assessment_for(quarter, office)
    weights = scoring.Weights.from_dict(assessment.weights)
    today = as_of or timezone.localdate()
    result = Standing(assessment, quarter, min(today, quarter.end), weights)
    adjustments = {a.unit_id: a for a in assessment.adjustments.all()} if assessment.pk else {}
    by_category: dict[str, list[Row]] = {category: [] for category in Category.values}
    if assessment.is_locked:
        for locked in assessment.scores.select_related("unit"):
            by_category.setdefault(locked.category, []).append(
                Row(
                    locked.unit_id,
                    locked.unit.path,
                    locked.category,
                    locked.total,
                    locked.rank,
                    adjustments.get(locked.unit_id),
                    frozen_lines=locked.lines,
                    frozen_facts=locked.facts,
                    loaded=locked.unit,
                )
            )
        result.as_of = timezone.localdate(assessment.locked_at)
    else:
        if counted is None:
            if live:
                counted = count_facts(quarter, today, keep=False)
            else:
                counted, result.counted_at = counted_facts(quarter, today)
        nothing = scoring.Facts()
        for unit_id, kind, path in assessed_units(office):
            facts = counted.get(unit_id, nothing)
            adjustment = adjustments.get(unit_id)
            if adjustment is None:
                if facts == nothing:
                    result.idle.append(unit_id)
                    continue
                score = scoring.score(facts, weights)
            else:
                score = scoring.score(facts, weights, adjustment.points)
            category = CATEGORY_OF_KIND[kind]
            by_category[category].append(
                Row(unit_id, path, category, score.total, 0, adjustment, score=score, counted=facts)
            )
        for group in by_category.values():
            places = scoring.rank([(row, row.total) for row in group])
            for row in group:
                row.rank = places[row]
    for category, group in by_category.items():
        if group:
            result.by_category[category] = sorted(group, key=lambda r: (r.rank, r.path))
    return result


def snapshot(*, today: dt.date | None = None) -> list[StandingSnapshot]:
    """Record today's standing of the current quarter, for every office (the
    scan calls this after each run; the day's last run wins)."""
    today = today or timezone.localdate()
    quarter = periods.quarter_containing(today)
    taken = []
    counted = count_facts(quarter, today)  # every unit's, once for all the offices
    offices = list(all_offices())
    # The last quarter's too, while an office has not locked it (its ranking
    # page shows that quarter until then).
    last = quarter.previous()
    if Assessment.objects.filter(
        office__in=offices, quarter=last.label, locked_at__isnull=False
    ).count() < len(offices):
        count_facts(last, today)
    for office in offices:
        result = standing(quarter, office, as_of=today, counted=counted)
        rows = [[r.unit_id, r.category, r.rank, str(r.total)] for r in result.rows]
        found, _created = StandingSnapshot.objects.update_or_create(
            office=office,
            quarter=quarter.label,
            day=today,
            defaults={"rows": rows, "taken_at": timezone.now()},
        )
        taken.append(found)
    return taken


def ranked_quarter(day: dt.date, office: Unit | None) -> periods.Quarter:
    """The quarter an office's ranking shows on ``day``, the one definition the
    assessment page and the cockpit share (``ranking_on``)."""
    if office is None:
        return periods.quarter_containing(day).previous()
    return ranking_on(day, office)[0]


def ranking_on(day: dt.date, office: Unit) -> tuple[periods.Quarter, StandingSnapshot | None]:
    """The quarter the office's ranking shows on ``day`` and its standing as
    recorded on or before ``day``, in one query.

    The quarter is the last ended one, which the office still scores and
    locks, until it is locked (by ``day``); then the current one, so far. An
    office with nothing recorded for the last quarter (a new installation)
    sees the current one at once."""
    current = periods.quarter_containing(day)
    last = current.previous()
    next_day = dt.datetime.combine(day + dt.timedelta(days=1), dt.time())
    locked = Exists(
        Assessment.objects.filter(
            office=office,
            quarter=last.label,
            locked_at__lt=timezone.make_aware(next_day),
        )
    )
    found = (
        StandingSnapshot.objects.filter(
            office=office, quarter__in=[last.label, current.label], day__lte=day
        )
        .annotate(locked=locked)
        .annotate(
            preferred=Case(
                When(locked=True, quarter=current.label, then=Value(0)),
                When(locked=False, quarter=last.label, then=Value(0)),
                default=Value(1),
            )
        )
        .order_by("preferred", "-day")
        .first()
    )
    if found is None:
        return current, None
    if found.preferred == 0:  # type: ignore[attr-defined]
        return (current if found.quarter == current.label else last), found
    # The quarter it should show has nothing recorded: the current one, so far
    # (after the lock, or before any scan of the last quarter).
    return current, (found if found.quarter == current.label else None)


def _require_office(actor: Actor, office: Unit) -> None:
    """Each office keeps its own assessment: changing it needs a scope over that office."""
    scope_of(actor).require_manage(
        office, _("Only the supervision office can change the assessment.")
    )


def _require_open(assessment: Assessment) -> None:
    if assessment.is_locked:
        raise ValidationError(_("This quarter is locked; reopen it first."))


@transaction.atomic
def adjustment_set(
    *,
    actor: Actor,
    quarter: periods.Quarter,
    office: Unit,
    unit: Unit,
    points: Any,
    reason: str,
) -> Adjustment | None:
    """Set (or, with 0 points, remove) a unit's manual adjustment in the office's ranking."""
    _require_office(actor, office)
    if not office_members(office).filter(pk=unit.pk).exists():
        raise scope_of(actor).outside(unit)
    assessment = _for_update(quarter, office)
    _require_open(assessment)
    weights = scoring.Weights.from_dict(assessment.weights)
    try:
        value = Decimal(str(points).strip()).quantize(scoring.ONE_PLACE)
        if not value.is_finite():  # "NaN" quantizes to NaN, and NaN compares to nothing
            raise ValueError(points)
    except (InvalidOperation, ValueError):
        raise ValidationError({"points": _("Enter a number, such as 2 or -1.5.")}) from None
    if abs(value) > weights.adjustment_limit:
        raise ValidationError(
            {
                "points": _("An adjustment is between -%(n)s and %(n)s points.")
                % {"n": weights.adjustment_limit}
            }
        )
    reason = (reason or "").strip()
    if value and not reason:
        raise ValidationError({"reason": _("Give the reason for the adjustment.")})
    if unit.kind not in CATEGORY_OF_KIND:
        raise ValidationError(_("This unit is not assessed."))
    Adjustment.objects.filter(assessment=assessment, unit=unit).delete()
    adjustment = None
    if value:
        adjustment = Adjustment.objects.create(
            assessment=assessment, unit=unit, points=value, reason=reason, by=person_of(actor)
        )
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.ADJUSTED,
        actor=person_of(actor),
        note=reason,
        data={"unit": unit.pk, "unit_name": unit.name, "points": str(value)},
    )
    return adjustment


@transaction.atomic
def weights_set(
    *, actor: Actor, quarter: periods.Quarter, office: Unit, weights: dict[str, Any]
) -> Assessment:
    _require_office(actor, office)
    assessment = _for_update(quarter, office)
    _require_open(assessment)
    try:
        checked = scoring.Weights.from_dict(weights)
    except ValueError as error:
        raise ValidationError(
            _("These weights cannot be used: %(detail)s") % {"detail": error}
        ) from None
    before = assessment.weights
    assessment.weights = checked.__dict__
    assessment.rules_version = (
        f"{scoring.CURRENT}+custom"
        if checked != scoring.RULES[scoring.CURRENT]
        else scoring.CURRENT
    )
    assessment.save(update_fields=["weights", "rules_version"])
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.WEIGHTS,
        actor=person_of(actor),
        data={"before": before, "after": assessment.weights},
    )
    return assessment


@transaction.atomic
def lock(
    *,
    actor: Actor,
    quarter: periods.Quarter,
    office: Unit,
    as_of: dt.date | None = None,
    request: Any = None,
) -> Assessment:
    """Freeze the office's scores of the quarter as they stand now (recorded
    in the security audit log too)."""
    _require_office(actor, office)
    assessment = _for_update(quarter, office)
    _require_open(assessment)
    today = as_of or timezone.localdate()
    if today <= quarter.end:
        raise ValidationError(_("A quarter can be locked once it has ended."))
    current = standing(quarter, office, as_of=today, live=True)
    LockedScore.objects.bulk_create(
        LockedScore(
            assessment=assessment,
            unit_id=row.unit_id,
            category=row.category,
            total=row.total,
            rank=row.rank,
            lines=row.lines,
            facts=row.facts,
        )
        for row in current.rows
    )
    assessment.locked_at, assessment.locked_by = timezone.now(), person_of(actor)
    assessment.save(update_fields=["locked_at", "locked_by"])
    AssessmentEvent.objects.create(
        assessment=assessment, kind=AssessmentEvent.Kind.LOCKED, actor=person_of(actor)
    )
    audit.record(
        "assessment.locked",
        request=request,
        actor=actor,
        target=assessment,
        quarter=quarter.label,
        office=office.pk,
        scores=len(current.rows),
    )
    return assessment


def recount(*, actor: Actor, quarter: periods.Quarter, office: Unit) -> None:
    """Count the quarter's facts from the record now, for the ranking pages
    (the office's "count now"; the worker does it after each scan). The
    facts are every unit's, so any office may; nothing of a locked quarter moves."""
    _require_office(actor, office)
    today = timezone.localdate()
    if quarter.start > today:
        raise ValidationError(_("This quarter has not begun."))
    count_facts(quarter, today)


@transaction.atomic
def reopen(
    *, actor: Actor, quarter: periods.Quarter, office: Unit, reason: str, request: Any = None
) -> Assessment:
    _require_office(actor, office)
    assessment = _for_update(quarter, office)
    if not assessment.is_locked:
        raise ValidationError(_("This quarter is not locked."))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the quarter is reopened.")})
    frozen = [
        {"unit": s.unit_id, "total": str(s.total), "rank": s.rank} for s in assessment.scores.all()
    ]
    assessment.scores.all().delete()
    assessment.locked_at, assessment.locked_by = None, None
    assessment.save(update_fields=["locked_at", "locked_by"])
    AssessmentEvent.objects.create(
        assessment=assessment,
        kind=AssessmentEvent.Kind.REOPENED,
        actor=person_of(actor),
        note=reason,
        data={"scores_when_locked": frozen},
    )
    audit.record(
        "assessment.reopened",
        request=request,
        actor=actor,
        target=assessment,
        quarter=quarter.label,
        office=office.pk,
        scores=len(frozen),
        reason=reason[:200],
    )
    return assessment


# --- the monthly review ------------------------------------------------------------------


def review_for(month: periods.Period, office: Unit) -> MonthlyReview:
    """The office's review of the month, or an unsaved empty one (reading never writes)."""
    found = MonthlyReview.objects.filter(office=office, month=month.label).first()
    return found or MonthlyReview(office=office, month=month.label)


def _review_for_update(month: periods.Period, office: Unit) -> MonthlyReview:
    try:
        with transaction.atomic():
            MonthlyReview.objects.get_or_create(office=office, month=month.label)
    except IntegrityError:
        pass
    return MonthlyReview.objects.select_for_update().get(office=office, month=month.label)


def office_tasks(office: Unit) -> Any:
    """The ids of the tasks an office's review counts: those led by its units."""
    return Task.objects.filter(lead_unit__in=office_members(office)).values("pk")


# The sections of a monthly review's figures (``review.month_review``) and
# their version: a draft kept in another form is counted again.
REVIEW_FORM = ["finished", "warned", "overdue", "progress", "instructions", 1]


def _review_key(month: periods.Period, office: Unit) -> str:
    return f"review {office.pk} {month.label}"


def count_review(month: periods.Period, office: Unit, *, keep: bool = True) -> dict[str, Any]:
    """The office's figures of the month counted from the record now; with
    ``keep``, kept (``duban.assessment.kept``) for its draft review's page."""
    figures = month_review(month, office_tasks(office))
    if keep:
        kept.keep(_review_key(month, office), timezone.localdate(), REVIEW_FORM, figures)
    return figures


def review_figures(
    review: MonthlyReview, month: periods.Period
) -> tuple[dict[str, Any], dt.datetime | None]:
    """What the office's review of the month shows and when it was counted:
    once published, the figures frozen then; before, the draft as the worker
    last counted it (after each scan) while fresh, else counted now for this
    reader (the second item None; reading never writes)."""
    if review.is_published:
        return review.snapshot, review.published_at
    found = kept.kept(_review_key(month, review.office), timezone.localdate(), REVIEW_FORM)
    if found is None:
        return count_review(month, review.office, keep=False), None
    return found


def reviews_to_count(today: dt.date) -> list[tuple[periods.Period, Unit]]:
    """The drafts the worker keeps counted: every office's review of this
    month and, until the office publishes it, of the last."""
    month = periods.period_containing(today, periods.MONTHLY)
    last = month.previous()
    published = set(
        MonthlyReview.objects.filter(month=last.label, published_at__isnull=False).values_list(
            "office_id", flat=True
        )
    )
    found = []
    for office in all_offices():
        found.append((month, office))
        if office.pk not in published:
            found.append((last, office))
    return found


def keep_reviews(*, today: dt.date | None = None) -> int:
    """Count and keep the drafts of ``reviews_to_count`` (the worker, after
    each scan; nothing for a past day, which keeps nothing). How many."""
    if today not in (None, timezone.localdate()):
        return 0
    drafts = reviews_to_count(timezone.localdate())
    for month, office in drafts:
        count_review(month, office)
    return len(drafts)


def recount_review(*, actor: Actor, month: periods.Period, office: Unit) -> None:
    """Count the office's draft review of the month from the record now (the
    office's "count now"; the worker does it after each scan)."""
    scope_of(actor).require_manage(
        office, _("Only the supervision office can write the monthly review.")
    )
    if month.start > timezone.localdate():
        raise ValidationError(_("This month has not begun."))
    if review_for(month, office).is_published:
        raise ValidationError(_("This month's review is published: its figures no longer change."))
    count_review(month, office)


@transaction.atomic
def review_save(
    *, actor: Actor, month: periods.Period, office: Unit, remarks: str, publish: bool = False
) -> MonthlyReview:
    """Save the office's remarks; with `publish`, freeze the figures as they
    stand and tell the units (publishing again replaces the published text)."""
    scope_of(actor).require_manage(
        office, _("Only the supervision office can write the monthly review.")
    )
    if publish and month.end >= timezone.localdate():
        raise ValidationError(_("A month's review can be published once the month has ended."))
    remarks = (remarks or "").strip()
    if publish and not remarks:
        raise ValidationError({"remarks": _("Write the office's remarks before publishing.")})
    review = _review_for_update(month, office)
    review.remarks = remarks
    review.updated_at = timezone.now()
    fields = ["remarks", "updated_at"]
    if publish:
        review.snapshot = month_review(month, office_tasks(office))
        review.published_at, review.published_by = timezone.now(), person_of(actor)
        fields += ["snapshot", "published_at", "published_by"]
    # The units are told by the worker, which claims the published review once
    # (``announced_at``): publishing again replaces the text, not the message.
    review.save(update_fields=fields)
    return review
