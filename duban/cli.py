"""The `duban` console command: Django's management commands under one name.

duban demo [--reset]   load the demo office
duban serve            serve with gunicorn (production-grade), static files by whitenoise
duban worker           run background work: messages to send, the hourly scan, the digest
duban scan             run the warning scan once and print what changed
duban secretkey        write DUBAN_DATA_DIR/secret_key and DUBAN_DATA_DIR/secrets_key once
                       (the settings read them when SECRET_KEY or DUBAN_SECRETS_KEY is
                       not in the environment)
duban migrate, duban createsuperuser, ... as with manage.py
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path

from duban.lib.crypto import new_key


def _write_once(folder: Path, name: str, value: str) -> Path:
    path = folder / name
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(value + "\n")
    return path


def write_secret_key() -> list[Path]:
    """Random keys in the data folder, readable only by their owner: Django's
    secret key and the key that seals stored secrets (duban.lib.crypto). Each
    is kept if it is there already (a new secret key signs everyone out; a new
    secrets key leaves every sealed secret unreadable). Runs before the
    settings, which refuse to start without them."""
    folder = Path(os.environ.get("DUBAN_DATA_DIR", Path.cwd() / "var")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    return [
        _write_once(folder, "secret_key", secrets.token_urlsafe(50)),
        _write_once(folder, "secrets_key", new_key()),
    ]


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    # Django is imported once the settings module is named (as manage.py does).
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["secretkey"]:
        for path in write_secret_key():
            print(path)
        return
    execute_from_command_line(["duban", *args])


if __name__ == "__main__":
    main()
