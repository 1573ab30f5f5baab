"""Reads of projects and indicators, scoped like tasks (``duban.org.scope``): the
office and leaders see their subtree (everything in a one-office install); a
liaison sees the projects their unit is responsible for or that lie in their
district or park."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from duban.org.scope import Scope, scope_of

from .models import BatchEvent, Indicator, IndicatorTarget, Project


def project_q(scope: Scope) -> Any:
    """A project lies inside a scope when its responsible unit, its district or
    its park does."""
    if scope.everything:
        return scope.unit_q("unit")
    return scope.unit_q("unit") | scope.unit_q("district") | scope.unit_q("park")


def visible_projects(person: Any) -> QuerySet[Project]:
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Project.objects.none()
    return Project.objects.filter(project_q(scope))


def project_in_scope(scope: Scope, project: Project) -> bool:
    return any(scope.covers(u) for u in (project.unit, project.district, project.park) if u)


def visible_targets(person: Any) -> QuerySet[IndicatorTarget]:
    scope = scope_of(person)
    if not scope.is_signed_in:
        return IndicatorTarget.objects.none()
    return IndicatorTarget.objects.filter(scope.unit_q("unit"))


def can_report_for(person: Any, project: Project) -> bool:
    """The responsible unit's liaisons report a project's investment."""
    return scope_of(person).may_report_for(project.unit_id)


def visible_events(person: Any) -> QuerySet[BatchEvent]:
    """The "three batches" events of the offices whose records the person may read."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return BatchEvent.objects.none()
    return BatchEvent.objects.filter(scope.office_q("office"))


def visible_indicators(person: Any) -> QuerySet[Indicator]:
    """The key indicators of the offices whose records the person may read."""
    scope = scope_of(person)
    if not scope.is_signed_in:
        return Indicator.objects.none()
    return Indicator.objects.filter(scope.office_q("office"))
