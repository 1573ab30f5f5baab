"""Reads that may be a little behind go to a read replica; everything else to
the primary (docs/operations.md, "Running a province").

``DATABASE_REPLICA_URL`` (one URL, or several comma-separated) gives the
database aliases ``replica``, ``replica2``, … (``settings.DUBAN_READ_REPLICAS``)
and installs :class:`ReplicaRouter`. Without it there is no router and nothing
here does anything.

A read goes to a replica only inside :func:`replica_reads` (opened by the views
marked ``duban.org.http.reads_may_lag``: the cockpit and the exports, on GET),
and even there not

- inside a transaction: a service's ``atomic`` block reads what it then
  writes, and must read it from the primary;
- once the block has written anything (an export's audit row): from then on
  it reads the primary, so it never reads back older than what it wrote;
- for who the person is and may be (the session, the person, their
  memberships, groups, sign-in links and second factors, lockouts, tokens,
  the audit log, the worker's queue): a password changed, a person switched
  off or taken out of a unit a moment ago counts at once.

A replica replays the primary's changes after a delay (on one network well
under a second; longer under a burst of writes, or when it falls behind):
what the cockpit and the exports show may be that much older than the
primary. A replica that cannot be reached is skipped for the next
``SKIP_SECONDS``: the blocks read the primary and the log says so once.

Writes always go to the primary; migrations run only there.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections

PRIMARY = DEFAULT_DB_ALIAS

# Who the person is and what they may do, and the records that guard it: read
# from the primary always (app labels; the user model and memberships below).
PRIMARY_APPS = frozenset(
    {
        "sessions",
        "auth",
        "axes",
        "sso",
        "django_cas_ng",
        "api",
        "audit",
        "django_tasks_database",
    }
)
PRIMARY_MODELS = frozenset({"org.Membership"})

logger = logging.getLogger("duban.routing")
# A replica that did not answer is not tried again for this long (per process),
# so a dead host costs one connection timeout, not one per page.
SKIP_SECONDS = 30.0
_skipped_until: dict[str, float] = {}


@dataclass
class _Reads:
    alias: str  # the replica this block reads from
    wrote: bool = False


_reads: ContextVar[_Reads | None] = ContextVar("duban_replica_reads", default=None)


def replicas() -> list[str]:
    return list(getattr(settings, "DUBAN_READ_REPLICAS", []))


def _reachable(alias: str) -> bool:
    """Whether the replica answers: what Django does before a cursor (the
    health check, then connecting), done once when the block opens."""
    if time.monotonic() < _skipped_until.get(alias, 0.0):
        return False
    connection = connections[alias]
    try:
        connection.close_if_health_check_failed()
        connection.ensure_connection()
    except DatabaseError as error:
        _skipped_until[alias] = time.monotonic() + SKIP_SECONDS
        logger.warning(
            "read replica %s cannot be reached, reading the primary for %.0f s: %s",
            alias,
            SKIP_SECONDS,
            error,
        )
        return False
    return True


@contextmanager
def replica_reads() -> Iterator[str]:
    """Inside this block reads may come from a replica (see the module's
    rules). Yields the alias it reads from: a replica, or the primary when
    there is none or it cannot be reached; nested, the outer block's."""
    current = _reads.get()
    if current is not None:
        yield current.alias
        return
    names = replicas()
    alias = random.choice(names) if names else PRIMARY  # noqa: S311 - spreading load
    if alias == PRIMARY or not _reachable(alias):
        yield PRIMARY
        return
    token = _reads.set(_Reads(alias))
    try:
        yield alias
    finally:
        _reads.reset(token)


def may_lag(model: Any) -> bool:
    """Whether this model's rows may be read from a replica at all."""
    meta = model._meta
    return (
        meta.app_label not in PRIMARY_APPS
        and meta.label not in PRIMARY_MODELS
        and meta.label != settings.AUTH_USER_MODEL
    )


class ReplicaRouter:
    """Django's database router for the rules above."""

    def db_for_read(self, model: Any, **hints: Any) -> str:
        reads = _reads.get()
        if (
            reads is None
            or reads.wrote
            or not may_lag(model)
            or connections[PRIMARY].in_atomic_block
        ):
            return PRIMARY
        return reads.alias

    def db_for_write(self, model: Any, **hints: Any) -> str:
        # Also asked for reads that lock or may create (select_for_update,
        # get_or_create): those count as writing, which is the safe side.
        reads = _reads.get()
        if reads is not None:
            reads.wrote = True
        return PRIMARY

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        # A row read from a replica is the primary's row: it may be linked to one read there.
        ours = {PRIMARY, *replicas()}
        if obj1._state.db in ours and obj2._state.db in ours:
            return True
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY
