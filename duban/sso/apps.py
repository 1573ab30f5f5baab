from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "duban.sso"
    label = "sso"
    verbose_name = _("Signing in")
    default_auto_field = "django.db.models.BigAutoField"
