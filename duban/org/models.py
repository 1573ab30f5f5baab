"""Units (a tree of any height), people, their roles and memberships."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group, Permission, UserManager
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords


def localized(obj: object, field: str) -> str:
    """The English text of ``field`` when the interface is in English and one exists."""
    if (get_language() or "").startswith("en"):
        english = getattr(obj, f"{field}_en", "")
        if english:
            return str(english)
    return str(getattr(obj, field))


class UnitKind(models.TextChoices):
    COMMITTEE = "committee", _("Management committee")
    DEPARTMENT = "department", _("Department")
    CENTER = "center", _("Center")
    PARK = "park", _("Park")
    DISTRICT = "district", _("District or county")
    COMPANY = "company", _("State-owned company")
    LEADING_GROUP = "leading_group", _("Leading group")
    OTHER = "other", _("Other")


class UnitQuerySet(models.QuerySet["Unit"]):
    def active(self) -> UnitQuerySet:
        return self.filter(is_active=True)

    def subtree_of(self, units: list[Unit]) -> UnitQuerySet:
        q = models.Q()
        for unit in units:
            q |= models.Q(path__startswith=unit.path)
        return self.filter(q) if units else self.none()

    def match_name(self, text: str) -> Unit | None:
        """A unit by exact name, short name or alias (used by imports and search)."""
        text = text.strip()
        if not text:
            return None
        unit = self.filter(models.Q(name=text) | models.Q(short_name=text)).first()
        if unit:
            return unit
        for candidate in self.exclude(aliases=""):
            if text in candidate.alias_list:
                return candidate
        return None


class Unit(models.Model):
    """A department, center, park, district, company or group, placed in one tree.

    ``path`` is a materialised path of zero-padded ids ("000001/000007/") so a
    whole subtree is one indexed prefix query whatever the height of the tree.
    """

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=150, blank=True)
    short_name = models.CharField(_("short name"), max_length=50, blank=True)
    aliases = models.TextField(
        _("aliases"), blank=True, help_text=_("Other names the unit goes by, one per line.")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=UnitKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # A leading group (领导小组) has member units from anywhere in the tree.
    member_units = models.ManyToManyField(
        "self",
        symmetrical=False,
        blank=True,
        related_name="member_of",
        verbose_name=_("member units"),
        help_text=_("For a leading group: the units that are its members."),
    )
    path = models.CharField(max_length=255, db_index=True, editable=False, default="")
    depth = models.PositiveSmallIntegerField(default=0, editable=False)
    position = models.PositiveIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)
    # A unit that runs its own supervision office (督查室): its meetings, plans,
    # notice numbers, reviews and quarterly assessments are its own. The top of
    # the tree always does; a district under it may too.
    runs_office = models.BooleanField(
        _("runs a supervision office"),
        default=False,
        help_text=_(
            "Its own weekly meetings, notice numbers, monthly reviews and quarterly assessment."
        ),
    )

    history = HistoricalRecords()
    objects = UnitQuerySet.as_manager()

    class Meta:
        ordering = ["path"]
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        # Every request reads the offices (``scope._read_scope``): found by
        # index, with the tops of the tree by ``parent`` and the person's units
        # by key, not by walking a province's 5,000 units.
        indexes = [models.Index(fields=["runs_office"], name="org_unit_runs_office_idx")]

    def __str__(self) -> str:
        return localized(self, "name")

    @property
    def display_short(self) -> str:
        if (get_language() or "").startswith("en"):
            return self.name_en or self.name
        return self.short_name or self.name

    @property
    def ancestor_ids(self) -> list[int]:
        """The ids on the path from the top of the tree down to this unit, itself included."""
        return [int(part) for part in self.path.split("/") if part]

    @property
    def alias_list(self) -> list[str]:
        return [a.strip() for a in self.aliases.replace("、", "\n").splitlines() if a.strip()]


class Role(models.TextChoices):
    OFFICE = "office", _("Supervision office staff")
    LEADER = "leader", _("Leader")
    LIAISON = "liaison", _("Unit liaison")
    # 三员分立: three administrators, none of whom reads the office's records
    # (their business scope is empty) and none of whom can be another.
    ADMIN = "admin", _("System administrator")
    SECURITY = "security", _("Security administrator")
    AUDITOR = "auditor", _("Audit administrator")


# A role's name beside the name of someone who belongs to no unit.
ROLE_SHORT = {
    Role.OFFICE: _("Supervision office"),
    Role.LEADER: _("Leader"),
    Role.LIAISON: _("Unit liaison"),
}

# The roles of the work (the scope's units and what the role may do in them).
BUSINESS_ROLES = (Role.OFFICE, Role.LEADER, Role.LIAISON)
# The administrators: the system's (units, people, configuration), security's
# (roles, lockouts, second factors, the password and session policy) and
# audit's (reads and exports the security audit log, nothing else).
ADMIN_ROLES = (Role.ADMIN, Role.SECURITY, Role.AUDITOR)


# What each role may do in the administration (Django's admin site), as the
# permissions of one group per role; a person's group, staff status and
# superuser status follow from their role in one place
# (:func:`grant_what_the_role_gives`). Nobody is a superuser: 三员分立 means
# no account holds every power. Office staff and the system administrator
# keep units, people and memberships (each inside their scope, see
# ``org.scope.KEEPS``); the security administrator gives roles, unlocks
# accounts and removes sign-in links; the audit administrator reads the
# security audit log on its own page, not in the admin site.
_KEEPING = [
    ("org", f"{action}_{model}")
    for model in ("unit", "person", "membership")
    for action in ("view", "add", "change")
] + [("org", "delete_membership")]
ROLE_PERMISSIONS: dict[str, list[tuple[str, str]]] = {
    "office": _KEEPING,
    "admin": _KEEPING + [("sso", "view_identity"), ("django_tasks_db", "view_dbtaskresult")],
    "security": [
        ("org", "view_unit"),
        ("org", "view_membership"),
        ("org", "view_person"),
        ("org", "change_person"),
        ("axes", "view_accessattempt"),
        ("axes", "delete_accessattempt"),
        ("axes", "view_accessfailurelog"),
        ("axes", "view_accesslog"),
        ("sso", "view_identity"),
        ("sso", "delete_identity"),
    ],
}
STAFF_ROLES = ("office", "admin", "security")


def role_group(role: str) -> Group:
    """The group holding the role's permissions (made, with them, when missing)."""
    group, created = Group.objects.get_or_create(name=f"duban:{role}")
    if created:
        sync_role_group(group, role)
    return group


def sync_role_group(group: Group, role: str) -> None:
    wanted = ROLE_PERMISSIONS.get(role, [])
    q = models.Q(pk__in=[])
    for app_label, codename in wanted:
        q |= models.Q(content_type__app_label=app_label, codename=codename)
    group.permissions.set(Permission.objects.filter(q))


def grant_what_the_role_gives(person: Person) -> None:
    """Staff status, superuser status (never) and the role's group, saved."""
    person.is_staff = person.role in STAFF_ROLES and not person.is_service
    person.is_superuser = False
    person.save(update_fields=["is_staff", "is_superuser"])
    person.user_permissions.clear()
    if person.is_service or person.role not in ROLE_PERMISSIONS:
        person.groups.clear()
    else:
        person.groups.set([role_group(person.role)])


class PersonManager(UserManager):
    def create_superuser(  # type: ignore[override]
        self, username: str, email: str | None = None, password: str | None = None, **extra: Any
    ) -> Any:
        # `duban createsuperuser`: a system administrator, whose grants follow
        # from the role like anyone's (no superuser status: 三员分立). The
        # other two administrators are given by `duban setrole` at the console.
        extra.setdefault("role", Role.ADMIN)
        person = super().create_superuser(username, email, password, **extra)
        grant_what_the_role_gives(person)  # type: ignore[arg-type]  # noqa
        return person


class Person(AbstractUser):  # type: ignore[django-manager-missing]  # django-otp's Device.user
    """A person who signs in. One role; may belong to several units. What the
    role grants (staff status, superuser status, the administration's
    permissions) follows from it in one place: ``org.services.person_set_role``."""

    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    title = models.CharField(_("job title"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    # The number the province's directory knows the person by (工号): single
    # sign-on can match people on it (docs/sso.md).
    employee_no = models.CharField(_("employee number"), max_length=64, blank=True, db_index=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, default=Role.LIAISON)
    # The language of the emails duban sends this person; the language switch sets it.
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    email_notifications = models.BooleanField(_("send messages by email too"), default=True)
    # A program's account (an OA system, a dashboard): it has no password and
    # acts only through the API tokens the office makes for it.
    is_service = models.BooleanField(_("service account"), default=False)
    # When the password was last set (it expires after DUBAN_PASSWORD_MAX_AGE_DAYS),
    # and whether the person must choose a new one before anything else: an
    # administrator made or reset it (duban.sso.passwords).
    password_changed_at = models.DateTimeField(_("password set"), null=True, blank=True)
    must_change_password = models.BooleanField(_("must choose a new password"), default=False)
    units = models.ManyToManyField(
        Unit, through="Membership", related_name="people", verbose_name=_("units"), blank=True
    )
    # Who changed what of a person, with the old and the new values (never
    # the password's hash, nor the last sign-in's time).
    history = HistoricalRecords(excluded_fields=["password", "last_login", "password_changed_at"])
    objects = PersonManager()  # type: ignore[misc]

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def is_office(self) -> bool:
        return self.role == Role.OFFICE

    @property
    def is_administrator(self) -> bool:
        """One of the three administrators (no business records)."""
        return self.role in ADMIN_ROLES

    @property
    def is_leader(self) -> bool:
        return self.role == Role.LEADER

    @property
    def is_liaison(self) -> bool:
        return self.role == Role.LIAISON

    @property
    def sees_everything(self) -> bool:
        return self.role in (Role.OFFICE, Role.LEADER)

    @property
    def own_unit(self) -> Unit | None:
        """The unit the person acts from: their primary membership, else their
        first. Reads ``memberships`` (prefetch them, with their units, for a list)."""
        memberships = sorted(self.memberships.all(), key=lambda m: (not m.is_primary, m.pk))
        return memberships[0].unit if memberships else None

    @property
    def role_short(self) -> str:
        """The role's name beside a person who belongs to no unit (督查室 for office staff)."""
        short = ROLE_SHORT.get(Role(self.role)) if self.role in Role.values else None
        return str(short) if short is not None else self.get_role_display()

    def unit_ids(self) -> list[int]:
        cached = getattr(self, "_unit_ids", None)
        if cached is None:
            cached = list(self.memberships.values_list("unit_id", flat=True))
            self._unit_ids = cached
        return cached


class Membership(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="memberships")
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("unit")
    )
    is_primary = models.BooleanField(_("primary unit"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["person", "unit"], name="membership_unique"),
        ]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")

    def __str__(self) -> str:
        return f"{self.person} @ {self.unit}"
