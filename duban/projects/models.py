"""Key projects from signing to production, their investment, the "three
batches" events, the problems they raise, and the key indicators."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

# Money is stored in yuan (Decimal, 2 places) and shown in 万元.


class Industry(models.Model):
    """A managed list (hydrogen, robots, biomedicine, ...), seeded by a migration."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50, unique=True)
    name_en = models.CharField(_("English name"), max_length=80, blank=True)
    aliases = models.TextField(_("aliases"), blank=True, help_text=_("One per line."))
    position = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = _("industry")
        verbose_name_plural = _("industries")

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class Level(models.TextChoices):
    PROVINCIAL = "provincial", _("Provincial key project")
    MUNICIPAL = "municipal", _("Municipal key project")
    ZONE = "zone", _("Zone key project")
    RESERVE = "reserve", _("Reserve project")


class Stage(models.TextChoices):
    RESERVE = "reserve", _("Reserve")
    SIGNED = "signed", _("Signed")
    STARTED = "started", _("Started")
    PRODUCING = "producing", _("In production")
    CAPACITY = "capacity", _("At design capacity")
    PAUSED = "paused", _("Paused")
    CANCELLED = "cancelled", _("Cancelled")


class Project(models.Model):
    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("English name"), max_length=250, blank=True)
    level = models.CharField(_("level"), max_length=12, choices=Level.choices, default=Level.ZONE)
    industry = models.ForeignKey(
        Industry, on_delete=models.PROTECT, related_name="projects", verbose_name=_("industry")
    )
    chain = models.CharField(_("industrial chain"), max_length=100, blank=True)
    chain_owner = models.BooleanField(_("investor is a chain-owner enterprise"), default=False)
    investor = models.CharField(_("investor enterprise"), max_length=200)
    park = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="park_projects",
        verbose_name=_("park"),
    )
    district = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="district_projects",
        verbose_name=_("district or county"),
    )
    unit = models.ForeignKey(
        "org.Unit",
        on_delete=models.PROTECT,
        related_name="projects",
        verbose_name=_("responsible unit"),
    )
    leader = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="projects",
        verbose_name=_("responsible leader"),
    )
    total_investment = models.DecimalField(
        _("total investment (yuan)"), max_digits=16, decimal_places=2
    )
    construction_start = models.DateField(_("construction from"), null=True, blank=True)
    construction_end = models.DateField(_("construction until"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    stage = models.CharField(
        _("stage"), max_length=12, choices=Stage.choices, default=Stage.RESERVE
    )
    stage_on = models.DateField(_("in this stage since"), null=True, blank=True)
    paused_from = models.CharField(max_length=12, choices=Stage.choices, blank=True)
    planned_sign = models.DateField(_("planned signing"), null=True, blank=True)
    planned_start = models.DateField(_("planned start"), null=True, blank=True)
    planned_production = models.DateField(_("planned production"), null=True, blank=True)
    planned_capacity = models.DateField(_("planned design capacity"), null=True, blank=True)
    signed_on = models.DateField(_("signed"), null=True, blank=True)
    started_on = models.DateField(_("started"), null=True, blank=True)
    produced_on = models.DateField(_("in production"), null=True, blank=True)
    capacity_on = models.DateField(_("at design capacity"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    version = models.PositiveIntegerField(default=1)
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        indexes = [
            models.Index(fields=["stage"]),
            models.Index(fields=["unit", "stage"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(total_investment__gte=0), name="project_investment_not_negative"
            )
        ]

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class StageMove(models.Model):
    class Kind(models.TextChoices):
        FORWARD = "forward", _("Forward")
        SKIP = "skip", _("Skipped a stage")
        BACKWARD = "backward", _("Backward")
        PAUSE = "pause", _("Paused")
        RESUME = "resume", _("Resumed")
        CANCEL = "cancel", _("Cancelled")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="moves")
    from_stage = models.CharField(max_length=12, choices=Stage.choices)
    to_stage = models.CharField(max_length=12, choices=Stage.choices)
    kind = models.CharField(max_length=10, choices=Kind.choices)
    on = models.DateField(_("date"))
    reason = models.TextField(_("reason"), blank=True)
    evidence = models.FileField(_("evidence"), upload_to="projects/%Y/%m/", blank=True)
    evidence_name = models.CharField(max_length=255, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-on", "-at", "-id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.from_stage}→{self.to_stage}"


class InvestmentPlan(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="plans")
    year = models.PositiveSmallIntegerField(_("year"))
    amount = models.DecimalField(_("planned investment (yuan)"), max_digits=16, decimal_places=2)
    # The months the year's investment is planned over (a project may start or
    # finish within the year): the time-proportional plan follows them.
    first_month = models.PositiveSmallIntegerField(default=1)
    last_month = models.PositiveSmallIntegerField(default=12)

    class Meta:
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(fields=["project", "year"], name="one_plan_per_project_year"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="plan_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}"


class ReportState(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class InvestmentReport(models.Model):
    """The responsible unit's monthly figure: completed this month, and the
    year to date (kept, so a correction of an earlier month shows)."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="reports")
    year = models.PositiveSmallIntegerField()
    month = models.PositiveSmallIntegerField()
    amount = models.DecimalField(_("completed this month (yuan)"), max_digits=16, decimal_places=2)
    year_to_date = models.DecimalField(
        _("completed this year (yuan)"), max_digits=16, decimal_places=2
    )
    note = models.TextField(_("note"), blank=True)
    state = models.CharField(
        max_length=10, choices=ReportState.choices, default=ReportState.SUBMITTED
    )
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="+")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_comment = models.TextField(blank=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["-year", "-month"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "year", "month"], name="one_investment_report_per_month"
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0), name="investment_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(month__gte=1) & models.Q(month__lte=12),
                name="investment_month_1_12",
            ),
        ]
        indexes = [models.Index(fields=["year", "month"])]

    def __str__(self) -> str:
        return f"{self.project_id} {self.year}-{self.month:02d}"


class BatchEvent(models.Model):
    """A "three batches" event (三个一批): projects signed, started and put into
    production together, then followed as cohorts."""

    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    name = models.CharField(_("name"), max_length=200)
    date = models.DateField(_("date"))
    venue = models.CharField(_("venue"), max_length=200, blank=True)

    class Meta:
        ordering = ["-date"]
        verbose_name = _("three batches event")
        verbose_name_plural = _("three batches events")

    def __str__(self) -> str:
        return self.name


class Batch(models.TextChoices):
    SIGN = "sign", _("Signing batch")
    START = "start", _("Start batch")
    PRODUCE = "produce", _("Production batch")


class BatchEntry(models.Model):
    event = models.ForeignKey(BatchEvent, on_delete=models.CASCADE, related_name="entries")
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="batches")
    batch = models.CharField(_("batch"), max_length=10, choices=Batch.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event", "project"], name="one_batch_per_event")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.project_id} {self.batch}"


class ProblemKind(models.TextChoices):
    LAND = "land", _("Land")
    PERMITS = "permits", _("Permits and approvals")
    POWER = "power", _("Power")
    WATER = "water", _("Water and gas")
    FUNDING = "funding", _("Funding")
    LABOUR = "labour", _("Labour")
    OTHER = "other", _("Other")


class Problem(models.Model):
    """A problem a project raised, often at an on-site office meeting; it is
    solved as a task of the weekly loop (and warned about like one)."""

    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="problems")
    task = models.OneToOneField("work.Task", on_delete=models.PROTECT, related_name="problem")
    kind = models.CharField(_("kind"), max_length=10, choices=ProblemKind.choices)

    def __str__(self) -> str:
        return f"{self.project_id} {self.kind}"


class Indicator(models.Model):
    """A key indicator (fixed-asset investment, industrial output, R&D spending, ...)."""

    # The office this belongs to (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )
    code = models.SlugField(_("code"), max_length=40)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    measure = models.CharField(_("unit of measure"), max_length=20)  # 万元, 家, %
    cumulative = models.BooleanField(
        _("actuals add up over the year"),
        default=True,
        help_text=_("Investment and output add up; a count of enterprises or a rate does not."),
    )
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["office", "code"], name="indicator_code_per_office")
        ]
        verbose_name = _("key indicator")
        verbose_name_plural = _("key indicators")

    def __str__(self) -> str:
        return self.name_en if get_language() == "en" and self.name_en else self.name


class IndicatorTarget(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="indicator_targets")
    year = models.PositiveSmallIntegerField(_("year"))
    target = models.DecimalField(_("annual target"), max_digits=16, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "unit", "year"], name="one_target_per_unit_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id} {self.unit_id} {self.year}"


class IndicatorActual(models.Model):
    target = models.ForeignKey(IndicatorTarget, on_delete=models.CASCADE, related_name="actuals")
    month = models.PositiveSmallIntegerField()
    value = models.DecimalField(_("value this month"), max_digits=16, decimal_places=2)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["month"]
        constraints = [
            models.UniqueConstraint(fields=["target", "month"], name="one_actual_per_month"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1) & models.Q(month__lte=12),
                name="indicator_month_1_12",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.target_id} {self.month}"


class ProjectWarning(models.Model):
    """A project rule firing (duban/lib/project_rules.py), from raised to cleared;
    at most one active per project and rule. Problems raised as tasks are
    warned about through their tasks' own warnings."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="warnings")
    rule = models.CharField(max_length=30)
    level = models.PositiveSmallIntegerField()
    facts = models.JSONField(default=dict)
    raised_at = models.DateTimeField(default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-level", "raised_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["project", "rule"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_active_warning_per_project_and_rule",
            )
        ]

    def __str__(self) -> str:
        return f"{self.project_id} {self.rule} {self.level}"
