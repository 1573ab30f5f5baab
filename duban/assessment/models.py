"""A quarter's assessment: the rules it uses, manual adjustments, and once
locked, the frozen scores."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.org.models import UnitKind


class Category(models.TextChoices):
    DEPARTMENTS = "departments", _("Departments")
    DISTRICTS = "districts", _("Districts and counties")
    PARKS = "parks", _("Parks")


CATEGORY_OF_KIND: dict[str, str] = {
    UnitKind.DEPARTMENT: Category.DEPARTMENTS,
    UnitKind.CENTER: Category.DEPARTMENTS,
    UnitKind.COMPANY: Category.DEPARTMENTS,
    UnitKind.OTHER: Category.DEPARTMENTS,
    UnitKind.DISTRICT: Category.DISTRICTS,
    UnitKind.PARK: Category.PARKS,
}


class Assessment(models.Model):
    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    quarter = models.CharField(_("quarter"), max_length=7)  # 2026Q3
    rules_version = models.CharField(_("rules version"), max_length=20)
    weights = models.JSONField(_("weights"), default=dict)
    locked_at = models.DateTimeField(_("locked"), null=True, blank=True)
    locked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-quarter"]
        constraints = [
            models.UniqueConstraint(fields=["office", "quarter"], name="one_assessment_per_quarter")
        ]
        verbose_name = _("quarterly assessment")
        verbose_name_plural = _("quarterly assessments")

    def __str__(self) -> str:
        return self.quarter

    @property
    def is_locked(self) -> bool:
        return self.locked_at is not None


class Adjustment(models.Model):
    """A bounded manual adjustment of one unit's score, with its reason."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="adjustments")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    points = models.DecimalField(_("points"), max_digits=4, decimal_places=1)
    reason = models.TextField(_("reason"))
    # No person: done by the system (duban.org.scope.SYSTEM).
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="one_adjustment_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.unit_id} {self.points}"


class LockedScore(models.Model):
    """A unit's score as it stood when the quarter was locked: later changes
    to the record do not move it."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="scores")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    category = models.CharField(max_length=12, choices=Category.choices)
    total = models.DecimalField(max_digits=4, decimal_places=1)
    rank = models.PositiveIntegerField()
    lines = models.JSONField(default=list)
    facts = models.JSONField(default=dict)

    class Meta:
        ordering = ["category", "rank", "unit_id"]
        constraints = [
            models.UniqueConstraint(fields=["assessment", "unit"], name="one_score_per_unit")
        ]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.unit_id} {self.total}"


class StandingSnapshot(models.Model):
    """The quarter's live standing as the scan last computed it, one per day
    (the day's last scan wins): the cockpit reads the ranking from here in one
    query instead of scoring every unit on each page, and "as of a date" reads
    the day's snapshot. ``rows`` holds [unit id, category, rank, total]."""

    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    quarter = models.CharField(max_length=7)
    day = models.DateField()
    taken_at = models.DateTimeField(default=timezone.now)
    rows = models.JSONField(default=list)

    class Meta:
        ordering = ["-day"]
        constraints = [
            models.UniqueConstraint(
                fields=["office", "quarter", "day"], name="one_snapshot_per_quarter_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.quarter} {self.day}"


class KeptFigures(models.Model):
    """Figures worked out from the record by the worker after each scan and
    kept for the pages to show (``duban.assessment.kept``), so that a
    province's page does not count 50,000 tasks' reports on every visit:
    every unit's facts of a quarter (the ranking), an office's draft monthly
    review. One row per ``key``, replaced by each count; ``form`` says the
    shape the figures were counted in (a row counted in another is not read)."""

    key = models.CharField(max_length=100, unique=True)
    as_of = models.DateField()  # the day the record was counted up to
    counted_at = models.DateTimeField()
    form = models.JSONField(default=list)
    data = models.JSONField(default=dict)

    class Meta:
        verbose_name_plural = "kept figures"

    def __str__(self) -> str:
        return f"{self.key} {self.counted_at:%Y-%m-%d %H:%M}"


class AssessmentEvent(models.Model):
    class Kind(models.TextChoices):
        LOCKED = "locked", _("Locked")
        REOPENED = "reopened", _("Reopened")
        ADJUSTED = "adjusted", _("Score adjusted")
        WEIGHTS = "weights", _("Weights changed")

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)
    note = models.TextField(blank=True)
    data = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.assessment_id} {self.kind}"


class MonthlyReview(models.Model):
    """The office's monthly review (月点评) of one month. Its figures are
    computed from the record until the office publishes it; publishing keeps
    them as they stood, with the remarks, for the units to read."""

    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.CharField(_("month"), max_length=7)  # 2026-11
    remarks = models.TextField(_("remarks"), blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    snapshot = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)
    # When the units were told of the publication (by the worker's fan-out,
    # which claims the row by setting this, so they are told once).
    announced_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-month"]
        constraints = [
            models.UniqueConstraint(fields=["office", "month"], name="one_review_per_month")
        ]
        verbose_name = _("monthly review")
        verbose_name_plural = _("monthly reviews")

    def __str__(self) -> str:
        return self.month

    @property
    def is_published(self) -> bool:
        return self.published_at is not None
