"""Administration cannot escalate (issue 12, point 1): what a role grants
follows from it in one place; office staff keep only liaisons and leaders
inside their scope; role changes are recorded with the old and new values."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from duban.audit.models import AuditEvent
from duban.org import services
from duban.org.models import Person, Role
from duban.org.scope import SYSTEM, kept_people
from tests import factories as f


class Form(HTMLParser):
    """The fields of the admin's change form, as a browser would send them."""

    def __init__(self) -> None:
        super().__init__()
        self.data: dict[str, str] = {}
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):  # type: ignore[no-untyped-def]
        a = dict(attrs)
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "button", "file"):
            if a.get("type") == "checkbox":
                if "checked" in a:
                    self.data[name] = a.get("value") or "on"
            else:
                self.data[name] = a.get("value") or ""
        elif tag == "select" and name:
            self._select = name
            self.data.setdefault(name, "")
        elif tag == "option" and self._select and "selected" in a:
            self.data[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):  # type: ignore[no-untyped-def]
        if tag == "select":
            self._select = None


def form_of(response) -> dict[str, str]:
    parser = Form()
    parser.feed(response.content.decode())
    return parser.data


@pytest.fixture
def root(db) -> Person:
    admin = f.person("root", Role.ADMIN, full_name="系统管理员")
    admin.set_password("root-pass-1234")
    admin.save()
    return admin


def test_office_staff_cannot_reach_an_administrators_record_or_password(as_, office, root, unit_a):
    client = as_(office)
    assert client.get(f"/admin/org/person/{root.pk}/password/").status_code == 404
    refused = client.post(
        f"/admin/org/person/{root.pk}/password/",
        {"password1": "taken-over-9876", "password2": "taken-over-9876"},
    )
    assert refused.status_code == 404
    root.refresh_from_db()
    assert root.check_password("root-pass-1234") and root.is_active
    listed = client.get("/admin/org/person/").content.decode()
    assert "root" not in listed
    opened = client.get(f"/admin/org/person/{root.pk}/change/", follow=True)
    assert "系统管理员" not in opened.content.decode()


def test_office_staff_keep_liaisons_and_leaders_of_their_scope_only(unit_a, unit_b, db):
    office_a = f.person("office_a", Role.OFFICE, units=[unit_a])
    colleague = f.person("colleague", Role.OFFICE, units=[unit_a])
    liaison_a = f.person("la", Role.LIAISON, units=[unit_a])
    liaison_b = f.person("lb", Role.LIAISON, units=[unit_b])
    assert set(kept_people(office_a)) == {liaison_a}
    with pytest.raises(PermissionDenied):
        services.person_set_role(actor=office_a, person=colleague, role=Role.LIAISON)
    with pytest.raises(PermissionDenied, match="outside the units you work for"):
        services.person_set_role(actor=office_a, person=liaison_b, role=Role.LEADER)
    with pytest.raises(PermissionDenied, match="Only an administrator"):
        services.person_set_role(actor=office_a, person=liaison_a, role=Role.OFFICE)
    made = services.person_set_role(actor=office_a, person=liaison_a, role=Role.LEADER)
    assert made.role == Role.LEADER and not made.is_staff


def test_a_role_change_changes_what_it_grants_together(unit_a, db):
    security = f.person("sec", Role.SECURITY)
    person = f.person("wang", Role.OFFICE, units=[unit_a])
    assert person.is_staff and person.has_perm("org.change_person")
    services.person_set_role(actor=security, person=person, role=Role.LIAISON)
    person = Person.objects.get(pk=person.pk)
    assert (person.role, person.is_staff, person.is_superuser) == (Role.LIAISON, False, False)
    assert not person.has_perm("org.change_person") and not person.groups.exists()
    services.person_set_role(actor=security, person=person, role=Role.ADMIN)
    person = Person.objects.get(pk=person.pk)
    assert person.is_staff and not person.is_superuser  # nobody holds every power
    assert person.has_perm("org.add_unit") and not person.has_perm("work.view_task")
    row = AuditEvent.objects.filter(action="person.role").order_by("id").last()
    assert (row.actor, row.object_id, row.detail) == (
        "sec",
        str(person.pk),
        {"old": "liaison", "new": "admin"},
    )
    assert person.history.count() >= 3  # made, then each change, with who made it


def test_the_admin_form_changes_a_role_through_the_service_and_offers_no_more(as_, office, unit_a):
    liaison = f.person("la", Role.LIAISON, units=[unit_a], full_name="张三")
    client = as_(office)
    page = client.get(f"/admin/org/person/{liaison.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="is_superuser"' not in html and 'name="is_staff"' not in html
    assert 'name="user_permissions"' not in html and 'value="admin"' not in html
    data = form_of(page)
    data["role"] = Role.OFFICE  # not offered: refused by the form
    assert client.post(f"/admin/org/person/{liaison.pk}/change/", data).status_code == 200
    assert Person.objects.get(pk=liaison.pk).role == Role.LIAISON
    data["role"] = Role.LEADER
    saved = client.post(f"/admin/org/person/{liaison.pk}/change/", data)
    assert saved.status_code == 302
    assert Person.objects.get(pk=liaison.pk).role == Role.LEADER
    assert AuditEvent.objects.filter(action="person.role", actor="office").exists()


def test_createsuperuser_makes_a_system_administrator_without_every_power(db):
    call_command("createsuperuser", username="ops", email="", interactive=False, verbosity=0)
    ops = Person.objects.get(username="ops")
    assert (ops.role, ops.is_superuser, ops.is_staff) == (Role.ADMIN, False, True)
    assert ops.has_perm("org.change_person") and not ops.has_perm("work.view_report")


def test_the_system_may_set_any_role(unit_a):
    person = f.person("x", Role.LIAISON, units=[unit_a])
    assert services.person_set_role(actor=SYSTEM, person=person, role=Role.OFFICE).is_staff
    assert Permission.objects.filter(group__user=person).exists()


def test_a_change_of_units_in_the_admin_form_is_in_the_audit_log(as_, office, unit_a, db):
    other = f.unit("OTHER", "其他单位", parent=unit_a)
    liaison = f.person("la", Role.LIAISON, units=[unit_a], full_name="张三")
    client = as_(office)
    data = form_of(client.get(f"/admin/org/person/{liaison.pk}/change/"))
    prefix = "memberships"
    assert data[f"{prefix}-TOTAL_FORMS"]
    data[f"{prefix}-0-DELETE"] = "on"
    data[f"{prefix}-1-unit"] = str(other.pk)
    saved = client.post(f"/admin/org/person/{liaison.pk}/change/", data)
    assert saved.status_code == 302, saved.content.decode()[:2000]
    row = AuditEvent.objects.filter(action="person.units").order_by("id").last()
    assert (row.actor, row.object_id, row.detail["old"]) == ("office", str(liaison.pk), [unit_a.pk])
    assert row.detail["new"] == [other.pk]
