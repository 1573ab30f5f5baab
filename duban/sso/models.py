"""Who an identity provider says someone is, tied to the person in duban."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


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
