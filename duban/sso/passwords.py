"""The password rules a level-3 system asks for, besides Django's own
(length, common, numeric, like the user name): characters of at least three
classes (lower case, upper case, digits, others), none of the last five,
and a new one every 90 days."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import UsedPassword


class CharacterClassesValidator:
    def __init__(self, classes: int = 3) -> None:
        self.classes = classes

    @staticmethod
    def _count(password: str) -> int:
        kinds = (
            any(c.islower() for c in password),
            any(c.isupper() for c in password),
            any(c.isdigit() for c in password),
            any(not c.isalnum() for c in password),
        )
        return sum(kinds)

    def validate(self, password: str, user: Any = None) -> None:
        if self._count(password) < self.classes:
            raise ValidationError(self.get_help_text(), code="password_too_simple")

    def get_help_text(self) -> str:
        return _(
            "Your password must mix at least %(n)s of: lower-case letters, capital "
            "letters, digits, other characters."
        ) % {"n": self.classes}


class NotRecentlyUsedValidator:
    """None of the person's last ``DUBAN_PASSWORD_HISTORY`` passwords again.
    Also where a new password is recorded (Django calls ``password_changed``
    once it is saved): its hash joins the history, its date starts the
    ``DUBAN_PASSWORD_MAX_AGE_DAYS`` count, and the need to change it ends."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        keep = settings.DUBAN_PASSWORD_HISTORY
        if not keep:
            return
        # The history holds the current password too (recorded when it was
        # set); an account from before the history has only the current one.
        recent = _recent(user, keep)
        if user.password not in recent:
            recent = [user.password, *recent][:keep]
        if any(encoded and check_password(password, encoded) for encoded in recent):
            raise ValidationError(self.get_help_text(), code="password_reused")

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or not getattr(user, "pk", None):
            return
        now = timezone.now()
        type(user).objects.filter(pk=user.pk).update(
            password_changed_at=now, must_change_password=False
        )
        user.password_changed_at, user.must_change_password = now, False
        keep = settings.DUBAN_PASSWORD_HISTORY
        if not keep:
            return
        UsedPassword.objects.create(person_id=user.pk, encoded=user.password, at=now)
        old = UsedPassword.objects.filter(person_id=user.pk).values_list("pk", flat=True)[keep:]
        UsedPassword.objects.filter(pk__in=list(old)).delete()

    def get_help_text(self) -> str:
        return _("Your password must differ from your last %(n)s passwords.") % {
            "n": settings.DUBAN_PASSWORD_HISTORY
        }


def _recent(user: Any, keep: int) -> list[str]:
    return list(
        UsedPassword.objects.filter(person_id=user.pk).values_list("encoded", flat=True)[:keep]
    )


def password_expired(person: Any) -> bool:
    """Whether the person's password is older than DUBAN_PASSWORD_MAX_AGE_DAYS
    (counted from when it was set, else from when the account was made)."""
    days = settings.DUBAN_PASSWORD_MAX_AGE_DAYS
    if not days or not person.has_usable_password():
        return False
    since = person.password_changed_at or person.date_joined
    return since is not None and timezone.now() - since > dt.timedelta(days=days)
