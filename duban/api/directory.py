"""The office's directory: people (as the unit pages show them) and plans."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from duban.org.models import Membership, Person
from duban.work import queries

from .common import caller
from .schemas import Id

router = Router()


class PersonOut(Schema):
    id: int
    username: str
    full_name: str
    role: str
    title: str
    is_service: bool
    unit_ids: list[int]


class PeopleQuery(Schema):
    unit: Id | None = None


@router.get(
    "/people",
    response=list[PersonOut],
    tags=["units"],
    summary="The people of the units in your scope (name, role, job title and units)",
)
def people(request: HttpRequest, query: Query[PeopleQuery]) -> Any:
    units = queries.visible_units(caller(request))
    if query.unit is not None:
        units = units.filter(pk=query.unit)
    unit_ids = units.values("pk")
    found = (
        Person.objects.filter(is_active=True, memberships__unit__in=unit_ids)
        .distinct()
        .order_by("role", "full_name", "id")
        .prefetch_related(
            # Only the units the caller sees: a person's other units stay unsaid.
            Prefetch("memberships", Membership.objects.filter(unit__in=unit_ids), "seen")
        )
    )
    return [
        {
            "id": p.pk,
            "username": p.username,
            "full_name": p.full_name,
            "role": p.role,
            "title": p.title,
            "is_service": p.is_service,
            "unit_ids": sorted(m.unit_id for m in p.seen),
        }
        for p in found
    ]


class PlanOut(Schema):
    id: int
    title: str
    title_en: str
    year: int | None
    description: str
    owner_unit_id: int
    progress: Decimal
    created_at: dt.datetime


@router.get(
    "/plans",
    response=list[PlanOut],
    tags=["tasks"],
    summary="The plans you may open (an office's, or holding a task you see)",
)
def plans(request: HttpRequest) -> Any:
    return queries.visible_plans(caller(request)).order_by("-year", "-created_at", "-id")


@router.get("/plans/{plan_id}", response=PlanOut, tags=["tasks"], summary="One plan")
def plan(request: HttpRequest, plan_id: Id) -> Any:
    return get_object_or_404(queries.visible_plans(caller(request)), pk=plan_id)
