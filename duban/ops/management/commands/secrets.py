"""duban secrets reseal: every sealed column, with the configured algorithm and key."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from duban.audit.log import record
from duban.lib.crypto import CryptoError, current_algorithm, reseal, sealed_fields


class Command(BaseCommand):
    help = (
        "Seal every stored secret again with DUBAN_CRYPTO's algorithm and the current "
        "DUBAN_SECRETS_KEY: after a change of either (the old key in DUBAN_SECRETS_KEY_OLD "
        "until this has run), or to seal values written in clear. Safe to run again."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("reseal", help="re-encrypt every sealed column")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        found: dict[str, tuple[int, int]] = {}
        try:
            with transaction.atomic():
                for model, field in sealed_fields():
                    found[f"{model._meta.label_lower}.{field.name}"] = reseal(model, field)
                record(
                    "secrets.reseal",
                    algorithm=current_algorithm(),
                    rewritten=sum(r for r, _c in found.values()),
                )
        except CryptoError as error:
            raise CommandError(f"nothing was changed: {error}") from None
        for name, (rewritten, current) in found.items():
            self.stdout.write(f"{name}: {rewritten} sealed again, {current} already current")
