"""PBKDF2 with HMAC-SM3 for passwords, where a deployment asks for national
cryptography (DUBAN_CRYPTO=gm, 密评 / GB/T 39786-2021).

Django's PBKDF2 hasher with SM3 (GB/T 32905-2016) in place of SHA-256: the
same ``algorithm$iterations$salt$hash`` form, the same iterations, the same
upgrade when Django's iterations grow. SM3 comes from the `cryptography`
package (its own OpenSSL), not hashlib, whose SM3 depends on the system's
OpenSSL build and is missing from many.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.pbkdf2 import PBKDF2HMAC
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.utils.encoding import force_bytes


def pbkdf2_sm3(password: str | bytes, salt: str | bytes, iterations: int) -> bytes:
    """PBKDF2-HMAC-SM3, 32 bytes (SM3's digest size, as Django takes SHA-256's)."""
    kdf = PBKDF2HMAC(
        algorithm=hashes.SM3(), length=32, salt=force_bytes(salt), iterations=iterations
    )
    return kdf.derive(force_bytes(password))


class PBKDF2SM3PasswordHasher(PBKDF2PasswordHasher):
    algorithm = "pbkdf2_sm3"
    # Django's own (1,000,000 in Django 5.2), so the two hashers age together.
    iterations = PBKDF2PasswordHasher.iterations

    def encode(self, password: str, salt: str, iterations: Any = None) -> str:
        # Django's own checks (missing from django-stubs).
        self._check_encode_args(password, salt)  # type: ignore[attr-defined]
        iterations = iterations or self.iterations
        hash = base64.b64encode(pbkdf2_sm3(password, salt, iterations)).decode("ascii").strip()
        return f"{self.algorithm}${iterations}${salt}${hash}"
