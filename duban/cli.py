"""The `duban` console command: Django's management commands under one name.

duban demo [--reset]   load the demo office
duban serve            serve with gunicorn (production-grade), static files by whitenoise
duban worker           run background work: messages to send, the hourly scan, the digest
duban scan             run the warning scan once and print what changed
duban migrate, duban createsuperuser, ... as with manage.py
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "duban.settings")
    # Django is imported once the settings module is named (as manage.py does).
    from django.core.management import execute_from_command_line  # noqa: PLC0415

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["duban", *args])


if __name__ == "__main__":
    main()
