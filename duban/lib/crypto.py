"""Secrets kept encrypted in the database: chat robots' addresses and signing
secrets, webhook secrets, second-factor secrets (docs/security.md, 数据保密性).

``seal(text, purpose=...)`` gives a token; ``unseal(token, purpose=...)`` the
text back. A token reads

    v1:<algorithm>:<key id>:<base64url(nonce ‖ ciphertext ‖ tag)>

- ``aes``: AES-256-GCM; the key is HKDF-SHA256 of the master key.
- ``sm4``: SM4-GCM (SM4 of GB/T 32907-2016 in the GCM mode of GB/T 17964-2021,
  as RFC 8998 uses it); the key is HKDF-SM3 of the master key (DUBAN_CRYPTO=gm).

The purpose (``notify.chathook.secret``) goes into the key's derivation, so a
token copied from one column to another does not open there; the header
(version, algorithm, key id) is the associated data, so none of it can be
changed. New tokens use the algorithm DUBAN_CRYPTO names and the current key
(DUBAN_SECRETS_KEY); tokens of the other algorithm, or of a key listed in
DUBAN_SECRETS_KEY_OLD, still open, and ``duban secrets reseal`` rewrites them.

A master key is 32 random bytes, written as 64 hex digits or in base64.
"""

from __future__ import annotations

import base64
import binascii
import functools
import os
import re
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.apps import apps
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection, models

VERSION = "v1"
KEY_BYTES = 32
NONCE_BYTES = 12  # GCM's own size: no extra hashing of the nonce
TAG_BYTES = 16
# Which algorithm each DUBAN_CRYPTO writes with.
ALGORITHM_OF = {"standard": "aes", "gm": "sm4"}
_TOKEN = re.compile(r"\Av1:(aes|sm4):([0-9a-f]{8}):([A-Za-z0-9_-]+)\Z")


class CryptoError(Exception):
    """A token that does not open: altered, for another purpose, or of a key
    this installation does not have."""


def decode_key(text: str) -> bytes:
    """The 32 bytes a DUBAN_SECRETS_KEY names: 64 hex digits, or base64
    (standard or URL-safe, padding optional). ValueError says what is wrong."""
    text = text.strip()
    if re.fullmatch(r"[0-9a-fA-F]{64}", text):
        return bytes.fromhex(text)
    try:
        padded = text + "=" * (-len(text) % 4)
        raw = base64.b64decode(padded.replace("-", "+").replace("_", "/"), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != KEY_BYTES:
        raise ValueError(
            "a secrets key is 32 random bytes, as 64 hex digits or in base64 (openssl rand -hex 32)"
        )
    return raw


def new_key() -> str:
    """A new master key, in the form `duban secretkey` writes."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode()


def _hash(algorithm: str) -> hashes.HashAlgorithm:
    return hashes.SM3() if algorithm == "sm4" else hashes.SHA256()


@functools.lru_cache(maxsize=256)
def _derive(algorithm: str, master: bytes, info: str) -> bytes:
    length = 16 if algorithm == "sm4" else 32  # SM4 keys are 128 bits
    hkdf = HKDF(algorithm=_hash(algorithm), length=length, salt=None, info=info.encode())
    return hkdf.derive(master)


def key_id(algorithm: str, master: bytes) -> str:
    """Eight hex digits that name a master key in its tokens (derived one way
    from it: they tell nothing of the key)."""
    return _derive(algorithm, master, "duban key id").hex()[:8]


def _keys() -> list[bytes]:
    """The current master key first, then the old ones still accepted."""
    keys = [decode_key(settings.DUBAN_SECRETS_KEY)]
    keys += [decode_key(k) for k in settings.DUBAN_SECRETS_KEYS_OLD]
    return keys


def _encrypt(algorithm: str, key: bytes, nonce: bytes, data: bytes, header: bytes) -> bytes:
    if algorithm == "aes":
        return AESGCM(key).encrypt(nonce, data, header)
    encryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(header)
    return encryptor.update(data) + encryptor.finalize() + encryptor.tag


def _decrypt(algorithm: str, key: bytes, nonce: bytes, sealed: bytes, header: bytes) -> bytes:
    if algorithm == "aes":
        return AESGCM(key).decrypt(nonce, sealed, header)
    body, tag = sealed[:-TAG_BYTES], sealed[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(header)
    return decryptor.update(body) + decryptor.finalize()


def gm_unavailable() -> str:
    """Why SM3 and SM4-GCM cannot be used here (the OpenSSL that `cryptography`
    was built with lacks them), or "" when they can."""
    try:
        hashes.Hash(hashes.SM3()).finalize()
        _encrypt("sm4", bytes(16), bytes(NONCE_BYTES), b"", b"")
    except UnsupportedAlgorithm as error:
        return str(error)
    return ""


def current_algorithm() -> str:
    return ALGORITHM_OF[settings.DUBAN_CRYPTO]


def seal(plaintext: str, *, purpose: str) -> str:
    """``plaintext`` encrypted with the configured algorithm and the current key."""
    algorithm = current_algorithm()
    master = _keys()[0]
    header = f"{VERSION}:{algorithm}:{key_id(algorithm, master)}:"
    key = _derive(algorithm, master, f"duban seal {algorithm} {purpose}")
    nonce = os.urandom(NONCE_BYTES)
    sealed = _encrypt(algorithm, key, nonce, plaintext.encode(), header.encode())
    return header + base64.urlsafe_b64encode(nonce + sealed).decode().rstrip("=")


def is_token(value: object) -> bool:
    return isinstance(value, str) and _TOKEN.match(value) is not None


def token_is_current(token: str) -> bool:
    """Sealed with the configured algorithm and the current key (nothing to reseal)."""
    found = _TOKEN.match(token)
    if found is None:
        return False
    algorithm = current_algorithm()
    return found[1] == algorithm and found[2] == key_id(algorithm, _keys()[0])


def unseal(token: str, *, purpose: str) -> str:
    """The text ``token`` holds; CryptoError when it does not open."""
    found = _TOKEN.match(token)
    if found is None:
        raise CryptoError("not a sealed value")
    algorithm, kid, payload = found[1], found[2], found[3]
    masters = [m for m in _keys() if key_id(algorithm, m) == kid]
    if not masters:
        raise CryptoError(
            f"sealed with key {kid}, which is neither DUBAN_SECRETS_KEY nor in "
            "DUBAN_SECRETS_KEY_OLD"
        )
    try:
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
    except (binascii.Error, ValueError):
        raise CryptoError("a sealed value that is not base64") from None
    if len(raw) < NONCE_BYTES + TAG_BYTES:
        raise CryptoError("a sealed value too short to be one")
    header = f"{VERSION}:{algorithm}:{kid}:".encode()
    key = _derive(algorithm, masters[0], f"duban seal {algorithm} {purpose}")
    try:
        data = _decrypt(algorithm, key, raw[:NONCE_BYTES], raw[NONCE_BYTES:], header)
    except InvalidTag:
        raise CryptoError("a sealed value that was altered, or is for another purpose") from None
    return data.decode()


class SealedCharField(models.TextField):
    """Text kept sealed in its column and read in clear in Python.

    The purpose is ``<app>.<model>.<field>`` unless given (give one to keep a
    model's tokens opening across a rename). Empty stays empty; a value that is
    not a token (clear text written before the column was sealed) is read as
    it is, and sealed the next time the row is saved. Each save seals anew
    (a fresh nonce), so the column can be neither searched nor compared.
    """

    def __init__(self, *args: Any, purpose: str = "", **kwargs: Any) -> None:
        self.purpose = purpose
        super().__init__(*args, **kwargs)

    def contribute_to_class(self, cls: Any, name: str, private_only: bool = False) -> None:
        super().contribute_to_class(cls, name, private_only=private_only)
        if not self.purpose:
            self.purpose = f"{cls._meta.app_label}.{cls._meta.model_name}.{name}"

    def deconstruct(self) -> Any:
        name, path, args, kwargs = super().deconstruct()
        model = getattr(self, "model", None)
        default = f"{model._meta.app_label}.{model._meta.model_name}.{self.name}" if model else ""
        if self.purpose and self.purpose != default:
            kwargs["purpose"] = self.purpose
        return name, path, args, kwargs

    def from_db_value(self, value: Any, expression: Any, connection: Any) -> Any:
        if is_token(value):
            # A token that does not open is an error, never shown as text.
            return unseal(value, purpose=self.purpose)
        return value

    def to_python(self, value: Any) -> Any:
        # loaddata reads the tokens value_to_string wrote.
        value = super().to_python(value)
        if is_token(value):
            try:
                return unseal(value, purpose=self.purpose)
            except CryptoError as error:
                raise ValidationError(str(error)) from None
        return value

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return seal(str(value), purpose=self.purpose)

    def value_to_string(self, obj: Any) -> str:
        # dumpdata writes tokens, not the secrets.
        value = self.value_from_object(obj)
        return seal(str(value), purpose=self.purpose) if value else ""


def sealed_fields() -> list[tuple[type[models.Model], SealedCharField]]:
    """Every sealed column of every installed model."""
    return [
        (model, field)
        for model in apps.get_models()
        for field in model._meta.local_fields
        if isinstance(field, SealedCharField)
    ]


def reseal(model: type[models.Model], field: SealedCharField) -> tuple[int, int]:
    """Seal again, with the configured algorithm and the current key, each value
    of one column that is not sealed so (clear text, the other algorithm, an old
    key). Returns (rewritten, already current)."""
    assert model._meta.pk is not None and field.column is not None
    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(field.column)
    pk = connection.ops.quote_name(str(model._meta.pk.column))
    with connection.cursor() as cursor:
        # The raw column: the field would hand back the clear text.
        cursor.execute(f"SELECT {pk}, {column} FROM {table}")  # noqa: S608 (names quoted)
        rows = cursor.fetchall()
    rewritten = current = 0
    for key, raw in rows:
        if not raw:
            continue
        if is_token(raw) and token_is_current(raw):
            current += 1
            continue
        clear = unseal(raw, purpose=field.purpose) if is_token(raw) else raw
        model._default_manager.filter(pk=key).update(**{field.attname: clear})
        rewritten += 1
    return rewritten, current
