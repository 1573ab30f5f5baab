"""Checks run before serving (``duban serve``) and by ``duban check --database default``."""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core import checks
from django.db import DatabaseError

from duban.lib.crypto import CryptoError, SealedCharField


@checks.register(checks.Tags.database)
def sealed_values_open(
    app_configs: Any = None, databases: Any = None, **kwargs: Any
) -> list[checks.CheckMessage]:
    """Every table holding sealed secrets opens with this installation's key:
    a lost or wrong DUBAN_SECRETS_KEY is said at start, in one line, not as an
    error on the first page that reads a robot's address or a second factor.
    Only when asked to read the database (``check --database default``, as
    ``duban serve`` does): every other command's checks stay off it."""
    if not databases or "default" not in databases:
        return []
    found: list[checks.CheckMessage] = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if not isinstance(field, SealedCharField):
                continue
            try:
                model._default_manager.exclude(**{field.name: ""}).values_list(
                    field.name, flat=True
                ).first()
            except CryptoError:
                found.append(
                    checks.Error(
                        f"{model._meta.label}.{field.name}: the sealed values do not open "
                        "with this installation's key.",
                        hint="Set DUBAN_SECRETS_KEY (or DATA_DIR/secrets_key) to the key that "
                        "sealed them; `duban secrets reseal` then moves them to a new key.",
                        id="duban.E001",
                    )
                )
            except DatabaseError:
                return []  # not migrated yet: nothing sealed to open
    return found
