"""The rows of the security audit log, and the head of their hash chain.

A row is never changed or removed by the application (``save`` refuses an
update, ``delete`` refuses), and the database refuses it too: triggers on
SQLite and PostgreSQL abort any UPDATE, and any DELETE unless the pruning
command (or an operator's flush of the whole database) has put a permit in
``audit_prune_permit``, a table of the migrations' own that Django's flush
does not know of, in the same transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Outcome(models.TextChoices):
    OK = "ok", _("Done")
    REFUSED = "refused", _("Refused")
    FAILED = "failed", _("Failed")


class AuditEvent(models.Model):
    # Numbered by the chain (the head's last id + 1), not by the database, so
    # the number is part of what the hash covers.
    id = models.BigIntegerField(primary_key=True)
    at = models.DateTimeField(_("when"), db_index=True)
    # The person as they were: their id and user name, not a foreign key (the
    # log outlives the people it names and sits below every app).
    actor_id = models.BigIntegerField(_("person id"), null=True, blank=True, db_index=True)
    actor = models.CharField(_("who"), max_length=150, blank=True)
    action = models.CharField(_("what"), max_length=40, db_index=True)
    outcome = models.CharField(_("outcome"), max_length=10, choices=Outcome.choices)
    address = models.GenericIPAddressField(_("from"), null=True, blank=True)
    user_agent = models.CharField(_("browser or program"), max_length=300, blank=True)
    object_type = models.CharField(max_length=40, blank=True)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)
    # The hash the row was chained with: empty for SHA-256, "sm3" under
    # DUBAN_CRYPTO=gm (密评); each row is checked with its own, so a switch
    # leaves the older rows as they were written.
    algorithm = models.CharField(max_length=10, null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("security audit event")
        verbose_name_plural = _("security audit log")

    def __str__(self) -> str:
        return f"{self.id} {self.action} {self.actor} {self.outcome}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise PermissionError("the security audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise PermissionError("the security audit log is append-only")


class AuditHead(models.Model):
    """The chain's end: the last row's number and hash (one row, locked by
    each append, so rows are chained one after another)."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    last_id = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"{self.last_id} {self.last_hash[:12]}"
