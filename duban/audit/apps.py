from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "duban.audit"
    label = "audit"
    verbose_name = _("Security audit")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from . import signals  # noqa: F401, PLC0415 - connects the sign-in signals
