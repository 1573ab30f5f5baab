"""Who hears about what, and queuing it: in-app messages at once, emails and
chat posts into the outbox for the worker.

Set-based: whatever the number of events, a fixed handful of queries (the
tasks, the liaisons of their units, the people, the robots, then bulk
inserts). Every message carries a key; the unique constraints drop a repeat,
so calling this twice for the same events sends nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from duban.assessment.models import MonthlyReview
from duban.lib import rules
from duban.org.models import Membership, Person, Role
from duban.org.scope import office_members
from duban.projects.models import Project
from duban.supervision.models import SupervisionNotice
from duban.work.models import EventKind, Instruction, ProgressReport, Task, TaskEvent

from .hooks import redacted
from .models import Channel, ChatHook, Delivery, FanoutCursor, Kind, Notification
from .render import absolute, render_in


@dataclass
class Message:
    kind: str
    key: str
    data: dict[str, Any]
    task_id: int | None = None
    people: set[int] = field(default_factory=set)  # person ids
    units: set[int] = field(default_factory=set)  # units whose chat robots hear it


def task_data(task_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    rows = Task.objects.filter(pk__in=set(task_ids)).values(
        "id", "serial", "title", "title_en", "lead_unit_id", "leader_id"
    )
    return {row["id"]: dict(row) for row in rows}


def liaisons_of(unit_ids: Iterable[int]) -> dict[int, set[int]]:
    found: dict[int, set[int]] = {}
    for unit_id, person_id in Membership.objects.filter(
        unit_id__in=set(unit_ids), person__role=Role.LIAISON, person__is_active=True
    ).values_list("unit_id", "person_id"):
        found.setdefault(unit_id, set()).add(person_id)
    return found


def about_task(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "task_id": task["id"],
        "serial": task["serial"],
        "title": task["title"],
        "title_en": task["title_en"],
    }


def send(messages: Sequence[Message], *, now: Any = None) -> int:
    """Queue messages; return how many in-app messages were new."""
    if not messages:
        return 0
    now = now or timezone.now()
    sent_on = timezone.localdate(now)
    person_ids = set().union(*(m.people for m in messages))
    people = {
        p.pk: p
        for p in Person.objects.filter(pk__in=person_ids, is_active=True).only(
            "id", "email", "language", "email_notifications"
        )
    }
    unit_ids = set().union(*(m.units for m in messages))
    hooks: dict[int, list[ChatHook]] = {}
    if unit_ids:
        for hook in ChatHook.objects.filter(unit_id__in=unit_ids, enabled=True):
            hooks.setdefault(hook.unit_id, []).append(hook)
    notes: list[Notification] = []
    out: list[Delivery] = []
    rendered: dict[tuple[str, str], Any] = {}

    def text(message: Message, language: str) -> Any:
        key = (message.key, language)
        if key not in rendered:
            rendered[key] = render_in(language, message.kind, message.data, sent_on)
        return rendered[key]

    for message in messages:
        for person_id in sorted(message.people):
            person = people.get(person_id)
            if person is None:
                continue
            notes.append(
                Notification(
                    recipient_id=person_id,
                    kind=message.kind,
                    key=message.key,
                    task_id=message.task_id,
                    data=message.data,
                    created_at=now,
                )
            )
            if settings.DUBAN_EMAIL_ENABLED and person.email and person.email_notifications:
                words = text(message, person.language)
                out.append(
                    Delivery(
                        channel=Channel.EMAIL,
                        key=message.key,
                        recipient_id=person_id,
                        address=person.email,
                        subject=words.title[:200],
                        body=f"{words.body}\n\n{absolute(words.link)}",
                        link=absolute(words.link) if words.link else "",
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
        for unit_id in sorted(message.units):
            for hook in hooks.get(unit_id, []):
                words = text(message, hook.language)
                out.append(
                    Delivery(
                        channel=Channel.HOOK,
                        key=message.key,
                        hook=hook,
                        address=redacted(hook.url)[:254],
                        subject=words.title[:200],
                        body=words.body,
                        link=absolute(words.link) if words.link else "",
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
    # Leave out what was already sent (a repeat call); the constraint settles a race.
    keys = sorted({n.key for n in notes})
    seen: set[tuple[int, str]] = set()
    for start in range(0, len(keys), 500):
        seen.update(
            Notification.objects.filter(key__in=keys[start : start + 500]).values_list(
                "recipient_id", "key"
            )
        )
    notes = [n for n in notes if (n.recipient_id, n.key) not in seen]
    Notification.objects.bulk_create(notes, batch_size=500, ignore_conflicts=True)
    if out:
        # The worker sends them: at once after a scan or a fan-out, else on its
        # minute sweep (the outbox never sends inside a request).
        Delivery.objects.bulk_create(out, batch_size=500, ignore_conflicts=True)
    return len(notes)


# --- from the record to the people ---------------------------------------------------

# The timeline's events that someone is told of, and how.
TOLD = (EventKind.REPORT_RETURNED, EventKind.INSTRUCTION, EventKind.NOTICE_ISSUED)
BATCH = 500
# Events are read again this far behind the cursor: on PostgreSQL a transaction
# that took an id earlier may commit after one that took a later id. Reading
# them twice is harmless (every message has a key); missing one is not.
OVERLAP = 200


class _Lost(Exception):
    """Another worker moved the cursor first: what this one wrote is undone."""


def fan_out(*, now: Any = None) -> int:
    """Tell people what the record says happened since the last run: reports
    returned, leaders' instructions and supervision notices (from the task
    timeline, past a cursor), and monthly reviews published (each claimed by
    setting ``announced_at``). The services never call this: they write what
    happened, and the worker runs this every minute, before the outbox."""
    told = 0
    try:
        with transaction.atomic():
            told += _from_timeline()
    except _Lost:
        pass
    for review_id in MonthlyReview.objects.filter(
        published_at__isnull=False, announced_at__isnull=True
    ).values_list("pk", flat=True):
        with transaction.atomic():
            claimed = MonthlyReview.objects.filter(pk=review_id, announced_at__isnull=True).update(
                announced_at=now or timezone.now()
            )
            if claimed:
                told += for_review(MonthlyReview.objects.select_related("office").get(pk=review_id))
    return told


def _from_timeline() -> int:
    cursor, _created = FanoutCursor.objects.get_or_create(name="timeline")
    events = list(
        TaskEvent.objects.filter(pk__gt=max(cursor.last_id - OVERLAP, 0), kind__in=TOLD)
        .order_by("pk")
        .values_list("pk", "kind", "data")[:BATCH]
    )
    if not events:
        return 0
    told = 0
    ids = {kind: [d.get(FIELD[kind]) for _pk, k, d in events if k == kind] for kind in TOLD}
    for report in ProgressReport.objects.filter(pk__in=ids[EventKind.REPORT_RETURNED]):
        told += for_returned_report(report)
    for instruction in Instruction.objects.filter(pk__in=ids[EventKind.INSTRUCTION]).select_related(
        "leader"
    ):
        told += for_instruction(instruction, now=instruction.created_at)
    for notice in SupervisionNotice.objects.filter(pk__in=ids[EventKind.NOTICE_ISSUED]):
        told += for_notice(notice)
    last = max(cursor.last_id, events[-1][0])
    moved = FanoutCursor.objects.filter(name="timeline", last_id=cursor.last_id).update(
        last_id=last
    )
    if not moved:
        raise _Lost
    return told


# Where each told event names its object.
FIELD = {
    EventKind.REPORT_RETURNED: "report",
    EventKind.INSTRUCTION: "instruction",
    EventKind.NOTICE_ISSUED: "notice_id",
}


# --- what each event tells whom --------------------------------------------------


def for_warnings(warnings: Sequence[Any], *, now: Any = None) -> int:
    """New and escalated warnings: the lead unit's liaisons and its robots;
    red ones also the responsible leader."""
    if not warnings:
        return 0
    tasks = task_data(w.task_id for w in warnings)
    liaisons = liaisons_of(t["lead_unit_id"] for t in tasks.values())
    messages = []
    for warning in warnings:
        task = tasks[warning.task_id]
        people = set(liaisons.get(task["lead_unit_id"], set()))
        if warning.level >= rules.RED and task["leader_id"]:
            people.add(task["leader_id"])
        messages.append(
            Message(
                kind=Kind.DUE if warning.rule == rules.NEAR_DUE else Kind.WARNING,
                key=f"warning:{warning.pk}:{warning.level}",
                data={
                    **about_task(task),
                    "rule": warning.rule,
                    "level": warning.level,
                    "facts": warning.facts,
                },
                task_id=warning.task_id,
                people=people,
                units={task["lead_unit_id"]},
            )
        )
    return send(messages, now=now)


def for_notice(notice: Any) -> int:
    task = task_data([notice.task_id])[notice.task_id]
    people = set(liaisons_of([notice.unit_id]).get(notice.unit_id, set()))
    if task["leader_id"]:
        people.add(task["leader_id"])
    return send(
        [
            Message(
                kind=Kind.NOTICE,
                key=f"notice:{notice.pk}",
                data={
                    **about_task(task),
                    # The number is worded when shown, in the reader's language.
                    "year": notice.year,
                    "no": notice.number,
                    "answer_by": notice.answer_by.isoformat(),
                    "reason": notice.reason,
                },
                task_id=notice.task_id,
                people=people,
                units={notice.unit_id},
            )
        ],
        now=notice.issued_at,
    )


def for_returned_report(report: Any) -> int:
    task = task_data([report.task_id])[report.task_id]
    people = set(liaisons_of([report.unit_id]).get(report.unit_id, set()))
    if report.author_id:
        people.add(report.author_id)
    return send(
        [
            Message(
                kind=Kind.RETURNED,
                key=f"returned:{report.pk}:{report.return_count}",
                data={
                    **about_task(task),
                    "period": report.period_label,
                    "comment": report.review_comment,
                },
                task_id=report.task_id,
                people=people,
                units={report.unit_id},
            )
        ],
        now=report.reviewed_at,
    )


def for_instruction(instruction: Any, *, now: Any = None) -> int:
    task = task_data([instruction.task_id])[instruction.task_id]
    units = {
        task["lead_unit_id"],
        *Task.co_units.through.objects.filter(task_id=instruction.task_id).values_list(
            "unit_id", flat=True
        ),
    }
    people = set().union(*liaisons_of(units).values()) if units else set()
    return send(
        [
            Message(
                kind=Kind.INSTRUCTION,
                key=f"instruction:{instruction.pk}",
                data={
                    **about_task(task),
                    "leader": str(instruction.leader),
                    "text": instruction.text,
                },
                task_id=instruction.task_id,
                people=people,
                units={task["lead_unit_id"]},
            )
        ],
        now=now,
    )


def for_review(review: Any) -> int:
    """A published monthly review: the liaisons and leaders of the office's
    units (and of the office itself; of the top office, leaders of no unit
    too), and those units' robots."""
    units = {*office_members(review.office).values_list("pk", flat=True), review.office_id}
    people = set(
        Membership.objects.filter(
            unit_id__in=units,
            person__role__in=(Role.LIAISON, Role.LEADER),
            person__is_active=True,
        ).values_list("person_id", flat=True)
    )
    if review.office.parent_id is None:
        # Leaders of no unit see the whole tree (a one-office install): the top's review.
        people |= set(
            Person.objects.filter(
                role=Role.LEADER, is_active=True, memberships__isnull=True
            ).values_list("pk", flat=True)
        )
    robots = set(
        ChatHook.objects.filter(enabled=True, unit_id__in=units).values_list("unit_id", flat=True)
    )
    return send(
        [
            Message(
                kind=Kind.REVIEW,
                key=f"review:{review.office_id}:{review.month}",
                data={"month": review.month, "remarks": review.remarks[:500]},
                people=people,
                units=robots,
            )
        ]
    )


def for_project_warnings(warnings: Sequence[Any]) -> int:
    """New project warnings: the responsible unit's liaisons and robots; red
    ones also the responsible leader."""
    if not warnings:
        return 0

    projects = {
        p["id"]: p
        for p in Project.objects.filter(pk__in={w.project_id for w in warnings}).values(
            "id", "code", "name", "name_en", "unit_id", "leader_id"
        )
    }
    liaisons = liaisons_of(p["unit_id"] for p in projects.values())
    messages = []
    for warning in warnings:
        project = projects[warning.project_id]
        people = set(liaisons.get(project["unit_id"], set()))
        if warning.level >= rules.RED and project["leader_id"]:
            people.add(project["leader_id"])
        messages.append(
            Message(
                kind=Kind.PROJECT,
                key=f"project-warning:{warning.pk}:{warning.level}",
                data={
                    "project_id": project["id"],
                    "serial": project["code"],
                    "title": project["name"],
                    "title_en": project["name_en"],
                    "rule": warning.rule,
                    "level": warning.level,
                    "facts": warning.facts,
                },
                people=people,
                units={project["unit_id"]},
            )
        )
    return send(messages)
