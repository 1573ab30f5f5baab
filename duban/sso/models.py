"""Who an identity provider says someone is, tied to the person in duban."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin
from django_otp.oath import TOTP

from duban.lib.crypto import SealedCharField


class Method(models.TextChoices):
    OIDC = "oidc", _("Unified identity (OIDC)")
    CAS = "cas", _("Unified identity (CAS)")
    LDAP = "ldap", _("Directory (LDAP)")
    DINGTALK = "dingtalk", _("DingTalk")
    WECOM = "wecom", _("WeCom")
    FEISHU = "feishu", _("Feishu")
    ZWDD = "zwdd", _("Government DingTalk")


class Identity(models.Model):
    """One provider's name for one person (an OIDC ``sub``, a CAS user, a
    DingTalk unionId, a WeCom userid, a Feishu union_id). Made the first time
    the person signs in that way and is matched; from then on the provider's
    name finds the person even when the matched field changes."""

    method = models.CharField(_("method"), max_length=12, choices=Method.choices)
    subject = models.CharField(_("their id"), max_length=255)
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identities"
    )
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in identity")
        verbose_name_plural = _("sign-in identities")
        constraints = [
            models.UniqueConstraint(fields=["method", "subject"], name="one_person_per_identity")
        ]

    def __str__(self) -> str:
        return f"{self.method}:{self.subject}"


# --- the second factor ----------------------------------------------------------------


class SecondFactor(ThrottlingMixin, Device):  # type: ignore[misc]
    """An authenticator app's TOTP key (RFC 6238: 30 s, 6 digits), through
    django-otp's device machinery (its session marker, its throttling), with
    the key sealed at rest (``duban.lib.crypto``). Unconfirmed until the person
    typed a first code from it; each code is accepted once."""

    key = SealedCharField(_("key"), purpose="totp")
    last_t = models.BigIntegerField(default=-1)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("second factor")
        verbose_name_plural = _("second factors")

    def __str__(self) -> str:
        return f"{self.user} TOTP"

    def get_throttle_factor(self) -> int:
        return 1

    @property
    def key_bytes(self) -> bytes:
        return bytes.fromhex(self.key)

    def verify_token(self, token: Any) -> bool:
        allowed, _why = self.verify_is_allowed()
        if not allowed:
            return False
        text = str(token or "").strip().replace(" ", "")
        if not (len(text) == TOTP_DIGITS and text.isascii() and text.isdigit()):
            self.throttle_increment()
            return False
        totp = TOTP(self.key_bytes, step=30, digits=TOTP_DIGITS)
        totp.time = time.time()
        for drift in (0, -1, 1):  # one step either side: a phone's clock is close, not exact
            totp.drift = drift
            if totp.t() > self.last_t and totp.token() == int(text):
                self.last_t = totp.t()
                self.throttle_reset(commit=False)
                self.save(update_fields=["last_t", *THROTTLE_FIELDS])
                return True
        self.throttle_increment()
        return False


TOTP_DIGITS = 6
THROTTLE_FIELDS = ["throttling_failure_timestamp", "throttling_failure_count"]


class RecoveryCode(models.Model):
    """One of ten single-use codes shown once when the second factor is set
    up, for a lost phone; only a hash of each is kept."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="recovery_codes"
    )
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.person_id} {'used' if self.used_at else 'unused'}"


# --- passwords --------------------------------------------------------------------------


class UsedPassword(models.Model):
    """The hashes of a person's last passwords, so none of them is chosen again."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="used_passwords"
    )
    encoded = models.CharField(max_length=256)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.at:%Y-%m-%d}"


# --- sessions ------------------------------------------------------------------------------


class SignedInSession(models.Model):
    """One signed-in browser of a person, so they can see and end it: made at
    sign-in, removed at sign-out, when ended, or when the session expires."""

    person = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="signed_in_sessions"
    )
    session_key = models.CharField(max_length=64, unique=True)
    started_at = models.DateTimeField(default=timezone.now)
    seen_at = models.DateTimeField(default=timezone.now)
    address = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField(max_length=300, blank=True)
    method = models.CharField(max_length=20, blank=True)

    class Meta:
        ordering = ["-seen_at"]

    def __str__(self) -> str:
        return f"{self.person_id} {self.started_at:%Y-%m-%d %H:%M}"
