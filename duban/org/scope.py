"""Who may act on what: one object per person, asked by every service.

A person's *scope* is the units they see and act in:

- office staff, administrators and leaders: the subtrees of the units they
  belong to (everything when they belong to no unit, as in a one-office
  installation, or to every top of the tree);
- a liaison: exactly the units they belong to (a task is theirs when one of
  them leads it or co-operates on it).

On top of the units sit the role predicates: an office person *manages*
(assigns, reviews, decides, keeps the office's records) inside the scope, a
leader *instructs* inside it, a liaison *reports for* their own units. Every
service takes the acting person and calls one of the ``require_*`` methods
with the unit the object belongs to (a task's lead unit, a project's
responsible unit, a record's owning office), so the same rule holds for the
pages, the API, the commands and the import.

Work the system does on its own (the demo, the scan, migrations, commands run
by an operator) names :data:`SYSTEM` as its actor: there is no "no actor, no
check". The system's scope is everything and it may manage, never report for
a unit or instruct (those are a person's acts).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, TypeAlias

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import ADMIN_ROLES, BUSINESS_ROLES, Membership, Person, Role, Unit


class SystemActor:
    """The actor of work nobody did by hand. Stored as no person (``None``)."""

    is_authenticated = True
    is_active = True
    is_system = True
    pk = None
    id = None
    role = "system"
    username = "system"
    full_name = gettext_lazy("system")

    def __str__(self) -> str:
        return str(self.full_name)

    def __repr__(self) -> str:
        return "SYSTEM"


SYSTEM = SystemActor()

Actor: TypeAlias = Person | SystemActor

SUBTREE_ROLES = (Role.OFFICE, Role.LEADER)
MANAGING_ROLES = (Role.OFFICE,)
# Who keeps the unit tree (the administration's units pages): office staff
# inside their subtree, the system administrator inside theirs.
KEEPING_UNITS = (Role.OFFICE, Role.ADMIN)


def person_of(actor: Actor) -> Person | None:
    """The person to store as who did it (``None`` for the system)."""
    return None if isinstance(actor, SystemActor) else actor


class Scope:
    """The units one actor sees and acts in, and what the role lets them do there."""

    def __init__(
        self,
        actor: Actor | Any,
        *,
        everything: bool,
        roots: tuple[Unit, ...] = (),
        unit_ids: frozenset[int] = frozenset(),
        subtree: bool | None = None,
    ) -> None:
        self.actor = actor
        self.role: str = getattr(actor, "role", "")
        self.everything = everything
        self._subtree = subtree
        self.roots = roots
        self.unit_ids = unit_ids
        self._paths = tuple(u.path for u in roots)

    # --- what the actor is ------------------------------------------------------

    @property
    def is_system(self) -> bool:
        return isinstance(self.actor, SystemActor)

    @property
    def is_signed_in(self) -> bool:
        return bool(getattr(self.actor, "is_authenticated", False))

    @property
    def manages(self) -> bool:
        return self.is_system or (self.is_signed_in and self.role in MANAGING_ROLES)

    @property
    def instructs(self) -> bool:
        return self.is_signed_in and self.role == Role.LEADER and not self.is_system

    @property
    def reports(self) -> bool:
        return self.is_signed_in and self.role == Role.LIAISON

    @property
    def subtree(self) -> bool:
        """Sees whole subtrees (office staff, leaders, the system; an
        administrator's directory scope, :func:`directory_of`)."""
        if self._subtree is not None:
            return self._subtree
        return self.is_system or self.role in SUBTREE_ROLES

    @property
    def keeps_units(self) -> bool:
        return self.is_system or (self.is_signed_in and self.role in KEEPING_UNITS)

    # --- which units ------------------------------------------------------------------

    def covers(self, unit: Unit | None) -> bool:
        """Whether ``unit`` lies inside the scope (``None``, no unit: only for everything)."""
        if not self.is_signed_in:
            return False
        if self.everything:
            return True
        if unit is None:
            return False
        if self.subtree:
            return any(unit.path.startswith(p) for p in self._paths)
        return unit.pk in self.unit_ids

    def units(self) -> QuerySet[Unit]:
        """Every unit inside the scope."""
        if not self.is_signed_in:
            return Unit.objects.none()
        if self.everything:
            return Unit.objects.all()
        if self.subtree:
            return Unit.objects.subtree_of(list(self.roots))
        return Unit.objects.filter(pk__in=self.unit_ids)

    def unit_q(self, field: str) -> Q:
        """A filter on a unit foreign key ``field`` ("lead_unit", "unit", "office")
        that keeps the rows whose unit lies inside the scope."""
        if self.everything:
            return Q()
        if not self.is_signed_in or (not self.roots and not self.unit_ids):
            return Q(pk__in=[])
        if self.subtree:
            # A subquery over the units (small), not a join on every row's unit:
            # the rows are then found by their unit's index.
            return Q(**{f"{field}__in": self.units().values("pk")})
        return Q(**{f"{field}_id__in": sorted(self.unit_ids)})

    @property
    def office(self) -> Unit | None:
        """The office the actor works for, whose records (plans, meetings,
        notices, reviews, assessments) they keep and read by default: the office
        of the highest unit of the scope; of their first unit for a liaison; the
        top of the tree for a scope over everything with no unit of its own."""
        if "_office" not in self.__dict__:
            known = self.__dict__.get("_known_offices")
            if self.roots:
                highest = min(self.roots, key=lambda u: u.depth)
                self.__dict__["_office"] = _office_among(highest, known)
            elif self.unit_ids:
                mine = self.__dict__.get("_mine") or list(
                    Unit.objects.filter(pk__in=self.unit_ids).order_by("path")
                )
                self.__dict__["_office"] = _office_among(mine[0], known) if mine else None
            else:
                self.__dict__["_office"] = top_office()
        return self.__dict__["_office"]

    def offices(self) -> QuerySet[Unit]:
        """The offices whose records the actor may read: those inside the scope
        (a city office reads its districts' where the tree puts them below) and,
        for a liaison, the offices above their units, which assign them work.
        Always the actor's own office: someone placed in a department works for
        the office above it and reads its meetings and ranking."""
        runs = Q(runs_office=True) | Q(parent__isnull=True)
        if not self.is_signed_in:
            return Unit.objects.none()
        if self.subtree:
            own = self.office
            inside = Q(pk__in=self.units().filter(runs).values("pk"))
            return Unit.objects.filter(inside | Q(pk=own.pk)) if own else Unit.objects.none()
        mine = self.own_units()
        above = {pk for u in mine for pk in u.ancestor_ids}
        known = self.__dict__.get("_known_offices")
        if known is not None:  # no query to find them: the scope's own read had them
            return Unit.objects.filter(pk__in=sorted(above & set(known)))
        return Unit.objects.filter(runs, pk__in=above)

    def own_units(self) -> list[Unit]:
        """The units the person belongs to, with their names (read with the
        scope: no query), in tree order."""
        mine = self.__dict__.get("_mine")
        if mine is None:
            mine = list(Unit.objects.filter(pk__in=self.unit_ids).order_by("path"))
            self.__dict__["_mine"] = mine
        return list(mine)

    def office_q(self, field: str = "office") -> Q:
        """A filter keeping the office records (``field``: their office) the actor may read."""
        if self.everything:
            return Q()
        return Q(**{f"{field}__in": self.offices().values("pk")})

    # --- refusals, in the actor's language ----------------------------------------

    def outside(self, unit: Unit | None) -> PermissionDenied:
        if unit is None:
            return PermissionDenied(_("This belongs to no office you work for."))
        return PermissionDenied(
            _("%(unit)s is outside the units you work for.") % {"unit": unit.name}
        )

    def require_covers(self, unit: Unit | None) -> None:
        if not self.covers(unit):
            raise self.outside(unit)

    def require_manage(self, unit: Unit | None, message: str) -> None:
        """Office work on something of ``unit`` (``message``: why not, for a wrong role)."""
        if not self.manages:
            raise PermissionDenied(message)
        self.require_covers(unit)

    def require_office(self, office: Unit | None, message: str) -> Unit:
        """Office work on the records of ``office``; returns it. No office at
        all (an empty unit tree) is refused with what to do about it."""
        if not self.manages:
            raise PermissionDenied(message)
        if office is None:
            raise ValidationError(
                _("There is no office yet: add the top unit of the tree in Administration first.")
            )
        self.require_covers(office)
        return office

    def require_keep_units(self, unit: Unit | None) -> None:
        """Keeping the unit tree at ``unit`` (office staff, the system administrator)."""
        if not self.keeps_units:
            raise PermissionDenied(_("Only the supervision office can keep the units."))
        self.require_covers(unit)

    def require_manage_all(self, units: Iterable[Unit | None], message: str) -> None:
        if not self.manages:
            raise PermissionDenied(message)
        for unit in units:
            self.require_covers(unit)

    def require_instruct(self, unit: Unit | None, message: str) -> Person:
        """A leader instructing on something of ``unit``; returns the leader."""
        if not self.instructs or not isinstance(self.actor, Person):
            raise PermissionDenied(message)
        self.require_covers(unit)
        return self.actor

    def require_report_for(self, unit: Unit | None, message: str) -> Person:
        """A liaison acting for one of their own units; returns the liaison."""
        if not self.reports or unit is None or unit.pk not in self.unit_ids:
            raise PermissionDenied(message)
        assert isinstance(self.actor, Person)
        return self.actor

    def may_report_for(self, unit_id: int | None) -> bool:
        return self.reports and unit_id in self.unit_ids


def _office_among(unit: Unit, known: dict[int, Unit] | None) -> Unit:
    """``office_of(unit)`` from the offices already read (else from the database)."""
    if known is None:
        return office_of(unit)
    for pk in reversed(unit.ancestor_ids):
        if pk in known:
            return known[pk]
    return unit


def office_of(unit: Unit) -> Unit:
    """The office ``unit`` belongs to: the nearest unit at or above it that runs
    a supervision office, else the top of its tree."""
    ids = unit.ancestor_ids
    offices = {
        u.pk: u
        for u in Unit.objects.filter(Q(runs_office=True) | Q(parent__isnull=True), pk__in=ids)
    }
    for pk in reversed(ids):
        if pk in offices:
            return offices[pk]
    return unit


def office_members(office: Unit) -> QuerySet[Unit]:
    """The units an office supervises and ranks: its subtree below it, less the
    subtrees of the offices nested in it (each of those ranks its own; the
    nested office unit itself is still one of this office's units, ranked by
    the office above it, not by itself)."""
    units = Unit.objects.filter(path__startswith=office.path).exclude(pk=office.pk)
    for nested in units.filter(runs_office=True).exclude(pk=office.pk).only("pk", "path"):
        units = units.exclude(Q(path__startswith=nested.path) & ~Q(pk=nested.pk))
    return units


def all_offices() -> QuerySet[Unit]:
    """Every unit that runs a supervision office (the tops of the tree always do)."""
    return Unit.objects.filter(Q(runs_office=True) | Q(parent__isnull=True)).order_by("path")


def find_office(code: str | None) -> Unit | None:
    """The office with this unit code (the top office without one); ``None``
    when no such unit runs an office (commands take ``--office CODE``)."""
    if not code:
        return top_office()
    return all_offices().filter(code=code).first()


def top_office() -> Unit | None:
    """The top of the unit tree: the office of records kept for the whole
    installation (the first top unit when there are several)."""
    return Unit.objects.filter(parent__isnull=True).order_by("path").first()


def scope_of(actor: Actor | Any) -> Scope:
    """The actor's scope, worked out once per person object, in one query: the
    person's units, the tops of the tree and the units that run an office (few).

    The three administrators' scope is empty: they keep the directory
    (:func:`directory_of`) and the security records, and read none of the
    office's business records (三员分立)."""
    if isinstance(actor, SystemActor):
        return Scope(actor, everything=True)
    if not getattr(actor, "is_authenticated", False):
        return Scope(actor, everything=False)
    cached = getattr(actor, "_duban_scope", None)
    if cached is not None:
        return cached
    if actor.role in ADMIN_ROLES:
        scope = Scope(actor, everything=False, subtree=False)
    else:
        scope = _read_scope(actor, subtree=actor.role in SUBTREE_ROLES)
    actor._duban_scope = scope  # type: ignore[union-attr]
    return scope


def directory_of(actor: Actor | Any) -> Scope:
    """The units whose records (the units themselves, their people and
    memberships) ``actor`` keeps or reads in the administration: for an
    administrator the subtrees of their units (everything with none), for
    anyone else their scope."""
    if isinstance(actor, SystemActor) or getattr(actor, "role", "") not in ADMIN_ROLES:
        return scope_of(actor)
    if not getattr(actor, "is_authenticated", False):
        return Scope(actor, everything=False)
    cached = getattr(actor, "_duban_directory", None)
    if cached is None:
        cached = _read_scope(actor, subtree=True)
        actor._duban_directory = cached  # type: ignore[union-attr]
    return cached


def _read_scope(actor: Person, *, subtree: bool) -> Scope:
    mine_q = Membership.objects.filter(person_id=actor.pk, unit_id=OuterRef("pk"))
    # Three index lookups OR'd together (the person's units by key, the tops by
    # parent, the offices by their index), sorted here: a join on the
    # memberships, or the order by path, had SQLite walk every unit (3-5 ms of
    # every request at province scale). ``runs_office IN (true)``, not the bare
    # column Django writes for ``=True``, is what SQLite finds by index.
    units = sorted(
        Unit.objects.filter(
            Q(pk__in=Membership.objects.filter(person_id=actor.pk).values("unit_id"))
            | Q(parent__isnull=True)
            | Q(runs_office__in=[True])
        )
        .annotate(mine=Exists(mine_q))
        .order_by()
        .only("pk", "path", "depth", "parent_id", "name", "name_en", "short_name", "runs_office"),
        key=lambda u: u.path,
    )
    mine = [u for u in units if u.mine]  # type: ignore[attr-defined]
    unit_ids = frozenset(u.pk for u in mine)
    actor._unit_ids = sorted(unit_ids)  # what Person.unit_ids() would read again
    tops = [u for u in units if u.parent_id is None]
    if subtree:
        # Only the highest of nested units count as roots; someone who belongs
        # to every top unit (or to none, in a one-office install) sees everything.
        roots = tuple(
            u
            for u in sorted(mine, key=lambda u: (u.depth, u.path))
            if not any(o is not u and u.path.startswith(o.path) for o in mine)
        )
        everything = not unit_ids or {u.pk for u in tops} <= unit_ids
        scope = Scope(actor, everything=everything, roots=roots, unit_ids=unit_ids, subtree=True)
    else:
        scope = Scope(actor, everything=False, unit_ids=unit_ids)
    scope.__dict__["_mine"] = mine
    scope.__dict__["_known_offices"] = {
        u.pk: u for u in units if u.runs_office or u.parent_id is None
    }
    if not scope.roots and scope.everything:
        scope.__dict__["_office"] = tops[0] if tops else None
    return scope


# --- who keeps whom's record ---------------------------------------------------------

KEPT_BY_THE_OFFICE = (Role.LIAISON, Role.LEADER)
# Whose records each role keeps in the administration (details, password,
# units, active), inside its directory scope, and so the roles it may give:
# office staff liaisons and leaders, the system administrator the people of
# the work, the security administrator anyone, administrators included.
# Nobody else keeps an administrator's record; the audit administrator
# keeps nobody's.
KEEPS: dict[str, tuple[str, ...]] = {
    Role.OFFICE: KEPT_BY_THE_OFFICE,
    Role.ADMIN: BUSINESS_ROLES,
    Role.SECURITY: BUSINESS_ROLES + ADMIN_ROLES,
}
KEEP_REFUSED = gettext_lazy("You may not change this person's record: ask an administrator.")


def require_keeps(actor: Actor | Any, person: Person) -> None:
    """``actor`` may change ``person``'s record (see :data:`KEEPS`): a person
    of a role the actor's role keeps, every unit of theirs inside the actor's
    directory scope; the system anyone. Service accounts are kept by the
    office's API pages, not here."""
    if isinstance(actor, SystemActor):
        return
    role = getattr(actor, "role", "")
    if (
        not isinstance(actor, Person)
        or not actor.is_authenticated
        or person.is_service
        or person.role not in KEEPS.get(role, ())
    ):
        raise PermissionDenied(str(KEEP_REFUSED))
    scope = directory_of(actor)
    units = list(person.units.all())
    if not units and not scope.everything:
        raise scope.outside(None)
    for unit in units:
        scope.require_covers(unit)


def keeps(actor: Actor | Any, person: Person) -> bool:
    try:
        require_keeps(actor, person)
    except PermissionDenied:
        return False
    return True


def require_gives(actor: Actor | Any, person: Person, role: str) -> None:
    """``actor`` may give ``person`` the role ``role``: they keep the person's
    record and their role keeps people of that role too; nobody changes their
    own role (the security administrator cannot make themselves the auditor)."""
    if isinstance(actor, SystemActor):
        return
    if isinstance(actor, Person) and actor.pk == person.pk:
        raise PermissionDenied(_("Nobody changes their own role: ask the security administrator."))
    require_keeps(actor, person)
    if role not in KEEPS.get(getattr(actor, "role", ""), ()):
        raise PermissionDenied(role_refused(role))


def role_refused(role: str) -> str:
    if role in BUSINESS_ROLES:
        return _("Only an administrator can give this role.")
    return _("Only the security administrator can give an administrator's role.")


def roles_given_by(actor: Actor | Any) -> tuple[str, ...]:
    """The roles ``actor`` may give (what a role field offers them)."""
    if isinstance(actor, SystemActor):
        return tuple(Role.values)
    return KEEPS.get(getattr(actor, "role", ""), ())


def kept_people(actor: Actor | Any) -> QuerySet[Person]:
    """The people whose record ``actor`` may change (the administration's list):
    of a role the actor keeps, every unit of theirs inside the directory scope."""
    people = Person.objects.filter(is_service=False)
    if isinstance(actor, SystemActor):
        return people
    roles = KEEPS.get(getattr(actor, "role", ""), ())
    if not roles or not isinstance(actor, Person) or not actor.is_authenticated:
        return people.none()
    people = people.filter(role__in=roles)
    scope = directory_of(actor)
    if scope.everything:
        return people
    outside = Membership.objects.exclude(scope.unit_q("unit")).values("person_id")
    return people.filter(memberships__unit__in=scope.units()).exclude(pk__in=outside).distinct()


# --- the security audit log ------------------------------------------------------------


def audits(actor: Actor | Any) -> bool:
    """Whether ``actor`` reads and exports the security audit log: the audit
    administrator, and nobody else (not even the other administrators)."""
    return bool(getattr(actor, "is_authenticated", False)) and (
        getattr(actor, "role", "") == Role.AUDITOR
    )


def require_audits(actor: Actor | Any) -> None:
    if not audits(actor):
        raise PermissionDenied(_("Only the audit administrator reads the security audit log."))
