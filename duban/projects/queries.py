"""Reads of projects and indicators, scoped like tasks: the office and leaders
see their subtree (everything in a one-office install); a liaison sees the
projects their unit is responsible for or that lie in their district or park."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from duban.org.models import Unit

from .models import IndicatorTarget, Project


def visible_projects(person: Any) -> QuerySet[Project]:
    projects = Project.objects.all()
    if not person.is_authenticated:
        return projects.none()
    unit_ids = person.unit_ids()
    if person.sees_everything:
        if not unit_ids:
            return projects
        units = list(Unit.objects.filter(Q(pk__in=unit_ids) | Q(parent__isnull=True)))
        mine = [u for u in units if u.pk in unit_ids]
        if {u.pk for u in units if u.parent_id is None} <= set(unit_ids):
            return projects
        subtree = Unit.objects.subtree_of(mine)
        return projects.filter(Q(unit__in=subtree) | Q(district__in=subtree) | Q(park__in=subtree))
    if not unit_ids:
        return projects.none()
    return projects.filter(
        Q(unit_id__in=unit_ids) | Q(district_id__in=unit_ids) | Q(park_id__in=unit_ids)
    )


def visible_targets(person: Any) -> QuerySet[IndicatorTarget]:
    targets = IndicatorTarget.objects.all()
    if not person.is_authenticated:
        return targets.none()
    if person.sees_everything:
        unit_ids = person.unit_ids()
        if not unit_ids:
            return targets
        roots = list(Unit.objects.filter(pk__in=unit_ids))
        return targets.filter(unit__in=Unit.objects.subtree_of(roots))
    return targets.filter(unit_id__in=person.unit_ids())


def can_report_for(person: Any, project: Project) -> bool:
    """The responsible unit's liaisons report a project's investment."""
    return person.is_liaison and project.unit_id in person.unit_ids()
