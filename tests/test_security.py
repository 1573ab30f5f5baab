"""Headers, sessions, lockout and password rules (issue 12, points 3, 4, 6)."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from duban.audit.models import AuditEvent
from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]


def test_every_page_carries_a_policy_with_no_inline_script(client, db):
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "frame-ancestors 'none'" in policy and "object-src 'none'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_what_a_signed_in_person_sees_is_never_stored(as_, client, office, task):
    for path in ("/inbox/", f"/tasks/{task.pk}/", "/tasks/"):
        cache = as_(office).get(path)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, path
    # What anyone may read (the API's document) may be kept.
    assert "no-store" not in client.get("/api/v1/openapi.json").get("Cache-Control", "")


def test_a_session_ends_after_the_idle_time_and_after_its_lifetime(as_, office, clock, settings):
    settings.DUBAN_SESSION_IDLE_MINUTES, settings.DUBAN_SESSION_HOURS = 30, 12
    client = as_(office, HTTP_ACCEPT_LANGUAGE="en")
    assert client.get("/inbox/").status_code == 200
    clock.move_to(f.NOW + dt.timedelta(minutes=29))
    assert client.get("/inbox/").status_code == 200  # active: the idle clock restarts
    clock.move_to(f.NOW + dt.timedelta(minutes=29 + 31))
    idle = client.get("/inbox/", follow=True)
    assert idle.redirect_chain[0][0].startswith("/login/")
    assert "signed out after 30 minutes without activity" in idle.content.decode()
    client = as_(office, HTTP_ACCEPT_LANGUAGE="en")
    client.get("/inbox/")
    for minutes in range(20, 12 * 60 + 40, 20):  # never idle, but over 12 hours pass
        clock.move_to(f.NOW + dt.timedelta(minutes=29 + 31 + minutes))
        response = client.get("/inbox/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_five_failures_lock_the_name_out_for_known_and_unknown_alike(client, liaison_a, settings):
    liaison_a.set_password("Right-pass-2026")
    liaison_a.save()
    for name in ("liaison_a", "nobody"):
        answers = [
            client.post(
                "/login/",
                {"username": name, "password": "wrong"},
                REMOTE_ADDR=f"10.0.0.{len(name)}",
                HTTP_ACCEPT_LANGUAGE="en",
            ).status_code
            for _ in range(6)
        ]
        assert answers == [200, 200, 200, 200, 429, 429], name
    locked = client.post(
        "/login/",
        {"username": "liaison_a", "password": "Right-pass-2026"},
        REMOTE_ADDR="10.9.9.9",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert locked.status_code == 429  # even with the right password, from elsewhere
    assert "Too many failed sign-ins. Try again in 15 minutes" in locked.content.decode()
    assert AuditEvent.objects.filter(action="login.lockout").count() >= 2


@pytest.mark.parametrize(
    "password",
    [
        "12345678",
        "password",
        "aaaaaaaaaa",
        "liaison_a2026",
        "short1A!",
        "alllowercase1",
        "1234567890",
    ],
)
def test_weak_passwords_are_refused(liaison_a, password):
    with pytest.raises(ValidationError):
        validate_password(password, liaison_a)


def test_a_strong_password_passes(liaison_a):
    validate_password("Zhixing-heyi-2026", liaison_a)


def test_without_a_secret_key_and_not_debugging_the_app_refuses_to_start(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(DUBAN_DATA_DIR=str(tmp_path), DEBUG="false")
    started = subprocess.run(
        [sys.executable, "-m", "duban.cli", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert started.returncode != 0 and "SECRET_KEY is not set" in started.stderr
    made = subprocess.run(
        [sys.executable, "-m", "duban.cli", "secretkey"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    key = tmp_path / "secret_key"
    assert made.returncode == 0 and key.stat().st_mode & 0o077 == 0 and len(key.read_text()) > 50
    again = subprocess.run(
        [sys.executable, "-m", "duban.cli", "check"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert again.returncode == 0, again.stderr


def test_the_deploy_check_is_clean_with_the_production_settings_the_docs_list(tmp_path):
    # docs/operations.md, "Production settings (security)": its block, as an operator pastes it.
    doc = (ROOT / "docs" / "operations.md").read_text()
    after = doc.split("`duban check --deploy` is clean:", 1)[1]
    block = after.split("```sh", 1)[1].split("```")[0]
    listed = dict(
        line.split("#")[0].removeprefix("export ").strip().split("=", 1)
        for line in block.splitlines()
        if line.startswith("export ")
    )
    assert {"SESSION_COOKIE_SECURE", "DUBAN_HSTS_SECONDS", "DUBAN_SSL_REDIRECT"} <= set(listed)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DUBAN_", "DJANGO_"))}
    env.update({k: v.strip('"') for k, v in listed.items()})
    env.update(
        DUBAN_DATA_DIR=str(tmp_path),
        DEBUG="false",
        SECRET_KEY="x" * 20 + "a-long-and-random-production-key-0123456789",
        DUBAN_SECRETS_KEY="ab" * 32,
    )
    checked = subprocess.run(
        [sys.executable, "-m", "duban.cli", "check", "--deploy", "--fail-level", "WARNING"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr + checked.stdout
    assert "no issues" in checked.stdout
