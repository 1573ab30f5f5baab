"""duban.lib.crypto: secrets sealed at rest, AES-256-GCM or (DUBAN_CRYPTO=gm) SM4-GCM,
a key per purpose, tokens of the other algorithm and of old keys still opening."""

from __future__ import annotations

import base64
import runpy
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from duban.cli import write_secret_key
from duban.lib import crypto
from duban.lib.crypto import CryptoError, decode_key, seal, unseal

KEY_A = "a" * 64  # hex
KEY_B = base64.b64encode(bytes(range(32))).decode()
MODES = ["standard", "gm"]
SETTINGS = Path(__file__).resolve().parents[2] / "duban" / "settings.py"


@pytest.fixture(autouse=True)
def _keys(settings):
    settings.DUBAN_SECRETS_KEY = KEY_A
    settings.DUBAN_SECRETS_KEYS_OLD = []


@pytest.mark.parametrize("mode", MODES)
def test_a_sealed_text_opens_to_itself(settings, mode):
    settings.DUBAN_CRYPTO = mode
    for text in ["SEC0123456789abcdef", "加签密钥 ✓", "x" * 2000]:
        token = seal(text, purpose="tests.secret")
        assert text not in token
        assert unseal(token, purpose="tests.secret") == text


@pytest.mark.parametrize(("mode", "algorithm"), [("standard", "aes"), ("gm", "sm4")])
def test_the_token_names_its_algorithm_and_key_and_never_repeats(settings, mode, algorithm):
    settings.DUBAN_CRYPTO = mode
    first, second = (seal("same", purpose="tests.secret") for _ in range(2))
    assert first.startswith(f"v1:{algorithm}:{crypto.key_id(algorithm, decode_key(KEY_A))}:")
    assert first != second  # a fresh nonce each time


def _flip(token: str, at: int) -> str:
    swap = "B" if token[at] == "A" else "A"
    return token[:at] + swap + token[at + 1 :]


@pytest.mark.parametrize("mode", MODES)
def test_an_altered_token_does_not_open(settings, mode):
    settings.DUBAN_CRYPTO = mode
    token = seal("SEC0123456789abcdef", purpose="tests.secret")
    payload_starts = len(token.rsplit(":", 1)[0]) + 1
    altered = [
        _flip(token, payload_starts + 2),  # the nonce
        _flip(token, payload_starts + 20),  # the ciphertext
        _flip(token, len(token) - 3),  # the tag
        token[:-4],  # cut short
        token.replace(":aes:", ":sm4:") if ":aes:" in token else token.replace(":sm4:", ":aes:"),
    ]
    for bad in altered:
        with pytest.raises(CryptoError):
            unseal(bad, purpose="tests.secret")


@pytest.mark.parametrize("mode", MODES)
def test_a_token_for_one_purpose_does_not_open_for_another(settings, mode):
    settings.DUBAN_CRYPTO = mode
    token = seal("SEC0123456789abcdef", purpose="notify.chathook.secret")
    with pytest.raises(CryptoError, match="another purpose"):
        unseal(token, purpose="notify.endpoint.secret")


@pytest.mark.parametrize(("before", "after"), [("standard", "gm"), ("gm", "standard")])
def test_after_a_switch_of_algorithm_old_tokens_open_and_new_ones_use_the_new(
    settings, before, after
):
    settings.DUBAN_CRYPTO = before
    old = seal("SEC-before", purpose="tests.secret")
    settings.DUBAN_CRYPTO = after
    assert unseal(old, purpose="tests.secret") == "SEC-before"
    new = seal("SEC-after", purpose="tests.secret")
    assert new.split(":")[1] == crypto.ALGORITHM_OF[after] != old.split(":")[1]
    assert not crypto.token_is_current(old) and crypto.token_is_current(new)


@pytest.mark.parametrize("mode", MODES)
def test_an_old_key_opens_its_tokens_only_while_it_is_listed(settings, mode):
    settings.DUBAN_CRYPTO = mode
    token = seal("SEC-rotated", purpose="tests.secret")
    settings.DUBAN_SECRETS_KEY = KEY_B
    with pytest.raises(CryptoError, match="DUBAN_SECRETS_KEY_OLD"):
        unseal(token, purpose="tests.secret")
    settings.DUBAN_SECRETS_KEYS_OLD = [KEY_A]
    assert unseal(token, purpose="tests.secret") == "SEC-rotated"
    assert not crypto.token_is_current(token)


def test_a_key_is_32_bytes_in_hex_or_base64():
    raw = bytes(range(32))
    for text in [
        raw.hex(),
        raw.hex().upper(),
        base64.b64encode(raw).decode(),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
        f"  {raw.hex()}\n",
    ]:
        assert decode_key(text) == raw
    assert len(decode_key(crypto.new_key())) == 32
    for bad in ["", "short", raw.hex()[:-2], base64.b64encode(raw[:16]).decode(), "é" * 44]:
        with pytest.raises(ValueError, match="32 random bytes"):
            decode_key(bad)


# The ciphers themselves, against their published examples (not our own output).


def test_sm4_gcm_is_the_one_of_rfc_8998():
    # RFC 8998, appendix A.1 (SM4-GCM).
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plain = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    sealed = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"  # the tag
    )
    assert crypto._encrypt("sm4", key, nonce, plain, aad) == sealed
    assert crypto._decrypt("sm4", key, nonce, sealed, aad) == plain


def test_aes_256_gcm_is_the_one_of_the_gcm_specification():
    # McGrew and Viega, "The Galois/Counter Mode of Operation", test case 16.
    key = bytes.fromhex("feffe9928665731c6d6a8f9467308308" * 2)
    nonce = bytes.fromhex("cafebabefacedbaddecaf888")
    aad = bytes.fromhex("feedfacedeadbeeffeedfacedeadbeefabaddad2")
    plain = bytes.fromhex(
        "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
        "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"
    )
    sealed = bytes.fromhex(
        "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
        "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
        "76fc6ece0f4e1768cddf8853bb2d551b"  # the tag
    )
    assert crypto._encrypt("aes", key, nonce, plain, aad) == sealed
    assert crypto._decrypt("aes", key, nonce, sealed, aad) == plain


# Where the key comes from.


def read_settings(monkeypatch, tmp_path, **env: str) -> dict:
    """The settings module as a process with this environment would read it."""
    for name in ("DUBAN_SECRETS_KEY", "DUBAN_SECRETS_KEY_OLD", "DUBAN_CRYPTO", "DEBUG"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "duban-tests")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


def test_without_a_secrets_key_and_not_debugging_the_app_refuses_to_start(monkeypatch, tmp_path):
    with pytest.raises(ImproperlyConfigured, match="DUBAN_SECRETS_KEY is not set.*duban secretkey"):
        read_settings(monkeypatch, tmp_path)
    # While debugging, a published development key (like SECRET_KEY's).
    assert (
        len(decode_key(read_settings(monkeypatch, tmp_path, DEBUG="true")["DUBAN_SECRETS_KEY"]))
        == 32
    )


def test_duban_secretkey_writes_a_secrets_key_once_that_the_settings_read(monkeypatch, tmp_path):
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    written = write_secret_key()
    assert [p.name for p in written] == ["secret_key", "secrets_key"]
    key_file = tmp_path / "secrets_key"
    assert key_file.stat().st_mode & 0o077 == 0
    first = key_file.read_text()
    write_secret_key()
    assert key_file.read_text() == first  # never replaced: it would lose every secret
    assert read_settings(monkeypatch, tmp_path)["DUBAN_SECRETS_KEY"] == first.strip()
    # The environment wins over the file.
    env = read_settings(monkeypatch, tmp_path, DUBAN_SECRETS_KEY=KEY_A)
    assert env["DUBAN_SECRETS_KEY"] == KEY_A


@pytest.mark.parametrize(
    ("name", "value"),
    [("DUBAN_SECRETS_KEY", "not-a-key"), ("DUBAN_SECRETS_KEY_OLD", f"{KEY_B},abc")],
)
def test_a_key_that_is_not_32_bytes_stops_the_start(monkeypatch, tmp_path, name, value):
    env = {"DUBAN_SECRETS_KEY": KEY_A, name: value}
    with pytest.raises(ImproperlyConfigured, match=f"{name}: a secrets key is 32 random bytes"):
        read_settings(monkeypatch, tmp_path, **env)


def test_old_keys_are_a_comma_separated_list(monkeypatch, tmp_path):
    found = read_settings(
        monkeypatch,
        tmp_path,
        DUBAN_SECRETS_KEY=KEY_A,
        DUBAN_SECRETS_KEY_OLD=f" {KEY_B} ,{'c' * 64},",
    )
    assert found["DUBAN_SECRETS_KEYS_OLD"] == [KEY_B, "c" * 64]
