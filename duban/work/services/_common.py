"""Helpers every service uses: the conflict error, the timeline, row locks, attachments."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Sequence
from typing import Any, ParamSpec, TypeVar

from django.core.exceptions import ValidationError
from django.utils import timezone

from duban.org.models import Person, Unit
from duban.org.scope import Actor, person_of, scope_of

from ..attachments import CheckedUpload
from ..models import (
    Attachment,
    Task,
    TaskEvent,
)


class ConflictError(ValidationError):
    """Someone else saved the same object since this person loaded it."""


def record_event(
    task: Task,
    kind: str,
    actor: Actor,
    *,
    text: str = "",
    unit: Unit | None = None,
    at: dt.datetime | None = None,
    **data: Any,
) -> TaskEvent:
    """Add an entry to the task's timeline, in the caller's transaction (the
    record the notifications fan out from; the apps built on tasks write theirs
    here too)."""
    return TaskEvent.objects.create(
        task=task,
        kind=kind,
        actor=person_of(actor),
        unit=unit,
        text=text,
        at=at or timezone.now(),
        data=data,
    )


P = ParamSpec("P")
R = TypeVar("R")


def scope_first(service: Callable[P, R]) -> Callable[P, R]:
    """Read the ``actor``'s scope before ``service`` opens its transaction.

    The scope is kept on the actor, so the check inside reads nothing more;
    read inside, it would hold the write lock a millisecond longer, and on
    SQLite no other unit can file while one holds it."""

    @functools.wraps(service)
    def read_first(*args: P.args, **kwargs: P.kwargs) -> R:
        scope_of(kwargs["actor"])
        return service(*args, **kwargs)

    return read_first


def lock_row(model: Any, pk: int, related: tuple[str, ...] = ()) -> Any:
    """The row read afresh under a write lock, for checking and changing it;
    ``related``: foreign keys read in the same query (not locked)."""
    # On PostgreSQL a row lock; on SQLite the IMMEDIATE transaction already
    # serialises writers, so reading inside it is just as safe.
    rows = model.objects.all()
    if related:
        rows = rows.select_related(*related).select_for_update(of=("self",))
    else:
        rows = rows.select_for_update()
    return rows.get(pk=pk)


def _attach(task: Task, uploads: Sequence[CheckedUpload], person: Person, **owner: Any) -> None:
    """Store checked uploads as the task's attachments, owned by a report or a
    close request (``report=`` or ``close_request=``)."""
    for upload in uploads:
        Attachment.objects.create(
            task=task,
            file=upload.file,
            original_name=upload.name,
            size=upload.size,
            content_type=upload.content_type,
            uploaded_by=person,
            **owner,
        )
