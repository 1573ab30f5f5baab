"""From what an identity provider says to a person in duban: one rule for
every method.

1. An identity seen before (the provider's own id for the person) finds its
   person.
2. Otherwise the configured field (user name, employee number, mobile or
   email) is matched against exactly one person (switched off: refused as
   such); the identity is then remembered.
3. Nobody matches: refused with what to do, unless ``DUBAN_SSO_CREATE`` is on;
   then the person is made a liaison of no unit, who sees nothing until the
   office places them.

Service accounts never sign in this way (they have tokens, not sessions); a
person switched off stays out whichever way they come.
"""

from __future__ import annotations

import re
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Value
from django.db.models.functions import Replace
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from duban.org import services as org
from duban.org.models import ADMIN_ROLES, Person, Role
from duban.org.scope import SYSTEM

from .models import Identity, Method


class Refused(Exception):
    """Why this identity does not sign anyone in, in the person's language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


FIELD_LABELS = {
    "username": gettext_lazy("user name"),
    "employee_no": gettext_lazy("employee number"),
    "phone": gettext_lazy("mobile number"),
    "email": gettext_lazy("email address"),
}


def _digits(phone: str) -> str:
    digits = re.sub(r"\D", "", phone or "")
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def _matching(field: str, value: str) -> list[Person]:
    # Switched-off people are found too: they are refused as such, not taken
    # for strangers (and, with creation on, given a second account).
    people = Person.objects.filter(is_service=False)
    if field == "phone":
        digits = _digits(value)
        if len(digits) < 7:
            return []
        # The stored number without its separators ("+86 138-0000-1111"),
        # in the database, then compared exactly here.
        bare: Any = F("phone")
        for mark in (" ", "-", "(", ")", "+", ".", "\u00a0"):
            bare = Replace(bare, Value(mark), Value(""))
        found = people.filter(
            pk__in=people.annotate(bare_phone=bare)
            .filter(bare_phone__endswith=digits[-8:])
            .values("pk")
        )
        return [p for p in found if _digits(p.phone) == digits][:2]
    if field == "email":
        return list(people.filter(email__iexact=value)[:2])
    return list(people.filter(**{field: value})[:2])


def provider_label(method: str) -> str:
    """What the sign-in page and its messages call the method: the office's own
    name for its identity provider ("浙江政务服务网"), else the method's."""
    custom: dict[str, str] = {"oidc": settings.DUBAN_OIDC_LABEL, "cas": settings.DUBAN_CAS_LABEL}
    return str(custom.get(method) or Method(method).label)


def unknown(method: str, value: str, field: str) -> str:
    """Why someone the provider knows does not sign in: duban has nobody so."""
    return _(
        "%(provider)s knows you as %(value)s, but duban has no person with that "
        "%(what)s: ask the supervision office to add you or correct your record."
    ) % {"provider": provider_label(method), "value": value, "what": str(FIELD_LABELS[field])}


def person_for(
    method: str,
    subject: str,
    value: Any,
    *,
    field: str,
    full_name: str = "",
    email: str = "",
) -> Person:
    """The person this identity signs in, or Refused."""
    subject = str(subject or "").strip()[:255]
    value = str(value or "").strip()
    provider = provider_label(method)
    if not subject:
        raise Refused(_("%(provider)s did not say who you are.") % {"provider": provider})
    known = Identity.objects.select_related("person").filter(method=method, subject=subject).first()
    if known is not None:
        person = known.person
        if not person.is_active or person.is_service:
            raise Refused(_("Your duban account is switched off: ask the supervision office."))
        Identity.objects.filter(pk=known.pk).update(last_used_at=timezone.now())
        return person
    what = str(FIELD_LABELS[field])
    if not value:
        raise Refused(
            _("%(provider)s did not give your %(what)s, which duban matches people by.")
            % {"provider": provider, "what": what}
        )
    found = _matching(field, value)
    if len(found) > 1:
        raise Refused(
            _(
                "Several people in duban have the %(what)s %(value)s: ask the supervision "
                "office to correct their records."
            )
            % {"what": what, "value": value}
        )
    if found:
        person = found[0]
        if not person.is_active:
            raise Refused(_("Your duban account is switched off: ask the supervision office."))
    elif settings.DUBAN_SSO_CREATE:
        person = _create(method, subject, value, field=field, full_name=full_name, email=email)
    else:
        raise Refused(unknown(method, value, field))
    try:
        with transaction.atomic():
            Identity.objects.create(
                method=method, subject=subject, person=person, last_used_at=timezone.now()
            )
    except IntegrityError:  # the same first sign-in twice at once: the other one tied it
        pass
    return person


def _create(
    method: str, subject: str, value: str, *, field: str, full_name: str, email: str
) -> Person:
    username = value if field == "username" else f"{method}-{subject}"
    username = re.sub(r"[^\w.@+-]", "-", username)[:150]
    if Person.objects.filter(username=username).exists():
        username = f"{method}-{subject}"[:150]
    with transaction.atomic():
        person = org.person_create(
            actor=SYSTEM,
            username=username,
            role=Role.LIAISON,
            full_name=(full_name or value)[:100],
            email=email if "@" in (email or "") else "",
        )
        if field in ("employee_no", "phone") and not getattr(person, field):
            setattr(person, field, value[:64])
            person.save(update_fields=[field])
    return person


def password_allowed(person: Person) -> bool:
    """Whether the person may sign in with a password kept by duban."""
    if person.is_service:
        return False
    if settings.DUBAN_PASSWORD_LOGIN == "all":  # noqa: S105 - a mode, not a password
        return True
    return person.role in ADMIN_ROLES
