"""Every write to units and people."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from duban.audit import log as audit

from .models import Membership, Person, Role, Unit
from .scope import KEPT_BY_THE_OFFICE, Actor, person_of, require_keeps, scope_of

OFFICE_ADMIN_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("unit", "person", "membership")
    for action in ("view", "add", "change")
] + ["delete_membership"]


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
    scope_of(actor).require_manage(parent, _("Only the supervision office can keep the units."))
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
    scope = scope_of(actor)
    message = _("Only the supervision office can keep the units.")
    scope.require_manage(Unit.objects.get(pk=unit.pk), message)
    scope.require_manage(parent, message)
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
    """A person placed in ``units`` (each inside the actor's scope)."""
    scope_of(actor).require_manage_all(
        units or [None], _("Only the supervision office can keep the people.")
    )
    person = Person(username=username, role=role, full_name=full_name, email=email, title=title)
    if password:
        person.set_password(password)
    else:
        person.set_unusable_password()
    _grants_of_role(person)
    person.full_clean(exclude=["password"])
    person.save()
    _permissions_of_role(person)
    for index, unit in enumerate(units or []):
        Membership.objects.create(person=person, unit=unit, is_primary=index == 0)
    return person


def _grants_of_role(person: Person) -> None:
    # Administrators have the whole admin site; office staff use it only to keep
    # the unit tree and the people (see OFFICE_ADMIN_PERMISSIONS).
    person.is_staff = person.role in ("admin", "office") and not person.is_service
    person.is_superuser = person.role == "admin"


def _permissions_of_role(person: Person) -> None:
    if person.role == "office" and not person.is_service:
        person.user_permissions.set(
            Permission.objects.filter(
                content_type__app_label="org", codename__in=OFFICE_ADMIN_PERMISSIONS
            )
        )
    else:
        person.user_permissions.clear()


@transaction.atomic
def person_set_role(*, actor: Actor, person: Person, role: str, request: Any = None) -> Person:
    """A new role, with what follows from it (staff status, superuser status,
    admin permissions) changed together, and recorded in the security audit
    log. Office staff may make a person they keep a liaison or a leader; only
    an administrator grants the office's or the administrator's role. The
    directory's group mapping (single sign-on) calls this with SYSTEM."""
    if role not in Role.values:
        raise ValidationError({"role": _("Unknown role.")})
    person = Person.objects.select_for_update().get(pk=person.pk)
    require_keeps(actor, person)
    granting = role not in KEPT_BY_THE_OFFICE
    if granting and not scope_of(actor).is_system and getattr(actor, "role", "") != Role.ADMIN:
        raise PermissionDenied(_("Only an administrator can give this role."))
    if person.role == role:
        return person
    before = person.role
    person.role = role
    _grants_of_role(person)
    person._change_reason = "role"  # type: ignore[attr-defined]
    person.save(update_fields=["role", "is_staff", "is_superuser"])
    _permissions_of_role(person)
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
    person = person_create(
        actor=actor, username=username, role=role, full_name=full_name, units=units
    )
    person.is_service, person.is_staff, person.email_notifications = True, False, False
    person.save(update_fields=["is_service", "is_staff", "email_notifications"])
    person.user_permissions.clear()
    return person
