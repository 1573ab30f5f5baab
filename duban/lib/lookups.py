"""A column among the ids a subquery gives, planned the same with or without
the planner's statistics.

``column IN (subquery)`` leaves PostgreSQL to guess both sides' sizes. With no
statistics (a new installation before its first ANALYZE) it guessed one open
warning of the province's 12,700 and joined a liaison's 1,077 task ids to
each of them: 1.2 s for the warning board. ``column = ANY(ARRAY(subquery))``
runs the subquery once, first, and looks the column up by its index for the
ids it gave: 3.5 ms in either state. SQLite plans ``IN`` well either way (a
list subquery it searches by the column's index), so it keeps ``IN``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import F, Lookup, Q, QuerySet


class Among(Lookup):  # type: ignore[type-arg]
    lookup_name = "among"
    prepare_rhs = False

    def get_prep_lookup(self) -> Any:
        if isinstance(self.rhs, QuerySet):
            self.rhs = self.rhs.query
        if hasattr(self.rhs, "clear_ordering"):
            self.rhs.clear_ordering(clear_default=True)
        return self.rhs

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, Any]:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        if not rhs.startswith("("):
            rhs = f"({rhs})"
        params = (*lhs_params, *rhs_params)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(ARRAY{rhs})", params
        return f"{lhs} IN {rhs}", params


def among(column: str, ids: QuerySet[Any]) -> Q:
    """A filter: ``column`` (a field path, "task", "warning__task") is one of
    the values ``ids`` (a ``values()`` query of one column) selects."""
    return Q(Among(F(column), ids))


def mentions(text: str, *fields: str) -> Q:
    """A filter: one of ``fields`` holds ``text``, whatever its case (a
    search box's "contains"). Most searches are Chinese, with no letter that
    has a case: PostgreSQL then compares the columns as they are, without
    upper-casing 50,000 titles and descriptions to compare them (16 against
    47 ms for a province's tasks); the same rows, since only a letter with a
    case changes when upper-cased. SQLite's LIKE ignores ASCII case either way."""
    lookup = "icontains" if text.upper() != text.lower() else "contains"
    found = Q()
    for field in fields:
        found |= Q(**{f"{field}__{lookup}": text})
    return found
