"""`duban import-tasks FILE --plan ID`: import an office task list from Excel."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from duban.documents import importer
from duban.lib import deadlines, taskbook
from duban.lib.ids import parse_id
from duban.org.models import Person, Role, Unit
from duban.org.scope import SYSTEM, Actor, scope_of
from duban.work.models import Plan


class Command(BaseCommand):
    help = (
        "Import a task list (.xlsx) into a plan: print what was understood and, "
        "unless --dry-run, write it all in one transaction."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("file")
        parser.add_argument("--plan", required=True, help="the plan's id or exact title")
        parser.add_argument("--dry-run", action="store_true", help="print the preview only")
        parser.add_argument(
            "--map",
            action="append",
            default=[],
            metavar="NAME=UNITCODE",
            help="read a name that matches no unit as this unit (repeatable)",
        )
        parser.add_argument(
            "--create-unknown", action="store_true", help="create units for unknown names"
        )
        parser.add_argument(
            "--sections",
            choices=[importer.HEADINGS, importer.AS_TASKS],
            default=importer.HEADINGS,
            help="section rows (一、二、…) become group headings (default) or top-level tasks",
        )
        parser.add_argument(
            "--past",
            choices=[importer.KEEP, importer.THIS_YEAR, importer.HISTORY],
            default=importer.KEEP,
            help="new rows whose deadline has passed: imported as written (default), "
            "moved to this year, or imported as closed history",
        )
        parser.add_argument(
            "--under",
            metavar="UNITCODE",
            help="where units the import creates go: a unit of the plan's office "
            "(default: the plan's office)",
        )
        parser.add_argument(
            "--as",
            dest="username",
            help="the office user who imports (their scope applies); without it, the system",
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(options["language"])
        plan = self._plan(options["plan"])
        actor = self._actor(options["username"])
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        mappings: dict[str, Any] = {}
        for item in options["map"]:
            name, _sep, code = item.partition("=")
            unit = Unit.objects.filter(code=code.strip()).first()
            if not name or unit is None:
                raise CommandError(f"--map {item!r}: write NAME=UNITCODE with a known code")
            mappings[name.strip()] = unit.pk
        under = None
        if options["under"]:
            under = Unit.objects.filter(code=options["under"].strip()).first()
            if under is None:
                raise CommandError(f"--under {options['under']!r}: no unit with that code")
        choices = {"sections": options["sections"], "past": options["past"]}
        data = path.read_bytes()
        try:
            result = importer.preview(
                importer.read(data, plan), plan, mappings, scope=scope_of(actor), **choices
            )
        except taskbook.WorkbookError as error:
            text, params = taskbook.message(error.code, error.params)
            raise CommandError(_(text) % params) from None
        if options["create_unknown"]:
            mappings.update({name: importer.NEW for name in result.unknown})
            result = importer.preview(result.book, plan, mappings, scope=scope_of(actor), **choices)
        self._print(result)
        if options["dry_run"]:
            return
        with transaction.atomic():
            try:
                record, _preview = importer.upload(
                    actor=actor, plan=plan, uploaded=SimpleUploadedFile(path.name, data)
                )
                counts = importer.apply(
                    actor=actor, record=record, mappings=mappings, parent=under, **choices
                )
            except ValidationError as error:
                raise CommandError(" ".join(error.messages)) from None
            except PermissionDenied as error:
                raise CommandError(str(error)) from None
        self.stdout.write(
            f"imported into “{plan}”: {counts['created']} created, {counts['updated']} updated, "
            f"{counts['unchanged']} unchanged, {counts['units_created']} units created"
        )

    def _plan(self, given: str) -> Plan:
        pk = parse_id(given)
        plan = (
            Plan.objects.filter(pk=pk).first()
            if pk is not None
            else Plan.objects.filter(title=given).first()
        )
        if plan is None:
            raise CommandError(f"no plan {given!r}")
        return plan

    def _actor(self, username: str | None) -> Actor:
        if not username:
            return SYSTEM
        people = Person.objects.filter(role=Role.OFFICE, is_active=True)
        actor = people.filter(username=username).first()
        if actor is None:
            raise CommandError(f"--as {username}: no active office user of that name")
        return actor

    def _print(self, result: importer.Preview) -> None:
        book = result.book
        self.stdout.write(f"“{book.title}” sheet {book.sheet}, header row {book.header_row}")
        for row in result.rows:
            node = row.node
            deadline = ""
            if node.deadline is not None:
                text, params = deadlines.describe(node.deadline)
                deadline = _(text) % params
            if row.moved_from is not None:
                deadline += f" → {row.deadline}"
            if row.closed:
                deadline += " (closed history)"
            lead = row.lead.name if row.lead else "?".join(node.lead_units[:1])
            self.stdout.write(
                f"{node.row:>5} {'  ' * row.depth}{node.serial} {node.title} | {lead} | "
                f"{deadline} [{row.status}]"
            )
        for problem in book.problems:
            text, params = taskbook.message(problem.code, problem.params)
            self.stdout.write(f"problem: {_(text) % params}")
        for name, suggestions in result.unknown.items():
            hint = "、".join(u.name for u in suggestions) or "-"
            self.stdout.write(f"unknown unit: {name} (suggestions: {hint})")
        self.stdout.write(
            f"{len(result.rows)} rows: {result.count('new')} new, {result.count('update')} "
            f"changed, {result.count('same')} already imported, {result.count('invalid')} "
            f"cannot be imported; {len(result.unknown)} unknown names"
        )
