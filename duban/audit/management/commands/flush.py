"""Django's flush (used by `duban demo --reset` and the tests' live server),
allowed to empty the security audit log with the rest. Emptying the whole
database is an operator's act at the console, never the application's."""

from __future__ import annotations

from typing import Any

from django.core.management.commands.flush import Command as Flush
from django.db import DEFAULT_DB_ALIAS

from duban.audit.prune import permit


class Command(Flush):
    def handle(self, **options: Any) -> None:
        with permit(options.get("database") or DEFAULT_DB_ALIAS):
            super().handle(**options)
