"""Set-based writes for the scan: many warnings or events in one statement.

The scan (scan.py) works out what differs between the findings and the
active warnings; this module writes only that, a statement per batch rather
than per row, without making model instances of what it writes:

- ``insert_warnings``: one ``INSERT ... VALUES (...), (...) RETURNING`` per
  batch, answering the new ids;
- ``update_warnings``: a new level and facts for many warnings in one
  ``UPDATE ... FROM`` a ``VALUES`` list (SQLite from 3.33, with a prepared
  statement run for every row before that);
- ``clear_warnings``: one ``UPDATE ... WHERE id IN (...)`` per batch;
- ``insert_events``: the warning events, as the warnings.

On PostgreSQL each is one statement whatever the number of rows, the columns
passed as arrays (``INSERT ... SELECT ... FROM unnest(...)``, ``UPDATE ...
FROM unnest(...)``, ``WHERE id = ANY(...)``).

Facts go in as JSON text (``json.dumps``, as the JSONField writes them);
timestamps as the backend's adapter makes them. A batch keeps to the
backend's limit of parameters (SQLite's compiled limit, PostgreSQL's 65,535).
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Iterator, Sequence
from typing import Any

from django.db import connection

from .models import TaskWarning, WarningEvent

WARNINGS = TaskWarning._meta.db_table
EVENTS = WarningEvent._meta.db_table

# SQLite before 3.33 has no UPDATE ... FROM, before 3.35 no RETURNING.
UPDATE_FROM = connection.vendor != "sqlite" or sqlite3.sqlite_version_info >= (3, 33)
RETURNING = connection.vendor != "sqlite" or sqlite3.sqlite_version_info >= (3, 35)
# PostgreSQL takes each column as one array parameter (unnest): a statement of
# any size without a VALUES list to parse (13,000 rows of a list: 0.2 s a batch).
_ARRAYS = connection.vendor == "postgresql"


def _max_params() -> int:
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        raw = connection.connection
        if hasattr(raw, "getlimit"):  # Python 3.11
            return int(raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER))
        return 999
    return 65_535


def _batches(rows: Sequence[Any], per_row: int) -> Iterator[Sequence[Any]]:
    size = max(1, min(5000, (_max_params() - 2) // per_row))
    for start in range(0, len(rows), size):
        yield rows[start : start + size]


def _json() -> str:
    """The placeholder of a JSON value (PostgreSQL reads the text as jsonb)."""
    return "CAST(%s AS jsonb)" if connection.vendor == "postgresql" else "%s"


def _stamp(at: dt.datetime) -> Any:
    return connection.ops.adapt_datetimefield_value(at)


def facts_text(facts: dict[str, Any]) -> str:
    return json.dumps(facts)


def insert_warnings(
    rows: Sequence[tuple[int, int, str, int, dict[str, Any]]],
    now: dt.datetime,
    event: str | None = None,
) -> dict[tuple[int, str], int]:
    """Raise new warnings: (task id, unit id, rule, level, facts) each, raised
    and changed at ``now``; with ``event``, an event of that kind for each, at
    ``now``, copied from the row inserted (on PostgreSQL in the same
    statement). Answers their ids by (task id, rule)."""
    ids: dict[tuple[int, str], int] = {}
    stamp = _stamp(now)
    one = f"(%s, %s, %s, %s, {_json()}, %s, %s)"
    with connection.cursor() as cursor:
        if _ARRAYS:
            task_ids, unit_ids, names, levels, facts = zip(*rows, strict=True)
            insert = (
                f"INSERT INTO {WARNINGS} (task_id, unit_id, rule, level, facts, raised_at, "  # noqa: S608
                "changed_at) SELECT v.task_id, v.unit_id, v.rule, v.level, v.facts, %s, %s "
                "FROM unnest(%s::bigint[], %s::bigint[], %s::text[], %s::smallint[], "
                "%s::jsonb[]) AS v (task_id, unit_id, rule, level, facts) "
            )
            params = [stamp, stamp, list(task_ids), list(unit_ids), list(names), list(levels)]
            params.append([facts_text(f) for f in facts])
            if event is None:
                cursor.execute(insert + "RETURNING id, task_id, rule", params)
            else:
                cursor.execute(
                    f"WITH new AS ({insert}RETURNING id, task_id, rule, level, facts), "  # noqa: S608
                    f"events AS (INSERT INTO {EVENTS} (warning_id, kind, level, facts, at) "
                    "SELECT id, %s, level, facts, %s FROM new) SELECT id, task_id, rule FROM new",
                    [*params, event, stamp],
                )
            return {(task_id, rule): pk for pk, task_id, rule in cursor.fetchall()}
        for batch in _batches(rows, 7):
            params = []
            for task_id, unit_id, rule, level, facts in batch:
                params += [task_id, unit_id, rule, level, facts_text(facts), stamp, stamp]
            cursor.execute(
                f"INSERT INTO {WARNINGS} (task_id, unit_id, rule, level, facts, raised_at, "  # noqa: S608
                f"changed_at) VALUES {', '.join([one] * len(batch))}"
                + (" RETURNING id, task_id, rule" if RETURNING else ""),
                params,
            )
            if RETURNING:
                found = {(task_id, rule): pk for pk, task_id, rule in cursor.fetchall()}
                if event is not None:
                    _copy_events(cursor, list(found.values()), event, stamp)
                ids.update(found)
        if not RETURNING:  # the active warnings raised at ``now`` are these
            cursor.execute(
                f"SELECT id, task_id, rule FROM {WARNINGS} "  # noqa: S608
                "WHERE cleared_at IS NULL AND raised_at = %s",
                [stamp],
            )
            ids = {(task_id, rule): pk for pk, task_id, rule in cursor.fetchall()}
            if event is not None:
                for batch in _batches(list(ids.values()), 1):
                    _copy_events(cursor, batch, event, stamp)
    return ids


def _copy_events(cursor: Any, ids: Sequence[int], kind: str, stamp: Any) -> None:
    """An event of ``kind`` for each of the warnings ``ids``, with its level and facts."""
    cursor.execute(
        f"INSERT INTO {EVENTS} (warning_id, kind, level, facts, at) "  # noqa: S608
        f"SELECT id, %s, level, facts, %s FROM {WARNINGS} "
        f"WHERE id IN ({', '.join(['%s'] * len(ids))})",
        [kind, stamp, *ids],
    )


def update_warnings(rows: Sequence[tuple[int, int, dict[str, Any]]], now: dt.datetime) -> int:
    """A new level and facts for warnings: (id, level, facts) each, changed at ``now``."""
    if not rows:
        return 0
    stamp = _stamp(now)
    with connection.cursor() as cursor:
        if _ARRAYS:
            pks, levels, facts = zip(*rows, strict=True)
            cursor.execute(
                f"UPDATE {WARNINGS} SET level = v.level, facts = v.facts, changed_at = %s "  # noqa: S608
                "FROM unnest(%s::bigint[], %s::smallint[], %s::jsonb[]) AS v (id, level, facts) "
                f"WHERE {WARNINGS}.id = v.id",
                [stamp, list(pks), list(levels), [facts_text(f) for f in facts]],
            )
            return len(rows)
        if not UPDATE_FROM:
            cursor.executemany(
                f"UPDATE {WARNINGS} SET level = %s, facts = {_json()}, changed_at = %s "  # noqa: S608
                "WHERE id = %s",
                [(level, facts_text(facts), stamp, pk) for pk, level, facts in rows],
            )
            return len(rows)
        # SQLite names a VALUES list's columns column1, column2...; PostgreSQL
        # takes the names after the alias.
        if connection.vendor == "sqlite":
            alias, pk_, level_, facts_ = "v", "v.column1", "v.column2", "v.column3"
        else:
            alias, pk_, level_, facts_ = "v (id, level, facts)", "v.id", "v.level", "v.facts"
        for batch in _batches(rows, 3):
            params: list[Any] = [stamp]
            for pk, level, facts in batch:
                params += [pk, level, facts_text(facts)]
            values = ", ".join(["(%s, %s, %s)"] * len(batch))
            cursor.execute(
                f"UPDATE {WARNINGS} SET level = {level_}, facts = {_json() % facts_}, "  # noqa: S608
                f"changed_at = %s FROM (VALUES {values}) AS {alias} WHERE {WARNINGS}.id = {pk_}",
                params,
            )
    return len(rows)


def clear_warnings(ids: Sequence[int], now: dt.datetime) -> int:
    """Clear warnings at ``now``."""
    stamp = _stamp(now)
    with connection.cursor() as cursor:
        if _ARRAYS:
            cursor.execute(
                f"UPDATE {WARNINGS} SET cleared_at = %s WHERE id = ANY(%s::bigint[])",  # noqa: S608
                [stamp, list(ids)],
            )
            return len(ids)
        for batch in _batches(ids, 1):
            cursor.execute(
                f"UPDATE {WARNINGS} SET cleared_at = %s "  # noqa: S608
                f"WHERE id IN ({', '.join(['%s'] * len(batch))})",
                [stamp, *batch],
            )
    return len(ids)


def insert_events(rows: Sequence[tuple[int, str, int, dict[str, Any]]], now: dt.datetime) -> int:
    """Record warning events: (warning id, kind, level, facts) each, at ``now``."""
    stamp = _stamp(now)
    one = f"(%s, %s, %s, {_json()}, %s)"
    with connection.cursor() as cursor:
        if _ARRAYS:
            warning_ids, kinds, levels, facts = zip(*rows, strict=True)
            cursor.execute(
                f"INSERT INTO {EVENTS} (warning_id, kind, level, facts, at) "  # noqa: S608
                "SELECT v.warning_id, v.kind, v.level, v.facts, %s "
                "FROM unnest(%s::bigint[], %s::text[], %s::smallint[], %s::jsonb[]) "
                "AS v (warning_id, kind, level, facts)",
                [stamp, list(warning_ids), list(kinds), list(levels)]
                + [[facts_text(f) for f in facts]],
            )
            return len(rows)
        for batch in _batches(rows, 5):
            params: list[Any] = []
            for warning_id, kind, level, facts in batch:
                params += [warning_id, kind, level, facts_text(facts), stamp]
            cursor.execute(
                f"INSERT INTO {EVENTS} (warning_id, kind, level, facts, at) "  # noqa: S608
                f"VALUES {', '.join([one] * len(batch))}",
                params,
            )
    return len(rows)
