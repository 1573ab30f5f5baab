"""The second factor, the password's age and history, the forced change,
the list of sessions, and the security administrator's desk (issue 12,
points 3 and 4), driven through the pages as a person uses them."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_otp.oath import TOTP

from duban.audit.models import AuditEvent
from duban.org import services as org
from duban.org.models import Person, Role
from duban.sso import account
from duban.sso.models import RecoveryCode, SecondFactor, SignedInSession
from tests import factories as f

PASSWORD = "Right-pass-2026"


@pytest.fixture
def staff(unit_a):
    person = f.person("zhou", Role.OFFICE, units=[unit_a])
    person.set_password(PASSWORD)
    person.save()
    return person


def sign_in(client: Client, username: str, password: str = PASSWORD, next_: str = "/tasks/"):
    return client.post("/login/", {"username": username, "password": password, "next": next_})


def code_now(device: SecondFactor, at: float | None = None) -> str:
    totp = TOTP(device.key_bytes, step=30, digits=6)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():06d}"


def set_up_factor(client: Client, person: Person) -> list[str]:
    page = client.get("/account/second-factor/setup/")
    assert page.status_code == 200 and "<svg" in page.content.decode()
    device = SecondFactor.objects.get(user=person, confirmed=False)
    shown = page.content.decode()
    assert re.sub(r"\s", "", account.key_text(device)) in re.sub(r"\s", "", shown)
    done = client.post("/account/second-factor/setup/", {"code": code_now(device)})
    assert done.status_code == 200
    return re.findall(r"<code>([0-9A-F]{3}-[0-9A-F]{3})</code>", done.content.decode())


def test_office_staff_must_set_up_a_second_factor_before_any_page(staff, client, clock):
    assert sign_in(client, "zhou").status_code == 302
    first = client.get("/tasks/")
    assert first.status_code == 302
    assert first.url == "/account/second-factor/setup/?next=%2Ftasks%2F"
    # The API, with this session, is closed too until then.
    assert client.get("/api/v1/tasks").status_code in (401, 403)
    codes = set_up_factor(client, staff)
    assert len(codes) == 10 and len(set(codes)) == 10
    assert client.get("/tasks/").status_code == 200
    assert AuditEvent.objects.filter(action="2fa.added", actor="zhou").exists()
    # Only hashes of the recovery codes are kept.
    stored = set(RecoveryCode.objects.values_list("digest", flat=True))
    assert not stored & set(codes) and len(stored) == 10


def test_the_next_sign_in_asks_for_the_code_and_a_code_works_once(staff, clock):
    clock.move_to(f.NOW)
    client = Client()
    sign_in(client, "zhou")
    set_up_factor(client, staff)
    client.post("/logout/")
    clock.move_to(f.NOW + dt.timedelta(minutes=2))
    sign_in(client, "zhou")
    asked = client.get("/tasks/")
    assert asked.url.startswith("/account/second-factor/?next=")
    device = SecondFactor.objects.get(user=staff)
    wrong = client.post("/account/second-factor/", {"code": "000000", "next": "/tasks/"})
    assert wrong.status_code == 400 and "not right" in wrong.content.decode()
    assert AuditEvent.objects.filter(action="2fa.failed").exists()
    clock.move_to(f.NOW + dt.timedelta(minutes=3))  # past the throttle's delay
    code = code_now(device, time.time())
    right = client.post("/account/second-factor/", {"code": code, "next": "/tasks/"})
    assert right.status_code == 302 and right.url == "/tasks/"
    assert client.get("/tasks/").status_code == 200
    # The same code does not sign in a second time (another browser).
    other = Client()
    sign_in(other, "zhou")
    again = other.post("/account/second-factor/", {"code": code, "next": "/tasks/"})
    assert again.status_code == 400


def test_a_recovery_code_signs_in_once(staff, client, clock):
    sign_in(client, "zhou")
    codes = set_up_factor(client, staff)
    client.post("/logout/")
    for attempt, expected in ((codes[0], 302), (codes[0], 400)):
        fresh = Client()
        sign_in(fresh, "zhou")
        answer = fresh.post("/account/second-factor/", {"code": attempt.lower()})
        assert answer.status_code == expected
    assert account.recovery_codes_left(staff) == 9


def test_the_key_is_sealed_in_the_database(staff, client):
    sign_in(client, "zhou")
    set_up_factor(client, staff)
    device = SecondFactor.objects.get(user=staff)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT key FROM sso_secondfactor WHERE id = %s", [device.pk])
        raw = cursor.fetchone()[0]
    assert device.key not in raw and len(device.key) == 40


def test_in_a_demonstration_the_factor_is_offered_not_required(staff, client, settings):
    settings.DUBAN_DEMO = True
    sign_in(client, "zhou")
    assert client.get("/tasks/").status_code == 200
    page = client.get("/account/").content.decode()
    assert "Set up a second factor" in page


def test_liaisons_may_add_a_factor_and_remove_it_office_staff_may_not_remove(
    staff, client, liaison_a
):
    liaison_a.set_password(PASSWORD)
    liaison_a.save()
    sign_in(client, "liaison_a")
    assert client.get("/tasks/").status_code == 200  # not required of a liaison
    set_up_factor(client, liaison_a)
    assert client.post("/account/second-factor/remove/").status_code == 302
    assert not SecondFactor.objects.filter(user=liaison_a).exists()
    office = Client()
    sign_in(office, "zhou")
    set_up_factor(office, staff)
    office.post("/account/second-factor/remove/")
    assert SecondFactor.objects.filter(user=staff, confirmed=True).exists()


def test_an_account_an_administrator_made_must_choose_its_own_password(unit_a, db, client):
    admin = f.person("sys", Role.ADMIN)
    made = org.person_create(
        actor=admin,
        username="new.one",
        role=Role.LIAISON,
        password="Temp-pass-2026",
        units=[unit_a],
    )
    assert Person.objects.get(pk=made.pk).must_change_password
    sign_in(client, "new.one", "Temp-pass-2026")
    gate = client.get("/tasks/")
    assert gate.url.startswith("/account/password/")
    page = client.get(gate.url).content.decode()
    assert "An administrator set your password" in page
    same = client.post(
        "/account/password/",
        {
            "old_password": "Temp-pass-2026",
            "new_password1": "Temp-pass-2026",
            "new_password2": "Temp-pass-2026",
        },
    )
    assert same.status_code == 400 and "last 5 passwords" in same.content.decode()
    changed = client.post(
        "/account/password/",
        {
            "old_password": "Temp-pass-2026",
            "new_password1": "Own-choice-77x",
            "new_password2": "Own-choice-77x",
            "next": "/tasks/",
        },
    )
    assert changed.status_code == 302 and changed.url == "/tasks/"
    assert client.get("/tasks/").status_code == 200
    person = Person.objects.get(pk=made.pk)
    assert not person.must_change_password and person.password_changed_at is not None
    assert AuditEvent.objects.filter(action="password.changed", actor="new.one").exists()


def test_a_password_older_than_90_days_must_be_changed(liaison_a, client, clock, settings):
    settings.DUBAN_PASSWORD_MAX_AGE_DAYS = 90
    liaison_a.set_password(PASSWORD)
    liaison_a.save()
    clock.move_to(f.NOW + dt.timedelta(days=89))
    sign_in(client, "liaison_a")
    assert client.get("/tasks/").status_code == 200
    client.post("/logout/")
    clock.move_to(f.NOW + dt.timedelta(days=91))
    sign_in(client, "liaison_a")
    gate = client.get("/tasks/")
    assert gate.url.startswith("/account/password/")
    assert "older than 90 days" in client.get(gate.url).content.decode()
    settings.DUBAN_PASSWORD_MAX_AGE_DAYS = 0  # never
    fresh = Client()
    sign_in(fresh, "liaison_a")
    assert fresh.get("/tasks/").status_code == 200


def test_the_last_five_passwords_are_not_chosen_again(liaison_a, settings):
    settings.DUBAN_PASSWORD_HISTORY = 5
    used = [f"Pass-{n}-word-2026" for n in range(7)]
    for password in used:
        validate_password(password, liaison_a)
        liaison_a.set_password(password)
        liaison_a.save()
    for password in used[-5:]:
        with pytest.raises(ValidationError, match="last 5"):
            validate_password(password, liaison_a)
    validate_password(used[0], liaison_a)  # six back: allowed again
    assert liaison_a.used_passwords.count() == 5


def test_a_person_sees_their_sessions_and_ends_one(liaison_a, settings):
    liaison_a.set_password(PASSWORD)
    liaison_a.save()
    phone = Client(HTTP_USER_AGENT="Mozilla/5.0 (iPhone) Safari/604.1")
    desk = Client(HTTP_USER_AGENT="Mozilla/5.0 (Windows NT 10.0) Chrome/120 Safari/537")
    sign_in(phone, "liaison_a")
    sign_in(desk, "liaison_a")
    page = desk.get("/account/").content.decode()
    assert page.count('data-testid="session"') == 2
    assert "Safari · iPhone" in page and "Chrome · Windows" in page
    other = SignedInSession.objects.exclude(session_key=desk.session.session_key).get()
    assert desk.post(f"/account/sessions/{other.pk}/end/").status_code == 302
    assert phone.get("/tasks/").status_code == 302  # that browser is signed out
    assert desk.get("/tasks/").status_code == 200
    # Nobody ends someone else's session.
    sign_in(phone, "liaison_a")
    mine = SignedInSession.objects.get(session_key=phone.session.session_key)
    stranger = f.signed_in(f.person("x", Role.LIAISON))
    stranger.post(f"/account/sessions/{mine.pk}/end/")
    assert phone.get("/tasks/").status_code == 200


def test_a_password_change_ends_the_other_sessions(liaison_a):
    liaison_a.set_password(PASSWORD)
    liaison_a.save()
    one, two = Client(), Client()
    sign_in(one, "liaison_a")
    sign_in(two, "liaison_a")
    changed = one.post(
        "/account/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "Brand-new-pass-9",
            "new_password2": "Brand-new-pass-9",
        },
    )
    assert changed.status_code == 302
    assert one.get("/tasks/").status_code == 200
    assert two.get("/tasks/").status_code == 302
    assert SignedInSession.objects.filter(person=liaison_a).count() == 1


def test_signing_out_removes_the_session_from_the_list(liaison_a):
    liaison_a.set_password(PASSWORD)
    liaison_a.save()
    client = Client()
    sign_in(client, "liaison_a")
    assert SignedInSession.objects.filter(person=liaison_a).count() == 1
    client.post("/logout/")
    assert not SignedInSession.objects.filter(person=liaison_a).exists()


def test_the_security_administrator_unlocks_and_resets_a_factor(staff, settings, as_):
    security = f.person("sec", Role.SECURITY)
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "zhou", "wrong-password")
    assert AccessAttempt.objects.filter(username="zhou").exists()
    locked = Client()
    assert sign_in(locked, "zhou").status_code != 302
    desk = as_(security)
    page = desk.get("/security/")
    assert page.status_code == 200 and "zhou" in page.content.decode()
    attempt = AccessAttempt.objects.get(username="zhou")
    assert desk.post(f"/security/lockouts/{attempt.pk}/release/").status_code == 302
    assert sign_in(Client(), "zhou").status_code == 302
    assert AuditEvent.objects.filter(action="lockout.released", actor="sec").exists()
    # A lost phone: the security administrator resets the factor.
    client = Client()
    sign_in(client, "zhou")
    set_up_factor(client, staff)
    assert desk.post(f"/security/people/{staff.pk}/reset-factor/").status_code == 302
    assert not SecondFactor.objects.filter(user=staff).exists()
    assert AuditEvent.objects.filter(action="2fa.removed", actor="sec").exists()


@pytest.mark.parametrize("role", [Role.ADMIN, Role.AUDITOR, Role.OFFICE, Role.LEADER, Role.LIAISON])
def test_nobody_else_opens_the_security_desk(role, as_, unit_a, staff):
    person = f.person(f"p-{role}", role, units=[unit_a])
    client = as_(person)
    assert client.get("/security/").status_code == 403
    assert client.post(f"/security/people/{staff.pk}/reset-factor/").status_code == 403


def test_the_pages_in_chinese(staff, settings):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    sign_in(client, "zhou")
    page = client.get("/account/second-factor/setup/").content.decode()
    assert "扫描" in page and "身份验证器" in page
    settings.DUBAN_DEMO = True
    security = f.signed_in(f.person("sec", Role.SECURITY), HTTP_ACCEPT_LANGUAGE="zh-hans")
    desk = security.get("/security/").content.decode()
    assert "锁定" in desk and "第二因素" in desk
