"""三员分立 (issue 12, point 2): the system, security and audit administrators
each do their own part, none reads the office's records, none changes their
own role, and only the security administrator changes an administrator."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command

from duban.audit.models import AuditEvent
from duban.org import services
from duban.org.models import Person, Role
from duban.org.scope import audits, kept_people, require_audits, scope_of
from duban.work.queries import visible_tasks
from tests import factories as f


@pytest.fixture
def three(db):
    return {
        "admin": f.person("sys", Role.ADMIN),
        "security": f.person("sec", Role.SECURITY),
        "auditor": f.person("aud", Role.AUDITOR),
    }


def test_no_administrator_reads_the_offices_records(three, task):
    assert visible_tasks(task.created_by).filter(pk=task.pk).exists()  # the office does
    for person in three.values():
        scope = scope_of(person)
        assert not scope.manages and not scope.covers(task.lead_unit)
        assert not visible_tasks(person).exists()
        assert not scope.units().exists()


@pytest.mark.parametrize(
    ("who", "url", "code"),
    [
        ("admin", "/tasks/", 200),
        ("admin", "/task/", 404),
        ("security", "/task/", 404),
        ("auditor", "/task/", 404),
    ],
)
def test_an_administrator_opening_a_task_finds_nothing(three, task, as_, who, url, code):
    client = as_(three[who])
    if url == "/task/":
        assert client.get(f"/tasks/{task.pk}/").status_code == 404
    else:
        page = client.get(url)
        assert page.status_code == code and task.title not in page.content.decode()


def test_each_administrator_starts_on_their_own_desk(three, as_):
    assert as_(three["admin"]).get("/").url == "/admin/"
    assert as_(three["security"]).get("/").url == "/security/"
    assert as_(three["auditor"]).get("/").url == "/audit/"


def test_only_the_audit_administrator_reads_the_audit_log(three, office, leader, liaison_a):
    assert audits(three["auditor"])
    for person in (three["admin"], three["security"], office, leader, liaison_a):
        assert not audits(person)
        with pytest.raises(PermissionDenied, match="audit administrator"):
            require_audits(person)


def test_who_keeps_whom(three, unit_a, office):
    liaison = f.person("la", Role.LIAISON, units=[unit_a])
    colleague = f.person("oc", Role.OFFICE, units=[unit_a])
    sys, sec, aud = three["admin"], three["security"], three["auditor"]
    kept = {name: set(kept_people(p)) for name, p in three.items()}
    # The system administrator: the people of the work, no administrator.
    assert {liaison, colleague, office} <= kept["admin"]
    assert not kept["admin"] & {sys, sec, aud}
    # The security administrator: anyone, administrators too.
    assert {liaison, colleague, sys, sec, aud} <= kept["security"]
    # The audit administrator: nobody.
    assert kept["auditor"] == set()
    # Office staff: liaisons and leaders, no administrator.
    assert not set(kept_people(office)) & {sys, sec, aud, colleague}


def test_only_the_security_administrator_gives_an_administrators_role(three, unit_a):
    liaison = f.person("la", Role.LIAISON, units=[unit_a])
    sys, sec, aud = three["admin"], three["security"], three["auditor"]
    # The system administrator gives the roles of the work...
    assert services.person_set_role(actor=sys, person=liaison, role=Role.OFFICE).is_staff
    # ...and no administrator's, nor changes an administrator.
    with pytest.raises(PermissionDenied, match="security administrator"):
        services.person_set_role(actor=sys, person=liaison, role=Role.AUDITOR)
    with pytest.raises(PermissionDenied):
        services.person_set_role(actor=sys, person=aud, role=Role.LIAISON)
    with pytest.raises(PermissionDenied):
        services.person_create(actor=sys, username="new.sec", role=Role.SECURITY)
    # The audit administrator gives nothing.
    with pytest.raises(PermissionDenied):
        services.person_set_role(actor=aud, person=liaison, role=Role.LEADER)
    # The security administrator gives any role, and it is in the log.
    services.person_set_role(actor=sec, person=liaison, role=Role.AUDITOR)
    assert Person.objects.get(pk=liaison.pk).role == Role.AUDITOR
    row = AuditEvent.objects.filter(action="person.role").order_by("id").last()
    assert (row.actor, row.detail) == ("sec", {"old": "office", "new": "auditor"})


@pytest.mark.parametrize("role", [Role.SECURITY, Role.ADMIN, Role.OFFICE])
def test_nobody_changes_their_own_role(three, role, unit_a):
    person = three["security"] if role == Role.SECURITY else f.person("me", role, units=[unit_a])
    for wanted in (Role.AUDITOR, Role.LIAISON):
        with pytest.raises(PermissionDenied, match="own role"):
            services.person_set_role(actor=person, person=person, role=wanted)
    assert Person.objects.get(pk=person.pk).role == role


def test_the_admin_site_gives_each_administrator_their_part(three, as_, office, task):
    sys = as_(three["admin"])
    assert sys.get("/admin/org/unit/").status_code == 200
    assert sys.get("/admin/org/person/").status_code == 200
    # Business records are not theirs, in the admin site either.
    assert sys.get("/admin/work/task/").status_code == 403
    assert sys.get(f"/admin/work/task/{task.pk}/change/").status_code in (302, 403)
    assert sys.get("/admin/axes/accessattempt/").status_code == 403
    sec = as_(three["security"])
    assert sec.get("/admin/axes/accessattempt/").status_code == 200
    assert sec.get("/admin/org/unit/add/").status_code == 403
    assert sec.get("/admin/work/task/").status_code == 403
    # The audit administrator is not staff: the admin site is not theirs.
    page = as_(three["auditor"]).get("/admin/")
    assert page.status_code == 302 and "/admin/login/" in page.url


def test_the_security_administrators_role_field_offers_every_role_the_others_fewer(
    three, as_, unit_a
):
    liaison = f.person("la", Role.LIAISON, units=[unit_a])
    offered = {}
    for name in ("admin", "security"):
        html = as_(three[name]).get(f"/admin/org/person/{liaison.pk}/change/").content.decode()
        offered[name] = {r for r in Role.values if f'value="{r}"' in html}
    assert offered["security"] == set(Role.values)
    assert offered["admin"] == {Role.OFFICE, Role.LEADER, Role.LIAISON}
    own = as_(three["security"]).get(f"/admin/org/person/{three['security'].pk}/change/")
    assert 'name="role"' not in own.content.decode()  # shown, not editable


def test_the_console_gives_the_first_security_administrator(db, capsys):
    f.person("ops.sec", Role.LIAISON)
    call_command("setrole", "ops.sec", "security")
    person = Person.objects.get(username="ops.sec")
    assert person.role == Role.SECURITY and person.is_staff and not person.is_superuser
    row = AuditEvent.objects.filter(action="person.role").order_by("id").last()
    assert (row.actor, row.detail["new"]) == ("", "security")
