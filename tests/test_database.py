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


def _file_connection(path, alias: str, timeout: float = 20):
    """A connection of duban's SQLite backend to the file ``path``."""
    from duban.lib.sqlite.base import DatabaseWrapper

    options = {**settings.DATABASES["default"]["OPTIONS"], "timeout": timeout}
    options["init_command"] = options["init_command"].replace(
        "busy_timeout=20000", "busy_timeout=100"
    )
    params = {**connection.settings_dict, "NAME": str(path), "OPTIONS": options}
    return DatabaseWrapper(params, alias=alias)


def _free(lock_path) -> bool:
    import fcntl

    fd = os.open(lock_path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)  # closing lets go
    return True


@pytest.mark.skipif(bool(os.environ.get("DATABASE_URL")), reason="SQLite settings only")
def test_sqlite_writers_take_turns_at_the_lock_beside_the_file(tmp_path, django_db_blocker):
    """A transaction takes the kernel lock beside the database before BEGIN
    and lets it go at COMMIT and at ROLLBACK; a writer that finds it taken
    waits for it, even with SQLite's own lock free."""
    with django_db_blocker.unblock():
        _writers_take_turns(tmp_path)


def _writers_take_turns(tmp_path) -> None:
    import fcntl
    import threading

    assert settings.DATABASES["default"]["ENGINE"] == "duban.lib.sqlite"
    path = tmp_path / "duban.sqlite3"
    lock_path = f"{path}-writer.lock"
    first = _file_connection(path, "first")
    with first.cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")

    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    assert not _free(lock_path), "held from BEGIN"
    first.commit()
    first.set_autocommit(True)
    assert _free(lock_path), "let go at COMMIT"

    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    first.cursor().execute("INSERT INTO t VALUES (2)")
    first.rollback()
    first.set_autocommit(True)
    assert _free(lock_path), "let go at ROLLBACK"

    # Someone holds the lock: a writer waits, though SQLite itself is free.
    holder = os.open(lock_path, os.O_RDWR)
    fcntl.flock(holder, fcntl.LOCK_EX)
    order: list[str] = []

    def write() -> None:
        second = _file_connection(path, "second")
        second.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
        order.append("second began")
        second.cursor().execute("INSERT INTO t VALUES (3)")
        second.commit()
        second.close()

    writer = threading.Thread(target=write)
    writer.start()
    writer.join(timeout=0.5)
    assert writer.is_alive() and order == [], "the second writer waits for the lock"
    order.append("holder let go")
    os.close(holder)
    writer.join(timeout=10)
    assert order == ["holder let go", "second began"]
    assert [n for (n,) in first.cursor().execute("SELECT n FROM t ORDER BY n")] == [1, 3]

    # BEGIN refused by SQLite (another program holds its lock): the kernel lock is let go.
    other = sqlite3.connect(path, timeout=0)
    other.execute("BEGIN IMMEDIATE")
    blocked = _file_connection(path, "blocked", timeout=0.05)
    blocked.ensure_connection()
    blocked.connection.execute("PRAGMA busy_timeout=50")
    with pytest.raises(Exception, match="locked"):
        blocked.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    assert _free(lock_path)
    other.rollback()
    other.close()
    blocked.close()
    first.close()
