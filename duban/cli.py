"""The `duban` console command: Django's management commands under one name.

duban demo [--reset]   load the demo office
duban serve            serve with gunicorn (production-grade), static files by whitenoise
duban worker           run background work: messages to send, the hourly scan, the digest
duban scan             run the warning scan once and print what changed
duban secretkey        write DUBAN_DATA_DIR/secret_key once (the settings read it when
                       SECRET_KEY is not in the environment)
duban migrate, duban createsuperuser, ... as with manage.py
"""

from __future__ import annotations

import os
import secrets
import sys
from pathlib import Path


def write_secret_key() -> Path:
    """A random key in the data folder, readable only by its owner; kept if
    there is one already (changing it would sign everyone out). Runs before
    the settings, which refuse to start without a key."""
    folder = Path(os.environ.get("DUBAN_DATA_DIR", Path.cwd() / "var")).resolve()
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "secret_key"
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as out:
            out.write(secrets.token_urlsafe(50) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    # Django is imported once the settings module is named (as manage.py does).
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["secretkey"]:
        print(write_secret_key())
        return
    execute_from_command_line(["duban", *args])


if __name__ == "__main__":
    main()
