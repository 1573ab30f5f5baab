"""A person's own sign-in security, and the security administrator's part of
everyone's: the second factor and its recovery codes, the signed-in sessions,
the lockouts. Every page, command and test goes through these functions; each
change is in the security audit log."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import django_otp
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from duban.audit import log as audit
from duban.org.models import Person, Role
from duban.org.scope import keeps

from .models import RecoveryCode, SecondFactor, SignedInSession

RECOVERY_CODES = 10
# The backends whose sign-in is an identity provider's (its own factors count).
PASSWORD_BACKENDS = ("duban.sso.backends.PasswordBackend", "duban.sso.ldap.LDAPBackend")
BACKEND_SESSION_KEY = "_auth_user_backend"


# --- who needs what ----------------------------------------------------------------


def second_factor_required(person: Any, backend: str = "") -> bool:
    """A second factor is required of this person, signed in by ``backend``:
    their role is one of DUBAN_2FA_ROLES, they signed in with a password (or
    DUBAN_2FA_AFTER_SSO asks it after single sign-on too), and this is not a
    demonstration (where it is offered, not required)."""
    if settings.DUBAN_DEMO or getattr(person, "is_service", False):
        return False
    if getattr(person, "role", "") not in settings.DUBAN_2FA_ROLES:
        return False
    return backend in PASSWORD_BACKENDS or settings.DUBAN_2FA_AFTER_SSO


def confirmed_factor(person: Any) -> SecondFactor | None:
    return SecondFactor.objects.filter(user_id=person.pk, confirmed=True).first()


# --- setting the second factor up ------------------------------------------------------


def factor_in_setup(person: Person) -> SecondFactor:
    """The unconfirmed key the person is setting up (a new one if none)."""
    pending = SecondFactor.objects.filter(user=person, confirmed=False).first()
    if pending is None:
        pending = SecondFactor.objects.create(
            user=person, name="TOTP", confirmed=False, key=secrets.token_hex(20)
        )
    return pending


def otpauth_uri(device: SecondFactor) -> str:
    """What the authenticator app scans: otpauth://totp/... with the key in base32."""
    issuer = _("duban supervision")
    secret = base64.b32encode(device.key_bytes).decode().rstrip("=")
    label = quote(f"{issuer}:{device.user.username}")
    return f"otpauth://totp/{label}?secret={secret}&issuer={quote(str(issuer))}&digits=6&period=30"


def key_text(device: SecondFactor) -> str:
    """The key in base32, in groups of four, for typing it into the app by hand."""
    secret = base64.b32encode(device.key_bytes).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@transaction.atomic
def confirm_factor(person: Person, code: str, *, request: Any = None) -> list[str]:
    """The first code from the app confirms the key; returns the recovery
    codes (shown once). Any earlier second factor is replaced."""
    device = SecondFactor.objects.select_for_update().filter(user=person, confirmed=False).first()
    if device is None:
        raise ValidationError(_("Start again: scan the new code first."))
    if not device.verify_token(code):
        raise ValidationError(_("That code is not right. Type the six digits the app shows now."))
    SecondFactor.objects.filter(user=person, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _new_recovery_codes(person)
    audit.record("2fa.added", request=request, actor=person, target=person)
    if request is not None:
        _mark_verified(request, device)
    return codes


def _new_recovery_codes(person: Person) -> list[str]:
    RecoveryCode.objects.filter(person=person).delete()
    codes = [
        "-".join(secrets.token_hex(3)[i : i + 3] for i in (0, 3)).upper()
        for _ in range(RECOVERY_CODES)
    ]
    RecoveryCode.objects.bulk_create(
        [RecoveryCode(person=person, digest=_digest(person, c)) for c in codes]
    )
    return codes


def _digest(person: Any, code: str) -> str:
    text = code.strip().upper().replace(" ", "")
    return hashlib.sha256(f"{person.pk}:{text}".encode()).hexdigest()


def recovery_codes_left(person: Any) -> int:
    return RecoveryCode.objects.filter(person_id=person.pk, used_at__isnull=True).count()


@transaction.atomic
def remove_factor(*, actor: Any, person: Person, request: Any = None) -> None:
    """The person removes their own second factor (where it is not required),
    or the security administrator resets someone's (a lost phone): they set
    one up again at their next sign-in."""
    own = getattr(actor, "pk", None) == person.pk
    if own:
        backend = request.session.get(BACKEND_SESSION_KEY, "") if request else ""
        if second_factor_required(person, backend or PASSWORD_BACKENDS[0]):
            raise PermissionDenied(
                _("Your role must sign in with a second factor: set up a new one instead.")
            )
    elif getattr(actor, "role", "") != Role.SECURITY or not keeps(actor, person):
        raise PermissionDenied(_("Only the security administrator resets a second factor."))
    SecondFactor.objects.filter(user=person).delete()
    RecoveryCode.objects.filter(person=person).delete()
    audit.record("2fa.removed", request=request, actor=actor, target=person, own=own)


# --- signing in with it -------------------------------------------------------------------


def verify_second_factor(request: Any, code: str) -> bool:
    """The code (from the app, or a recovery code) of the signed-in person;
    marks the session verified when it is right. Wrong codes slow down
    (django-otp's throttling) and are in the audit log."""
    person = request.user
    device = confirmed_factor(person)
    text = (code or "").strip()
    ok = False
    used_recovery = False
    if device is not None and text.replace(" ", "").isdigit():
        with transaction.atomic():
            device = SecondFactor.objects.select_for_update().get(pk=device.pk)
            ok = device.verify_token(text)
    elif device is not None and text:
        used = RecoveryCode.objects.filter(
            person=person, digest=_digest(person, text), used_at__isnull=True
        ).update(used_at=timezone.now())
        ok = used_recovery = bool(used)
    if ok and device is not None:
        _mark_verified(request, device)
        audit.record("2fa.verified", request=request, recovery_code=used_recovery)
    else:
        audit.record("2fa.failed", request=request, outcome="refused")
    return ok


def _mark_verified(request: Any, device: SecondFactor) -> None:
    django_otp.login(request, device)


# --- sessions ---------------------------------------------------------------------------


def session_began(request: Any, person: Any) -> None:
    if not getattr(request, "session", None) or not request.session.session_key:
        request.session.save()
    key = request.session.session_key
    meta = getattr(request, "META", {})
    SignedInSession.objects.update_or_create(
        session_key=key,
        defaults={
            "person_id": person.pk,
            "address": audit._address(request),
            "user_agent": str(meta.get("HTTP_USER_AGENT", ""))[:300],
            "method": request.session.get(BACKEND_SESSION_KEY, "").rsplit(".", 1)[-1][:20],
            "started_at": timezone.now(),
            "seen_at": timezone.now(),
        },
    )


def session_seen(request: Any) -> None:
    key = request.session.session_key
    if key:
        SignedInSession.objects.filter(session_key=key).update(seen_at=timezone.now())


def session_renamed(old: str | None, new: str | None) -> None:
    if old and new and old != new:
        SignedInSession.objects.filter(session_key=old).update(session_key=new)


def session_ended(session_key: str | None) -> None:
    if session_key:
        SignedInSession.objects.filter(session_key=session_key).delete()


@dataclass
class SessionRow:
    pk: int
    started_at: dt.datetime
    seen_at: dt.datetime
    address: str | None
    browser: str
    this_one: bool


def sessions_of(person: Any, current_key: str | None) -> list[SessionRow]:
    """The person's signed-in sessions, newest activity first (expired ones
    are dropped on the way)."""
    _drop_expired(person)
    return [
        SessionRow(
            s.pk,
            s.started_at,
            s.seen_at,
            s.address,
            _browser(s.user_agent),
            s.session_key == current_key,
        )
        for s in SignedInSession.objects.filter(person_id=person.pk)
    ]


def _drop_expired(person: Any) -> None:
    idle = settings.DUBAN_SESSION_IDLE_MINUTES
    now = timezone.now()
    stale = SignedInSession.objects.filter(person_id=person.pk).filter(
        started_at__lt=now - dt.timedelta(hours=settings.DUBAN_SESSION_HOURS)
    )
    if idle:
        stale = stale | SignedInSession.objects.filter(
            person_id=person.pk, seen_at__lt=now - dt.timedelta(minutes=idle + 6)
        )
    for key in list(stale.values_list("session_key", flat=True)):
        _store(key).delete()
    stale.delete()


def _store(key: str) -> SessionBase:
    engine = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    return engine(session_key=key)


def _browser(agent: str) -> str:
    for name in ("Edg", "Firefox", "Chrome", "Safari", "DingTalk", "wxwork", "Lark"):
        if name in agent:
            system = next(
                (s for s in ("Android", "iPhone", "Windows", "Mac OS", "Linux") if s in agent), ""
            )
            label = {"Edg": "Edge", "wxwork": "WeCom", "Lark": "Feishu"}.get(name, name)
            return f"{label} · {system}" if system else label
    return agent[:60] or "—"


@transaction.atomic
def end_session(*, person: Any, pk: int, request: Any = None) -> None:
    """The person ends one of their own sessions (that browser is signed out)."""
    row = SignedInSession.objects.filter(person_id=person.pk, pk=pk).first()
    if row is None:
        raise PermissionDenied(_("That session is not one of yours, or has already ended."))
    _store(row.session_key).delete()
    row.delete()
    audit.record("session.ended", request=request, actor=person, target=person, session=pk)


def end_other_sessions(person: Any, keep_key: str | None, *, request: Any = None) -> int:
    """Every session of the person but ``keep_key`` ends (after a password change too)."""
    rows = SignedInSession.objects.filter(person_id=person.pk).exclude(session_key=keep_key or "")
    keys = list(rows.values_list("session_key", flat=True))
    for key in keys:
        _store(key).delete()
    rows.delete()
    if keys:
        audit.record("session.ended", request=request, actor=person, target=person, count=len(keys))
    return len(keys)


# --- lockouts (the security administrator) ----------------------------------------------


def require_security(actor: Any) -> None:
    if getattr(actor, "role", "") != Role.SECURITY or not actor.is_authenticated:
        raise PermissionDenied(_("Only the security administrator keeps the sign-in security."))


def lockouts(actor: Any) -> list[AccessAttempt]:
    """The account names and addresses locked out now."""
    require_security(actor)
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return list(
        AccessAttempt.objects.filter(
            failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).order_by("-attempt_time")[:200]
    )


@transaction.atomic
def release_lockout(*, actor: Any, pk: int, request: Any = None) -> None:
    require_security(actor)
    attempt = AccessAttempt.objects.filter(pk=pk).first()
    if attempt is None:
        raise ValidationError(_("That lockout has already ended."))
    attempt.delete()
    audit.record(
        "lockout.released",
        request=request,
        object_type="account",
        object_id=attempt.username or "",
        address_locked=attempt.ip_address,
    )


def people_without_factor(actor: Any) -> list[Person]:
    """The people whose role must use a second factor and who have none yet."""
    require_security(actor)
    return list(
        Person.objects.filter(role__in=settings.DUBAN_2FA_ROLES, is_active=True, is_service=False)
        .exclude(pk__in=SecondFactor.objects.filter(confirmed=True).values("user_id"))
        .order_by("role", "username")[:500]
    )


def people_with_factor(actor: Any) -> list[Person]:
    """The people who have a second factor (the security administrator resets one)."""
    require_security(actor)
    return list(
        Person.objects.filter(
            pk__in=SecondFactor.objects.filter(confirmed=True).values("user_id")
        ).order_by("role", "username")[:500]
    )


def policy() -> list[tuple[str, str]]:
    """The sign-in policy in force (from the environment), in words."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    labels = dict(Role.choices)
    roles = _(", ").join(str(labels.get(r, r)) for r in settings.DUBAN_2FA_ROLES) or "—"
    return [
        (
            _("Lockout"),
            _("%(n)s failed sign-ins lock the name and the address for %(m)s minutes")
            % {"n": settings.AXES_FAILURE_LIMIT, "m": minutes},
        ),
        (
            _("Passwords"),
            _("at least %(n)s characters of %(c)s kinds; none of the last %(h)s")
            % {
                "n": settings.DUBAN_PASSWORD_MIN_LENGTH,
                "c": settings.DUBAN_PASSWORD_CLASSES,
                "h": settings.DUBAN_PASSWORD_HISTORY,
            },
        ),
        (
            _("Password age"),
            _("a new one every %(d)s days") % {"d": settings.DUBAN_PASSWORD_MAX_AGE_DAYS}
            if settings.DUBAN_PASSWORD_MAX_AGE_DAYS
            else _("no limit"),
        ),
        (
            _("Sessions"),
            _("end after %(i)s minutes without activity, and %(h)s hours after signing in")
            % {"i": settings.DUBAN_SESSION_IDLE_MINUTES, "h": settings.DUBAN_SESSION_HOURS},
        ),
        (
            _("Second factor"),
            _("offered to everyone, required of nobody (a demonstration)")
            if settings.DUBAN_DEMO
            else _("required of: %(roles)s") % {"roles": roles},
        ),
    ]
