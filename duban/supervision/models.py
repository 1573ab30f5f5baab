"""Warnings raised by the scan, each with the facts that explain it, and their history."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from duban.lib import rules


class Level(models.IntegerChoices):
    REMINDER = rules.REMINDER, _("Reminder")
    YELLOW = rules.YELLOW, _("Yellow")
    NOTICE = rules.NOTICE, _("Supervision notice")
    RED = rules.RED, _("Red")


class Rule(models.TextChoices):
    INACTION_REPORT = rules.INACTION_REPORT, _("Inaction: report not filed")
    INACTION_CLAIM = rules.INACTION_CLAIM, _("Inaction: task not claimed")
    SLOW = rules.SLOW, _("Slow action: behind schedule")
    NEAR_DUE = rules.NEAR_DUE, _("Deadline near")
    OVERDUE = rules.OVERDUE, _("Overdue")
    POSTPONED = rules.POSTPONED, _("Repeated postponement")
    FORMALISM = rules.FORMALISM, _("Formalism: report repeats the last one")
    NOTICE_OPEN = rules.NOTICE_OPEN, _("Supervision notice not answered")


class TaskWarning(models.Model):
    """One rule firing on one task, from when it was raised until it clears.
    At most one active warning per task and rule (the database enforces it,
    so two scans at once cannot raise the same warning twice)."""

    task = models.ForeignKey("work.Task", on_delete=models.PROTECT, related_name="warnings")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="warnings")
    rule = models.CharField(_("rule"), max_length=30, choices=Rule.choices)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices)
    facts = models.JSONField(default=dict)
    raised_at = models.DateTimeField(_("raised"), default=timezone.now)
    changed_at = models.DateTimeField(default=timezone.now)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True, db_index=True)
    # Withdrawn on appeal: it keeps its place (the scan does not raise it again
    # while the condition lasts) but counts nowhere: lights, boards, rankings.
    withdrawn_at = models.DateTimeField(_("withdrawn"), null=True, blank=True)

    class Meta:
        ordering = ["-level", "raised_at", "id"]
        verbose_name = _("warning")
        verbose_name_plural = _("warnings")
        constraints = [
            models.UniqueConstraint(
                fields=["task", "rule"],
                condition=models.Q(cleared_at__isnull=True),
                name="one_active_warning_per_task_and_rule",
            )
        ]
        indexes = [models.Index(fields=["unit", "cleared_at"])]

    def __str__(self) -> str:
        return f"{self.task_id} {self.rule} {self.level}"

    @property
    def is_active(self) -> bool:
        return self.cleared_at is None


class WarningEvent(models.Model):
    class Kind(models.TextChoices):
        RAISED = "raised", _("Raised")
        ESCALATED = "escalated", _("Escalated")
        EASED = "eased", _("Eased")
        CLEARED = "cleared", _("Cleared")
        WITHDRAWN = "withdrawn", _("Withdrawn on appeal")

    warning = models.ForeignKey(TaskWarning, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    level = models.PositiveSmallIntegerField(choices=Level.choices)
    facts = models.JSONField(default=dict)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.at:%Y-%m-%d}"


class SupervisionNotice(models.Model):
    """A supervision notice (督办单): the office asks the lead unit for a written
    answer by a date. Unanswered, it is a warning at the notice level; past its
    date, red (the scan applies both)."""

    task = models.ForeignKey("work.Task", on_delete=models.PROTECT, related_name="notices")
    unit = models.ForeignKey("org.Unit", on_delete=models.PROTECT, related_name="notices")
    year = models.PositiveSmallIntegerField()
    number = models.PositiveIntegerField()
    reason = models.TextField(_("what is required"))
    answer_by = models.DateField(_("answer by"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    answer = models.TextField(_("answer"), blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(_("answered"), null=True, blank=True)
    # The issuing office; numbers run per office and year (duban.org.scope: a unit that runs one).
    office = models.ForeignKey(
        "org.Unit", verbose_name=_("office"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_at", "-id"]
        verbose_name = _("supervision notice")
        verbose_name_plural = _("supervision notices")
        constraints = [
            models.UniqueConstraint(
                fields=["office", "year", "number"], name="notice_number_unique"
            )
        ]

    def __str__(self) -> str:
        return _("Supervision notice [%(year)s] No. %(number)s") % {
            "year": self.year,
            "number": self.number,
        }

    @property
    def is_answered(self) -> bool:
        return self.answered_at is not None


class AppealState(models.TextChoices):
    PENDING = "pending", _("Pending")
    UPHELD = "upheld", _("Warning upheld")
    WITHDRAWN = "withdrawn", _("Warning withdrawn")


class WarningAppeal(models.Model):
    """A unit's appeal (申诉) against a warning; the office upholds or withdraws it."""

    warning = models.ForeignKey(TaskWarning, on_delete=models.PROTECT, related_name="appeals")
    reason = models.TextField(_("reason for the appeal"))
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    filed_at = models.DateTimeField(default=timezone.now)
    state = models.CharField(
        _("state"), max_length=10, choices=AppealState.choices, default=AppealState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        ordering = ["-filed_at", "-id"]
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        constraints = [
            models.UniqueConstraint(
                fields=["warning"],
                condition=models.Q(state="pending"),
                name="one_pending_appeal_per_warning",
            )
        ]

    def __str__(self) -> str:
        return f"{self.warning_id}: {self.get_state_display()}"
