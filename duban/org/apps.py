from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_role_groups(sender: Any, using: str = "default", **kwargs: Any) -> None:
    # Each role's group holds exactly the role's permissions. Run after every
    # app's migrations (the permissions of an app later in INSTALLED_APPS,
    # such as axes, exist only after its own post_migrate): three small groups.
    from .models import ROLE_PERMISSIONS, Group, sync_role_group  # noqa: PLC0415 - app registry

    for role in ROLE_PERMISSIONS:
        group, _created = Group.objects.using(using).get_or_create(name=f"duban:{role}")
        sync_role_group(group, role)


class OrgConfig(AppConfig):
    name = "duban.org"
    label = "org"
    verbose_name = _("Organisation")

    def ready(self) -> None:
        post_migrate.connect(_sync_role_groups, dispatch_uid="duban.org.role_groups")
