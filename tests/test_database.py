"""The database runs as configured: PostgreSQL when DATABASE_URL says so,
SQLite in WAL mode with a busy timeout otherwise."""

from __future__ import annotations

import os
import sqlite3

import pytest
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_the_suite_runs_on_the_database_it_was_given():
    url = os.environ.get("DATABASE_URL", "")
    expected = "postgresql" if url.startswith(("postgres://", "postgresql://")) else "sqlite"
    assert connection.vendor == expected


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite settings only")
def test_sqlite_file_database_uses_wal_and_waits_for_locks(tmp_path):
    options = settings.DATABASES["default"]["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] >= 10
    # Apply the same init command to a real file and read the modes back.
    db = sqlite3.connect(tmp_path / "probe.sqlite3")
    db.executescript(options["init_command"])
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA busy_timeout").fetchone()[0] == 20000
    db.close()


@pytest.mark.django_db
@pytest.mark.skipif(not os.environ.get("DATABASE_URL"), reason="PostgreSQL settings only")
def test_postgresql_connections_do_not_jit_compile():
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"


def test_every_model_change_has_its_migration(db):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("makemigrations", "--check", "--dry-run", stdout=out)
    assert "No changes detected" in out.getvalue()
