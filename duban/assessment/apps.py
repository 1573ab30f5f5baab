from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentConfig(AppConfig):
    name = "duban.assessment"
    verbose_name = _("Quarterly assessment")
