"""`duban backup [--to DIR] [--keep N]`: one verified archive of the database and the uploads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.audit import log as audit
from duban.ops import backup


class Command(BaseCommand):
    help = (
        "Write a dated archive of the database (SQLite's online backup, or pg_dump for "
        "PostgreSQL) and the uploaded files, read it back to verify it, and print its path "
        "and size. Safe while duban runs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--to",
            type=Path,
            default=None,
            help="The folder for the archive (default: DUBAN_DATA_DIR/backups).",
        )
        parser.add_argument(
            "--keep",
            type=int,
            default=None,
            metavar="N",
            help="Then remove the older archives in that folder, keeping the newest N.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        directory = options["to"] or Path(settings.DATA_DIR) / "backups"
        keep = options["keep"]
        if keep is not None and keep < 1:
            raise CommandError("--keep must be at least 1")
        try:
            made = backup.create(directory)
        except backup.BackupError as exc:
            raise CommandError(f"no backup was made: {exc}") from None
        audit.record("backup.created", archive=made.path.name, size=made.size)
        self.stdout.write(made.summary())
        if keep is not None:
            for path in backup.prune(made.path.parent, keep):
                self.stdout.write(f"removed {path}")
