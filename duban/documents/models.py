"""An uploaded task list waiting for the office to confirm it, then its outcome."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TaskImport(models.Model):
    plan = models.ForeignKey("work.Plan", on_delete=models.CASCADE, related_name="imports")
    file = models.FileField(upload_to="imports/%Y/%m/")
    filename = models.CharField(_("file"), max_length=255)
    # No person: imported by the system (`duban import-tasks` without --as).
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=timezone.now)
    # How the office settled names the list uses that match no unit:
    # {"市发改委": 12, "新设单位": "new"}.
    mappings = models.JSONField(default=dict)
    # Where the units the import creates go (None: under the plan's office),
    # and what the list's section rows (一、二、…) become.
    unit_parent = models.ForeignKey(
        "org.Unit", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sections = models.CharField(
        _("section rows"),
        max_length=10,
        choices=[("headings", _("group headings")), ("tasks", _("top-level tasks"))],
        default="headings",
    )
    # What new rows whose deadline has passed become (importer.KEEP, THIS_YEAR, HISTORY).
    past = models.CharField(
        _("past deadlines"),
        max_length=10,
        choices=[
            ("keep", _("imported as written")),
            ("this_year", _("moved to this year")),
            ("history", _("closed history")),
        ],
        default="keep",
    )
    applied_at = models.DateTimeField(_("imported"), null=True, blank=True)
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    result = models.JSONField(default=dict)

    class Meta:
        ordering = ["-uploaded_at"]
        verbose_name = _("task list import")
        verbose_name_plural = _("task list imports")

    def __str__(self) -> str:
        return self.filename
