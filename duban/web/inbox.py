"""A person's inbox: the work waiting for them (``work.queries``) and what the
supervision record adds (``supervision.queries``), read once for the page and
counted for the link every page shows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from duban.supervision import queries as supervision
from duban.work import queries as work


@dataclass
class Inbox(work.Inbox, supervision.Waiting):
    @property
    def total(self) -> int:
        return self.work_total() + self.supervision_total()


def inbox(person: Any, today: dt.date | None = None) -> Inbox:
    box = Inbox()
    work.inbox(person, today, into=box)
    part = supervision.waiting(person)
    box.warnings, box.notices, box.appeals = part.warnings, part.notices, part.appeals
    return box


def inbox_count(person: Any) -> int:
    """The number shown on the inbox link: things waiting for this person."""
    return work.inbox_count(person) + supervision.waiting_count(person)
