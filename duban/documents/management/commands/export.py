"""`duban export WHAT -o FILE`: the office's lists and documents from the command line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone, translation

from duban.assessment import services as assessment
from duban.assessment.review import month_review
from duban.audit import log as audit
from duban.documents import exports
from duban.documents.views import _organisation
from duban.lib import periods
from duban.org.scope import find_office
from duban.supervision.models import SupervisionNotice, TaskWarning
from duban.work.models import Meeting, Task


class Command(BaseCommand):
    help = (
        "Write a list or document: tasks (.xlsx), warnings (.xlsx), ranking (.xlsx or .docx, "
        "--quarter), assignment (.docx, --meeting), notice (.docx, --notice), bulletin "
        "(.docx, --month)."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "what", choices=["tasks", "warnings", "ranking", "assignment", "notice", "bulletin"]
        )
        parser.add_argument("-o", "--output", required=True, help="the file to write")
        parser.add_argument("--quarter", help="e.g. 2026Q3 (ranking)")
        parser.add_argument("--meeting", type=int, help="meeting id (assignment)")
        parser.add_argument("--notice", type=int, help="notice id (notice)")
        parser.add_argument("--month", help="e.g. 2026-10 (bulletin)")
        parser.add_argument(
            "--office",
            metavar="UNITCODE",
            help="whose ranking or bulletin (default: the top office)",
        )
        parser.add_argument("--language", default="zh-hans", choices=["zh-hans", "en"])

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate(options["language"])
        output = Path(options["output"])
        content = self._build(options["what"], output.suffix.lower().lstrip("."), options)
        output.write_bytes(content)
        # An operator's export, as the pages' are (by nobody signed in).
        audit.record(
            "export", kind=options["what"], file=output.name, size=len(content), source="command"
        )
        self.stdout.write(f"wrote {output} ({len(content):,} bytes)")

    def _build(self, what: str, ext: str, options: dict[str, Any]) -> bytes:
        wanted = {"ranking": ("xlsx", "docx"), "tasks": ("xlsx",), "warnings": ("xlsx",)}.get(
            what, ("docx",)
        )
        if ext not in wanted:
            raise CommandError(f"{what} is written as {' or '.join('.' + w for w in wanted)}")
        office = find_office(options.get("office"))
        if office is None:
            raise CommandError(
                f"--office {options.get('office')!r}: no unit runs an office by that code"
            )
        if what == "tasks":
            tasks = (
                Task.objects.select_related("lead_unit", "leader")
                .prefetch_related("co_units")
                .order_by("plan_id", "sort_key", "id")
            )
            return exports.tasks_xlsx(tasks)
        if what == "warnings":
            warnings = TaskWarning.objects.filter(
                cleared_at__isnull=True, withdrawn_at__isnull=True
            ).select_related("task__lead_unit", "task__leader")
            return exports.warnings_xlsx(warnings.order_by("-level", "raised_at", "id"))
        if what == "ranking":
            label = options["quarter"] or (
                periods.quarter_containing(timezone.localdate()).previous().label
            )
            try:
                quarter = periods.quarter_from_label(label)
            except ValueError:
                raise CommandError(f"not a quarter: {label!r} (write 2026Q3)") from None
            standing = assessment.standing(quarter, office)
            if ext == "docx":
                return exports.ranking_docx(standing, _organisation(office))
            return exports.ranking_xlsx(standing)
        if what == "assignment":
            meeting = Meeting.objects.filter(pk=options["meeting"] or 0).first()
            if meeting is None:
                raise CommandError("give an existing --meeting ID")
            assigned = list(
                Task.objects.filter(meeting=meeting)
                .select_related("lead_unit", "leader")
                .prefetch_related("co_units")
                .order_by("sort_key", "id")
            )
            return exports.assignment_docx(meeting, assigned, _organisation(meeting.office))
        if what == "notice":
            notice = SupervisionNotice.objects.filter(pk=options["notice"] or 0).first()
            if notice is None:
                raise CommandError("give an existing --notice ID")
            return exports.notice_docx(notice, _organisation(notice.office))
        try:
            month = periods.period_from_label(options["month"] or "")
        except ValueError:
            raise CommandError("give --month as 2026-10") from None
        review = assessment.review_for(month, office)
        figures = (
            review.snapshot
            if review.is_published
            else month_review(month, assessment.office_tasks(office))
        )
        return exports.bulletin_docx(review, figures, _organisation(office))
