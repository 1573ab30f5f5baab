"""Passwords under DUBAN_CRYPTO=gm: PBKDF2-HMAC-SM3 (duban.lib.hashers), checked
against an independent SM3; the other mode's hashes still verify and are
rehashed at the next sign-in, both ways."""

from __future__ import annotations

import base64
import hashlib
import runpy
from pathlib import Path

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher, check_password, make_password
from django.core.exceptions import ImproperlyConfigured

from duban.lib.hashers import PBKDF2SM3PasswordHasher, pbkdf2_sm3
from duban.org.models import Person
from tests.sso.pages import sign_in

SETTINGS = Path(__file__).resolve().parents[2] / "duban" / "settings.py"
PASSWORD = "Zhixing-heyi-2026"

# PBKDF2-HMAC-SM3 of "password" with salt "salt", 32 bytes, computed with the
# pure-Python SM3 of the gmssl package (3.2.2) and HMAC and PBKDF2 written out
# from RFC 2104 and RFC 8018: another implementation than the one under test.
VECTORS = {
    1: "4612f922a1fdcefaf4312fc6f8f3322b489cbf24f2ea361b44c2bd8fa2c6dcb0",
    2: "fee723a2bc966e11dffb66133f4e8df577383c78ade30e3298edbd3e54ed85b7",
    1000: "e8b635a41dfe5aaab7cf828cff6f3608e22cac59ba16edd70e000b293d00bc91",
}


def settings_with(monkeypatch, tmp_path, **env: str) -> dict:
    """The settings module as a process with this environment would read it."""
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "duban-tests")
    monkeypatch.setenv("DUBAN_SECRETS_KEY", "3" * 64)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


@pytest.mark.parametrize(("iterations", "expected"), VECTORS.items())
def test_pbkdf2_sm3_matches_an_independent_implementation(iterations, expected):
    assert pbkdf2_sm3("password", "salt", iterations).hex() == expected
    hashed = PBKDF2SM3PasswordHasher().encode("password", "salt", iterations)
    assert (
        hashed
        == f"pbkdf2_sm3${iterations}$salt${base64.b64encode(bytes.fromhex(expected)).decode()}"
    )


@pytest.mark.skipif("sm3" not in hashlib.algorithms_available, reason="this OpenSSL has no SM3")
def test_pbkdf2_sm3_agrees_with_hashlib_where_the_system_has_sm3():
    assert pbkdf2_sm3("口令 ✓", "NaCl-salt", 500) == hashlib.pbkdf2_hmac(
        "sm3", "口令 ✓".encode(), b"NaCl-salt", 500
    )


def test_the_hasher_verifies_and_asks_for_an_update_when_iterations_change():
    hasher = PBKDF2SM3PasswordHasher()
    assert hasher.iterations == PBKDF2PasswordHasher.iterations
    hashed = hasher.encode(PASSWORD, hasher.salt(), 1000)
    assert hasher.verify(PASSWORD, hashed) and not hasher.verify(PASSWORD + "x", hashed)
    assert hasher.must_update(hashed)
    assert hasher.safe_summary(hashed)["algorithm"] == "pbkdf2_sm3"


@pytest.mark.parametrize(
    ("crypto", "first", "second"),
    [
        ("", "PBKDF2PasswordHasher", "PBKDF2SM3PasswordHasher"),
        ("standard", "PBKDF2PasswordHasher", "PBKDF2SM3PasswordHasher"),
        ("gm", "PBKDF2SM3PasswordHasher", "PBKDF2PasswordHasher"),
        ("GM", "PBKDF2SM3PasswordHasher", "PBKDF2PasswordHasher"),
    ],
)
def test_the_mode_puts_its_hasher_first_and_keeps_the_other(
    monkeypatch, tmp_path, crypto, first, second
):
    hashers = settings_with(monkeypatch, tmp_path, DUBAN_CRYPTO=crypto)["PASSWORD_HASHERS"]
    assert [h.rsplit(".", 1)[1] for h in hashers[:2]] == [first, second]


@pytest.mark.parametrize("crypto", ["sm", "guomi", "aes", "true"])
def test_an_unknown_mode_stops_the_start(monkeypatch, tmp_path, crypto):
    with pytest.raises(ImproperlyConfigured, match="DUBAN_CRYPTO must be standard or gm"):
        settings_with(monkeypatch, tmp_path, DUBAN_CRYPTO=crypto)


def hashers_for(monkeypatch, tmp_path, crypto: str) -> list[str]:
    return settings_with(monkeypatch, tmp_path, DUBAN_CRYPTO=crypto)["PASSWORD_HASHERS"]


@pytest.fixture
def quick_hashers(monkeypatch):
    # A million iterations twice per test is slow on shared machines; fewer do
    # the same (the stored hash names its own count).
    monkeypatch.setattr(PBKDF2PasswordHasher, "iterations", 1000)
    monkeypatch.setattr(PBKDF2SM3PasswordHasher, "iterations", 1000)


@pytest.mark.parametrize(
    ("before", "after", "old", "new"),
    [
        ("standard", "gm", "pbkdf2_sha256", "pbkdf2_sm3"),
        ("gm", "standard", "pbkdf2_sm3", "pbkdf2_sha256"),
    ],
)
def test_a_password_of_the_other_mode_signs_in_and_is_rehashed(
    client, settings, monkeypatch, tmp_path, quick_hashers, liaison_a, before, after, old, new
):
    settings.PASSWORD_HASHERS = hashers_for(monkeypatch, tmp_path, before)
    Person.objects.filter(pk=liaison_a.pk).update(password=make_password(PASSWORD))
    assert Person.objects.get(pk=liaison_a.pk).password.startswith(f"{old}$")

    settings.PASSWORD_HASHERS = hashers_for(monkeypatch, tmp_path, after)
    assert sign_in(client, liaison_a.username, PASSWORD).status_code == 302
    stored = Person.objects.get(pk=liaison_a.pk).password
    assert stored.startswith(f"{new}$1000$")
    assert check_password(PASSWORD, stored) and not check_password("wrong", stored)


def test_a_wrong_password_of_the_other_mode_is_refused_and_not_rehashed(
    client, settings, monkeypatch, tmp_path, quick_hashers, liaison_a
):
    settings.PASSWORD_HASHERS = hashers_for(monkeypatch, tmp_path, "standard")
    Person.objects.filter(pk=liaison_a.pk).update(password=make_password(PASSWORD))
    before = Person.objects.get(pk=liaison_a.pk).password
    settings.PASSWORD_HASHERS = hashers_for(monkeypatch, tmp_path, "gm")
    assert sign_in(client, liaison_a.username, "Not-the-password-1").status_code == 200
    assert Person.objects.get(pk=liaison_a.pk).password == before
