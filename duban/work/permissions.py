"""Who may do what. Pure functions of the person and the object."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .models import Task


def can_manage(person: Any) -> bool:
    """Office staff and administrators run the office: assign, review, decide."""
    return bool(person.is_authenticated and person.is_office)


def can_instruct(person: Any) -> bool:
    return bool(person.is_authenticated and person.is_leader)


def can_act_for_task(person: Any, task: Task) -> bool:
    """A liaison of the lead unit claims, reports, asks for time and for closing."""
    return bool(
        person.is_authenticated and person.is_liaison and task.lead_unit_id in person.unit_ids()
    )
