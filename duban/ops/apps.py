from django.apps import AppConfig, apps
from django.contrib import admin
from django.utils.translation import gettext_lazy as _


class OpsConfig(AppConfig):
    """Operations: the commands that set up, load and serve an installation
    (the top layer: it may use every app, and no app uses it)."""

    name = "duban.ops"
    label = "ops"

    def ready(self) -> None:
        from . import checks  # noqa: F401, PLC0415 (registers the checks once the apps load)

        # The job queue's app names itself in English only; the administration
        # shows it in the reader's language.
        apps.get_app_config("django_tasks_database").verbose_name = _("Background jobs")
        # So does the lockout's (django-axes); Django's own site calls itself
        # "Django administration" in every language.
        apps.get_app_config("axes").verbose_name = _("Sign-in attempts")
        admin.site.site_header = admin.site.site_title = _("duban administration")
