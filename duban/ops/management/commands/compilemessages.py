"""Compile the .po catalogues to .mo with polib, so setup needs no GNU gettext."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polib
from django.conf import settings
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Compile duban's translation catalogues (.po → .mo) without GNU gettext."

    def handle(self, *args: Any, **options: Any) -> None:
        count = 0
        for base in settings.LOCALE_PATHS:
            for po_path in Path(base).glob("*/LC_MESSAGES/*.po"):
                mo_path = po_path.with_suffix(".mo")
                if mo_path.exists() and mo_path.stat().st_mtime >= po_path.stat().st_mtime:
                    continue
                polib.pofile(str(po_path)).save_as_mofile(str(mo_path))
                count += 1
        if options["verbosity"] > 0:
            self.stdout.write(f"compiled {count} catalogue(s)")
