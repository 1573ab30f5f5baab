"""`duban assess --quarter 2026Q3`: print a quarter's ranking (and lock it)."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from duban.assessment import services
from duban.assessment.explain import line_text
from duban.assessment.models import Category
from duban.lib import periods
from duban.org.models import Person, Role
from duban.org.scope import find_office


class Command(BaseCommand):
    help = "Compute and print a quarter's assessment: each unit's score, rank and lines."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--quarter", required=True, help="e.g. 2026Q3")
        parser.add_argument("--lines", action="store_true", help="print how each score is made")
        parser.add_argument(
            "--lock", metavar="USERNAME", help="lock the quarter, as this office user"
        )
        parser.add_argument(
            "--office", metavar="UNITCODE", help="whose ranking (default: the top office)"
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            quarter = periods.quarter_from_label(options["quarter"])
        except ValueError:
            raise CommandError(f"not a quarter: {options['quarter']!r} (write 2026Q3)") from None
        translation.activate(options["language"])
        office = find_office(options["office"])
        if office is None:
            raise CommandError(
                f"--office {options['office']!r}: no unit runs an office by that code"
            )
        if options["lock"]:
            actor = Person.objects.filter(username=options["lock"], role=Role.OFFICE).first()
            if actor is None:
                raise CommandError(f"no office user {options['lock']!r}")

            try:
                services.lock(actor=actor, quarter=quarter, office=office)
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
        started = time.monotonic()
        with CaptureQueriesContext(connection) as queries:
            standing = services.standing(quarter, office, live=True)
        elapsed = time.monotonic() - started
        for category, rows in standing.by_category.items():
            self.stdout.write(f"\n{Category(category).label}")
            for row in services.with_units(rows):
                self.stdout.write(f"{row.rank:>4}  {row.total:>5}  {row.unit}")
                if options["lines"]:
                    for line in row.lines:
                        self.stdout.write(f"              {line_text(line)}")
        state = "locked" if standing.assessment.is_locked else "open"
        self.stdout.write(
            f"\n{quarter.label} ({state}, rules {standing.assessment.rules_version}): "
            f"{len(standing.rows)} units ranked, {len(standing.idle)} with nothing due; "
            f"{elapsed:.2f} s, {len(queries.captured_queries)} queries."
        )
