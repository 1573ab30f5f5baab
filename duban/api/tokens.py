"""Making, finding and revoking personal access tokens.

A token reads ``dbn_<prefix>_<secret>``: the prefix finds the row, the
secret's SHA-256 is compared in constant time. A token acts as its person,
with the person's scope; a read-only token may not write."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from duban.audit import log as audit
from duban.org.models import Person
from duban.org.scope import Actor, person_of, scope_of

from .models import ApiToken

PREFIX = "dbn"
MAX_DAYS = 366
LAST_USED_EVERY = dt.timedelta(minutes=5)  # how often a token's last use is written


@dataclass(frozen=True)
class NewToken:
    token: ApiToken
    secret: str  # shown once


def _require_keeper(actor: Actor, account: Person) -> None:
    """Only the office whose scope holds all of a service account's units keeps
    its tokens; nobody makes tokens for another person."""
    if not account.is_service:
        raise PermissionDenied(_("You can only make tokens for yourself."))
    scope_of(actor).require_manage_all(
        list(account.units.all()) or [None],
        _("Only the supervision office can keep a service account's tokens."),
    )


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@transaction.atomic
def token_create(
    *, actor: Actor, name: str, days: int, can_write: bool, person: Person | None = None
) -> NewToken:
    """A token for the actor themself (``person`` defaults to them), or, made
    by the office, for a service account placed in units of its scope."""
    me = person_of(actor)
    if me is None:
        raise PermissionDenied(_("Sign in to make a token."))
    owner = person or me
    if owner.pk != me.pk:
        _require_keeper(actor, owner)
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = _("Name the token after the program that will use it.")
    if not 1 <= days <= MAX_DAYS:
        errors["days"] = _("A token lasts from 1 to %(n)s days.") % {"n": MAX_DAYS}
    if errors:
        raise ValidationError(errors)
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        person=owner,
        name=name[:80],
        prefix=prefix,
        digest=_digest(secret),
        can_write=can_write,
        expires_at=timezone.now() + dt.timedelta(days=days),
        created_by=me,
    )
    return NewToken(token=token, secret=f"{PREFIX}_{prefix}_{secret}")


@transaction.atomic
def token_revoke(*, actor: Actor, token: ApiToken) -> ApiToken:
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    me = person_of(actor)
    if me is None:
        raise PermissionDenied(_("You can only revoke your own tokens."))
    if token.person_id != me.pk:
        _require_keeper(actor, token.person)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def token_find(raw: str, request: Any = None) -> ApiToken | None:
    """The live token a bearer string names, else None (malformed, unknown,
    wrong secret, revoked, expired, or its person switched off). Its use is
    in the security audit log when it is first used in a while (every write
    with it is too: duban.audit.middleware)."""
    parts = (raw or "").strip().split("_", 2)
    if len(parts) != 3 or parts[0] != PREFIX or not parts[1].isalnum() or len(parts[1]) > 16:
        return None
    token = ApiToken.objects.select_related("person").filter(prefix=parts[1]).first()
    if token is None or not hmac.compare_digest(token.digest, _digest(parts[2])):
        return None
    now = timezone.now()
    if not token.is_live(now):
        return None
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
        audit.record(
            "api.token.used",
            request=request,
            actor=token.person,
            object_type="apitoken",
            object_id=token.prefix,
        )
    return token
