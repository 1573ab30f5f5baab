"""SQLite with writers taking turns at a lock the kernel hands over.

Every transaction here begins IMMEDIATE (settings): it takes SQLite's write
lock at BEGIN. When another process holds it, SQLite's busy handler sleeps
and tries again (1, 2, 5, 10, 15, 20, 25 … 100 ms), so under load the lock
often lies free while every waiter sleeps: with three server processes
filing reports, the cores were half idle and a report waited up to 0.9 s.

Before BEGIN, this backend takes an exclusive ``flock`` on a file beside the
database (``<name>-writer.lock``) and lets it go after COMMIT or ROLLBACK.
A writer that finds it taken sleeps in the kernel, which wakes it the moment
the lock is free. SQLite's own lock and busy timeout stay underneath for
any writer that does not come through here (the ``sqlite3`` shell, another
program). An in-memory database has no file and takes no such lock.
"""

from __future__ import annotations

import fcntl
import os
from typing import Any

from django.db.backends.sqlite3 import base


class DatabaseWrapper(base.DatabaseWrapper):
    _writer_fd: int | None = None
    _writing = False

    def _lock_path(self) -> str | None:
        name = str(self.settings_dict["NAME"])
        if not name or self.is_in_memory_db() or name.startswith("file:"):
            return None
        return f"{name}-writer.lock"

    def get_new_connection(self, conn_params: dict[str, Any]) -> Any:
        conn = super().get_new_connection(conn_params)
        path = self._lock_path()
        if path is not None:
            try:
                self._writer_fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            except OSError:
                # Not ours to open (made by another account, a read-only
                # folder): SQLite's own lock and busy timeout still serialise.
                self._writer_fd = None
        return conn

    def _start_transaction_under_autocommit(self) -> None:
        if self._writer_fd is not None and not self._writing:
            fcntl.flock(self._writer_fd, fcntl.LOCK_EX)
            self._writing = True
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]
        except BaseException:
            self._let_go()
            raise

    def _let_go(self) -> None:
        if self._writing and self._writer_fd is not None:
            self._writing = False
            fcntl.flock(self._writer_fd, fcntl.LOCK_UN)

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]
        finally:
            self._let_go()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]
        finally:
            self._let_go()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]
        finally:
            self._writing = False
            if self._writer_fd is not None:
                os.close(self._writer_fd)  # closing lets go of the lock too
                self._writer_fd = None
