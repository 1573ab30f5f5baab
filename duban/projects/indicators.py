"""Key indicators: the office defines them and sets annual targets per district
or park; the units report monthly actuals; progress is read against the target
and the time-proportional target with the same rule as investment."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.lib import investment, project_rules
from duban.lib.rules import Finding
from duban.org.models import Unit
from duban.org.scope import Actor, scope_of

from .models import Indicator, IndicatorActual, IndicatorTarget


@transaction.atomic
def indicator_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    measure: str,
    name_en: str = "",
    cumulative: bool = True,
    office: Unit | None = None,
) -> Indicator:
    """An indicator of ``office`` (by default the actor's own); codes are unique per office."""
    scope = scope_of(actor)
    office = scope.require_office(
        office or scope.office, _("Only the supervision office can define indicators.")
    )
    try:
        with transaction.atomic():
            return Indicator.objects.create(
                office=office,
                code=code.strip(),
                name=name.strip(),
                name_en=name_en.strip(),
                measure=measure.strip(),
                cumulative=cumulative,
            )
    except IntegrityError:
        raise ValidationError({"code": _("Another indicator has this code.")}) from None


def _as_stored(model: type[models.Model], name: str, value: Any) -> Decimal:
    """``value`` as the column ``name`` of ``model`` holds it (a finite number
    within its digits and decimal places), else the reason on ``name``: a
    figure of 1e309 or NaN is refused, not stored as a REAL no page can read."""
    field = cast(models.DecimalField, model._meta.get_field(name))
    try:
        return cast(Decimal, field.clean(value, None))
    except ValidationError as error:
        raise ValidationError({name: error.messages}) from None


@transaction.atomic
def target_set(
    *, actor: Actor, indicator: Indicator, unit: Unit, year: int, target: Decimal
) -> IndicatorTarget:
    scope = scope_of(actor)
    scope.require_manage(unit, _("Only the supervision office can set targets."))
    scope.require_manage(
        Indicator.objects.get(pk=indicator.pk).office,
        _("Only the supervision office can set targets."),
    )
    target = _as_stored(IndicatorTarget, "target", target)
    if target <= 0:
        raise ValidationError({"target": _("A target must be above zero.")})
    found, _created = IndicatorTarget.objects.update_or_create(
        indicator=indicator, unit=unit, year=year, defaults={"target": target}
    )
    return found


@transaction.atomic
def actual_report(
    *,
    actor: Actor,
    target: IndicatorTarget,
    month: int,
    value: Decimal,
    today: dt.date | None = None,
) -> IndicatorActual:
    """The unit's figure for one month (again: a correction)."""
    target = IndicatorTarget.objects.select_related("unit", "indicator").get(pk=target.pk)
    person = scope_of(actor).require_report_for(
        target.unit, _("Only a liaison of the unit can report its indicators.")
    )
    today = today or timezone.localdate()
    if not 1 <= month <= 12:
        raise ValidationError({"month": _("There is no month %(m)s.") % {"m": month}})
    if (target.year, month) > (today.year, today.month):
        raise ValidationError({"month": _("This month has not begun yet.")})
    value = _as_stored(IndicatorActual, "value", value)
    if value < 0 and target.indicator.cumulative:
        raise ValidationError(
            {"value": _("This indicator adds up over the year: no negative month.")}
        )
    actual, _created = IndicatorActual.objects.update_or_create(
        target=target,
        month=month,
        defaults={"value": value, "author": person, "submitted_at": timezone.now()},
    )
    return actual


CENT = Decimal("0.01")


@dataclass
class Progress:
    target: IndicatorTarget
    actual: Decimal | None  # year to date (cumulative) or the latest month
    months: int  # months reported
    rate: Decimal | None  # % of the annual target
    due: Decimal  # the time-proportional target
    rate_due: Decimal | None
    finding: Finding | None


def progress(targets: Any, today: dt.date, *, before: dt.datetime | None = None) -> list[Progress]:
    """Progress of many targets in three queries; with ``before``, from the
    figures reported before that moment only (the cockpit as of a past date)."""
    rows = list(
        targets.select_related("indicator", "unit").order_by("indicator__position", "unit__path")
    )
    ids = [t.pk for t in rows]
    reported = IndicatorActual.objects.filter(target_id__in=ids)
    if before is not None:
        reported = reported.filter(submitted_at__lt=before)
    sums: dict[int, Decimal] = {}
    counts: dict[int, int] = {}
    latest_month: dict[int, int] = {}
    for target_id, total, n, last in (
        reported.values("target")
        .annotate(s=Sum("value"), n=Count("id"), m=Max("month"))
        .values_list("target", "s", "n", "m")
    ):
        # To the field's cents: SQLite's SUM comes back as 2, PostgreSQL's as 2.00.
        sums[target_id] = Decimal(total).quantize(CENT)
        counts[target_id], latest_month[target_id] = n, last
    latest = {
        (target_id, month): value
        for target_id, month, value in reported.values_list("target_id", "month", "value")
        if latest_month.get(target_id) == month
    }
    found = []
    for t in rows:
        month = latest_month.get(t.pk)
        if month is None:
            actual = None
        elif t.indicator.cumulative:
            actual = sums[t.pk]
        else:
            actual = latest[(t.pk, month)]
        as_of = today if today.year == t.year else dt.date(t.year, 12, 31)
        due = investment.time_proportional_plan(t.target, t.year, as_of)
        finding = (
            project_rules.indicator_behind(t.target, actual, t.year, as_of)
            if actual is not None and t.indicator.cumulative
            else None
        )
        found.append(
            Progress(
                target=t,
                actual=actual,
                months=counts.get(t.pk, 0),
                rate=investment.percent(actual, t.target) if actual is not None else None,
                due=due,
                rate_due=investment.percent(actual, due) if actual is not None and due else None,
                finding=finding,
            )
        )
    return found
