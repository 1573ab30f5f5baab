"""Load the demo office: a high-tech zone creating a national high-tech zone."""

from __future__ import annotations

import time
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from duban.ops import demo


class Command(BaseCommand):
    help = (
        "Load the demo office (units, people, a plan, twelve weekly meetings and their "
        "history). Does nothing but print the logins when it is already loaded; "
        "--reset deletes ALL data first."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--reset",
            action="store_true",
            help="Delete all data in the database (tasks, reports, units, people...) first.",
        )
        parser.add_argument(
            "--logins",
            choices=["main", "all"],
            default="main",
            help="Print the main demo logins (default) or every demo person's.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["reset"]:
            demo.reset()
            self.stdout.write("All data deleted.")
        if demo.demo_exists():
            self.stdout.write("The demo office is already loaded.")
        else:
            taken = demo.conflicts()
            if taken:
                raise CommandError(
                    "The database already holds data the demo would collide with "
                    f"({', '.join(taken)}). Use --reset to delete ALL data and load the demo."
                )
            started = time.monotonic()
            demo.load()
            elapsed = time.monotonic() - started
            self.stdout.write(self.style.SUCCESS(f"Demo office loaded in {elapsed:.1f} s."))
            summary = ", ".join(f"{what}: {n}" for what, n in demo.counts().items())
            self.stdout.write(summary)
        # The installation is a demonstration from now on (settings.DUBAN_DEMO):
        # the sign-in page says so, the second factor is offered, not required.
        marker = settings.DATA_DIR / "demo-installation"
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.write_text(
            "Written by `duban demo`: this installation is a demonstration "
            "(DUBAN_DEMO=false in the environment overrides it).\n"
        )
        self.stdout.write("")
        everyone = options["logins"] == "all"
        self.stdout.write("Every demo person's login:" if everyone else "Demo logins:")
        for line in demo.logins_table(everyone=everyone):
            self.stdout.write("  " + line)
        if not everyone:
            self.stdout.write(
                f"Every other demo person signs in with the same password ({demo.PASSWORD}): "
                "their user names are in Administration → People, or run "
                "`duban demo --logins all`."
            )
