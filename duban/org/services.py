"""Every write to units and people."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from duban.audit import log as audit

from .models import Membership, Person, Role, Unit, grant_what_the_role_gives
from .scope import (
    Actor,
    directory_of,
    person_of,
    require_gives,
    role_refused,
    roles_given_by,
    scope_of,
)


def _path_for(unit: Unit) -> tuple[str, int]:
    if unit.parent_id is None:
        return f"{unit.pk:06d}/", 0
    parent = unit.parent
    assert parent is not None
    return f"{parent.path}{unit.pk:06d}/", parent.depth + 1


@transaction.atomic
def unit_create(
    *,
    actor: Actor,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    name_en: str = "",
    short_name: str = "",
    aliases: str = "",
    position: int = 0,
    runs_office: bool = False,
) -> Unit:
    """A unit under ``parent`` (a top unit needs a scope over everything)."""
    directory_of(actor).require_keep_units(parent)
    unit = Unit(
        code=code,
        name=name,
        name_en=name_en,
        short_name=short_name,
        aliases=aliases,
        kind=kind,
        parent=parent,
        position=position,
        runs_office=runs_office,
    )
    unit.full_clean(exclude=["path"])
    unit.save()
    unit.path, unit.depth = _path_for(unit)
    unit.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def unit_move(*, actor: Actor, unit: Unit, parent: Unit | None) -> Unit:
    """Place ``unit`` (and its whole subtree) under ``parent``: both where it
    was and where it goes lie inside the actor's scope."""
    scope = directory_of(actor)
    scope.require_keep_units(Unit.objects.get(pk=unit.pk))
    scope.require_keep_units(parent)
    if parent is not None and parent.path.startswith(unit.path):
        raise ValueError("a unit cannot be moved under itself")
    old_path = unit.path
    unit.parent = parent
    unit.path, unit.depth = _path_for(unit)
    unit.save(update_fields=["parent", "path", "depth"])
    for child in Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk):
        child.path = unit.path + child.path[len(old_path) :]
        child.depth = child.path.count("/") - 1
        child.save(update_fields=["path", "depth"])
    return unit


@transaction.atomic
def person_create(
    *,
    actor: Actor,
    username: str,
    role: str,
    full_name: str = "",
    password: str | None = None,
    units: list[Unit] | None = None,
    email: str = "",
    title: str = "",
) -> Person:
    """A person placed in ``units``, of a role the actor gives (``scope.KEEPS``),
    each unit inside the actor's directory scope."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    if role not in roles_given_by(actor):
        raise PermissionDenied(role_refused(role))
    scope = directory_of(actor)
    wanted: list[Unit | None] = [*units] if units else [None]
    for unit in wanted:
        scope.require_covers(unit)
    person = _person_make(
        username=username,
        role=role,
        full_name=full_name,
        password=password,
        units=units,
        email=email,
        title=title,
    )
    if isinstance(actor, Person):  # an administrator's act (the system's own are not)
        if password:
            require_new_password(person)
        audit.record(
            "person.created",
            actor=actor,
            target=person,
            role=role,
            units=[u.pk for u in units or []],
        )
    return person


def require_new_password(person: Person) -> None:
    """The person chooses their own password at their next sign-in (someone
    else, an administrator, set this one)."""
    Person.objects.filter(pk=person.pk).update(must_change_password=True)
    person.must_change_password = True


def _person_make(
    *,
    username: str,
    role: str,
    full_name: str,
    password: str | None,
    units: list[Unit] | None,
    email: str,
    title: str,
    service: bool = False,
) -> Person:
    person = Person(
        username=username,
        role=role,
        full_name=full_name,
        email=email,
        title=title,
        is_service=service,
        email_notifications=not service,
    )
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    person.full_clean(exclude=["password"])
    person.save()
    grant_what_the_role_gives(person)
    for index, unit in enumerate(units or []):
        Membership.objects.create(person=person, unit=unit, is_primary=index == 0)
    return person


@transaction.atomic
def person_set_role(*, actor: Actor, person: Person, role: str, request: Any = None) -> Person:
    """A new role, with what follows from it (staff status, superuser status,
    admin permissions) changed together, and recorded in the security audit
    log. Who gives which role is ``scope.KEEPS`` (office staff: liaison and
    leader; the system administrator: the roles of the work; the security
    administrator: any, administrators' too); nobody changes their own. The
    directory's group mapping (single sign-on) calls this with SYSTEM."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_gives(actor, person, role)
    if person.role == role:
        return person
    before = person.role
    person.role = role
    person._change_reason = "role"  # type: ignore[attr-defined]
    person.save(update_fields=["role"])
    grant_what_the_role_gives(person)
    audit.record(
        "person.role",
        request=request,
        actor=person_of(actor),
        target=person,
        old=before,
        new=role,
    )
    return person


SERVICE_ROLES = ("office", "leader", "liaison")


@transaction.atomic
def service_account_create(
    *, actor: Actor, username: str, full_name: str, role: str, units: list[Unit]
) -> Person:
    """An account for a program, placed in units inside the actor's scope: no
    password (it cannot sign in on the pages), no administration, no emails;
    it acts through the API tokens the office makes for it, with the scope of
    its role and units, like a person."""
    if role not in SERVICE_ROLES:
        raise ValidationError(
            {"role": _("A service account acts as an office, a leader or a liaison.")}
        )
    if not units:
        raise ValidationError({"units": _("Place the service account in a unit.")})
    if Person.objects.filter(username=username).exists():
        raise ValidationError({"username": _("This username is taken.")})
    scope_of(actor).require_manage_all(units, _("Only the supervision office can keep the people."))
    return _person_make(
        username=username,
        role=role,
        full_name=full_name,
        password=None,
        units=units,
        email="",
        title="",
        service=True,
    )
