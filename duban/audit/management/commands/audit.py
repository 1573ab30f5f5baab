"""duban audit verify | prune [--days N]"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from duban.audit.log import verify
from duban.audit.prune import prune


class Command(BaseCommand):
    help = "Check the security audit log's hash chain, or remove rows past the keeping period."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="check every row against its hash and the row before it")
        pruning = sub.add_parser("prune", help="remove rows older than the keeping period")
        pruning.add_argument("--days", type=int, default=None)

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "prune":
            removed = prune(days=options["days"])
            self.stdout.write(f"removed {removed} row(s); the removal is in the log")
            return
        breaks = list(verify())
        for found in breaks:
            self.stdout.write(f"row {found.id}: {found.why}")
        if breaks:
            raise CommandError(f"the audit log's chain is broken in {len(breaks)} place(s)")
        self.stdout.write("the audit log's chain holds")
