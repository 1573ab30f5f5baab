"""`duban restore ARCHIVE [--yes] [--check]`: bring back what `duban backup` wrote."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from duban.audit import log as audit
from duban.ops import backup


class Command(BaseCommand):
    help = (
        "Replace the database and the uploaded files with an archive from `duban backup`, "
        "after checking the whole archive (a damaged or foreign one changes nothing); then "
        "migrate when the archive is older than the code. Stop duban serve and duban worker "
        "first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("archive", type=Path, help="A duban-backup-….tar.gz file.")
        parser.add_argument(
            "--yes", action="store_true", help="Do not ask before replacing anything."
        )
        parser.add_argument(
            "--check",
            action="store_true",
            help="Only check the archive (every file's SHA-256, the database copy) and stop.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        archive: Path = options["archive"]
        if options["check"]:
            try:
                manifest = backup.verify(archive, scratch=Path(settings.DATA_DIR))
            except backup.BackupError as exc:
                raise CommandError(str(exc)) from None
            self.stdout.write(f"{archive}: {self._describe(manifest)}; intact")
            return
        try:
            staged = backup.stage(archive)
        except backup.BackupError as exc:
            raise CommandError(f"nothing was changed: {exc}") from None
        try:
            self._restore(staged, options)
        finally:
            staged.discard()

    def _describe(self, manifest: dict[str, Any]) -> str:
        media = [f for f in manifest["files"] if f["name"].startswith("media/")]
        return (
            f"made {manifest['created_at']} by duban {manifest['duban_version']}, "
            f"{backup.vendor_name(manifest['database']['vendor'])} database and "
            f"{len(media)} uploaded file(s)"
        )

    def _restore(self, staged: backup.Staged, options: dict[str, Any]) -> None:
        where = (
            connection.settings_dict["NAME"]
            if staged.vendor == "sqlite"
            else f"the PostgreSQL database {connection.settings_dict['NAME']}"
        )
        self.stdout.write(f"{staged.archive}: {self._describe(staged.manifest)}; intact.")
        others = backup.other_sessions()
        if others:
            self.stdout.write(
                f"Warning: {others} other session(s) are connected to the database "
                "(duban serve, duban worker?); stop them first."
            )
        if not options["yes"]:
            self.stdout.write(
                f"This replaces everything in {where} and every file under {settings.MEDIA_ROOT}."
            )
            try:
                answer = input('Type "yes" to restore: ')
            except EOFError:
                answer = ""
            if answer.strip().lower() not in ("yes", "y"):
                raise CommandError("nothing was changed")
        try:
            staged.apply()
        except backup.BackupError as exc:
            raise CommandError(f"the restore failed: {exc}") from None
        self.stdout.write(f"Restored the database and {settings.MEDIA_ROOT}.")
        pending = backup.pending_migrations()
        if pending:
            self.stdout.write(
                f"The archive is older than this duban: applying {len(pending)} migration(s)."
            )
            call_command("migrate", interactive=False, verbosity=options["verbosity"])
        missing = backup.missing_audit_triggers()
        if missing:
            raise CommandError(
                "the restored database lacks the audit log's append-only triggers "
                f"({', '.join(sorted(missing))}); the archive is not one duban made"
            )
        audit.record(
            "backup.restored",
            archive=staged.archive.name,
            created_at=staged.manifest["created_at"],
            duban_version=staged.manifest["duban_version"],
        )
        self.stdout.write("Done. `duban audit verify` checks the security audit log's chain.")
