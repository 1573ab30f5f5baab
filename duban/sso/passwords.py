"""The password rules a level-3 system asks for, besides Django's own
(length, common, numeric, like the user name): characters of at least three
classes (lower case, upper case, digits, others)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _


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
