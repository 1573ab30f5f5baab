"""What the pages offer a person: the role and scope predicates of
``duban.org.scope`` applied to a task. The services check the same rules."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from duban.org.scope import scope_of

if TYPE_CHECKING:
    from .models import Task


def can_manage(person: Any) -> bool:
    """Office staff and administrators run the office: assign, review, decide."""
    return scope_of(person).manages


def can_instruct(person: Any) -> bool:
    return scope_of(person).instructs


def can_act_for_task(person: Any, task: Task) -> bool:
    """A liaison of the lead unit claims, reports, asks for time and for closing."""
    return scope_of(person).may_report_for(task.lead_unit_id)
