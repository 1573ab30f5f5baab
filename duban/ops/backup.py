"""Backups that restore: one verified archive of the database and the uploaded files.

An archive, ``duban-backup-YYYYMMDD-HHMMSS.tar.gz`` (local time), holds

    database/duban.sqlite3   SQLite: a copy made by SQLite's online backup
    database/duban.pgdump    PostgreSQL: ``pg_dump --format=custom``
    media/...                every regular file under MEDIA_ROOT
    manifest.json            last: duban's version, the database's vendor, the
                             migrations applied per app, each member's size and SHA-256

It is written under a temporary name, read back (every member against the
manifest, the gzip stream to its checksum, the database copy through SQLite's
``PRAGMA integrity_check`` or ``pg_restore --list``) and only then given its
name: an archive that has its name has been verified. Restoring reads and
checks the whole archive into staging places beside the database and the
media folder before it replaces anything (docs/operations.md, "Backups").
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import glob
import hashlib
import io
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from duban import __version__

FORMAT = "duban-backup"
FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = {"sqlite": "database/duban.sqlite3", "postgresql": "database/duban.pgdump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
ARCHIVE_NAME = re.compile(r"^duban-backup-(\d{8})-(\d{6})(?:-(\d+))?\.tar\.gz$")
# The security audit log's append-only triggers (duban/audit/migrations/0002_append_only.py):
# a restored database must have them again.
AUDIT_TRIGGERS = {
    "sqlite": {"audit_event_no_update", "audit_event_no_delete"},
    "postgresql": {"audit_event_append_only", "audit_event_no_truncate"},
}
# Where PostgreSQL's client programs are when they are not on PATH (Debian, Ubuntu).
PG_BIN_GLOB = "/usr/lib/postgresql/*/bin"
# Our own scratch folders, never part of the media or of a listing of archives.
SCRATCH_PREFIX = ".duban-"
CHUNK = 1024 * 1024
MANIFEST_LIMIT = 64 * 1024 * 1024


class BackupError(Exception):
    """Why a backup could not be made, checked or restored (a sentence for the operator)."""


class _NotOurs(BackupError):
    """What in an archive shows it is not an intact archive of ours."""


def vendor_name(vendor: str) -> str:
    return VENDOR_NAMES.get(vendor, vendor)


def human(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    value = size / 1024
    for unit in ("KB", "MB", "GB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:.1f} TB"


# --- making an archive -------------------------------------------------------------


@dataclass
class Made:
    path: Path
    manifest: dict[str, Any]

    @property
    def size(self) -> int:
        return self.path.stat().st_size

    def summary(self) -> str:
        files = self.manifest["files"]
        db = next(f for f in files if f["name"] == self.manifest["database"]["member"])
        media = [f for f in files if f["name"].startswith("media/")]
        vendor = vendor_name(self.manifest["database"]["vendor"])
        return (
            f"{self.path}  {human(self.size)} ({vendor} database {human(db['size'])}, "
            f"{len(media)} uploaded file(s) {human(sum(f['size'] for f in media))}), verified"
        )


def create(
    directory: Path, *, using: str = DEFAULT_DB_ALIAS, now: dt.datetime | None = None
) -> Made:
    """Write, verify and name one archive in ``directory``."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"duban backs up SQLite and PostgreSQL databases, not {vendor}")
    directory = Path(directory).resolve()
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    moment = timezone.localtime(now or timezone.now())
    work = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}backup-", dir=directory))
    try:
        dump = work / PurePosixPath(DATABASE_MEMBER[vendor]).name
        if vendor == "sqlite":
            migrations = _sqlite_copy(connection, dump)
        else:
            _pg_dump(connection.settings_dict, dump)
            migrations = _applied(connection)
        partial = work / "archive.tar.gz"
        manifest = _write(
            partial,
            vendor=vendor,
            dump=dump,
            media_root=Path(settings.MEDIA_ROOT),
            skip=directory,
            migrations=migrations,
            moment=moment,
        )
        dump.unlink()
        verify(partial, scratch=work)
        final = _free_name(directory, moment)
        os.replace(partial, final)
        _fsync_dir(directory)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    _remove_stale_scratch(directory)
    return Made(final, manifest)


def _sqlite_copy(connection: BaseDatabaseWrapper, dump: Path) -> dict[str, list[str]]:
    """A consistent copy while the application runs (SQLite's online backup, in
    one step: readers never block writers in WAL mode), as a single file."""
    if connection.in_atomic_block:
        # SQLite's backup would wait for the transaction's own lock, for ever.
        raise BackupError("a backup cannot be made inside a database transaction")
    connection.ensure_connection()
    source = connection.connection
    target = sqlite3.connect(dump)
    try:
        source.backup(target)
        target.execute("PRAGMA journal_mode=DELETE")
        try:
            rows = target.execute("SELECT app, name FROM django_migrations").fetchall()
        except sqlite3.OperationalError:
            raise BackupError("the database is not set up: run `duban migrate` first") from None
    finally:
        target.close()
    return _by_app(rows)


def _applied(connection: BaseDatabaseWrapper) -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    if not recorder.has_table():
        raise BackupError("the database is not set up: run `duban migrate` first")
    return _by_app(recorder.applied_migrations())


def _by_app(pairs: Any) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for app, name in pairs:
        found.setdefault(app, []).append(name)
    return {app: sorted(names) for app, names in sorted(found.items())}


class _Hashing:
    """A file read through, its SHA-256 and length counted as it goes."""

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.sha.update(data)
        self.size += len(data)
        return data


def _add(tar: tarfile.TarFile, name: str, path: Path) -> dict[str, Any]:
    with open(path, "rb") as raw:
        stat = os.fstat(raw.fileno())
        info = tarfile.TarInfo(name)
        info.size = stat.st_size
        info.mtime = int(stat.st_mtime)
        info.mode = 0o644
        reading = _Hashing(raw)
        try:
            tar.addfile(info, reading)  # type: ignore[arg-type]
        except OSError as exc:
            if "unexpected end of data" in str(exc):
                raise BackupError(f"{path} shrank while being read; run the backup again") from None
            raise
    return {"name": name, "size": reading.size, "sha256": reading.sha.hexdigest()}


def media_files(root: Path, *, skip: Path | None = None) -> Iterator[tuple[str, Path]]:
    """Every regular file under ``root`` (symbolic links and our scratch folders
    left out), as its archive member name and its path, in a stable order."""
    if not root.is_dir():
        return
    for dirpath, dirnames, filenames in os.walk(root):
        here = Path(dirpath)
        dirnames[:] = sorted(
            d
            for d in dirnames
            if not d.startswith(SCRATCH_PREFIX) and (skip is None or here / d != skip)
        )
        for filename in sorted(filenames):
            path = here / filename
            if path.is_symlink() or not path.is_file():
                continue
            yield "media/" + path.relative_to(root).as_posix(), path


def _write(
    partial: Path,
    *,
    vendor: str,
    dump: Path,
    media_root: Path,
    skip: Path,
    migrations: dict[str, list[str]],
    moment: dt.datetime,
) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as raw:
        with tarfile.open(fileobj=raw, mode="w:gz", compresslevel=6) as tar:
            files.append(_add(tar, DATABASE_MEMBER[vendor], dump))
            for name, path in media_files(media_root.resolve(), skip=skip):
                with contextlib.suppress(FileNotFoundError):  # removed meanwhile
                    files.append(_add(tar, name, path))
            manifest = {
                "format": FORMAT,
                "format_version": FORMAT_VERSION,
                "duban_version": __version__,
                "created_at": moment.isoformat(timespec="seconds"),
                "database": {"vendor": vendor, "member": DATABASE_MEMBER[vendor]},
                "migrations": migrations,
                "media_root": str(media_root),
                "files": files,
            }
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(time.time())
            info.mode = 0o644
            tar.addfile(info, io.BytesIO(data))
        raw.flush()
        os.fsync(raw.fileno())
    return manifest


def _free_name(directory: Path, moment: dt.datetime) -> Path:
    stem = f"duban-backup-{moment:%Y%m%d-%H%M%S}"
    candidate = directory / f"{stem}.tar.gz"
    n = 1
    while candidate.exists():
        n += 1
        candidate = directory / f"{stem}-{n}.tar.gz"
    return candidate


def _fsync_dir(directory: Path) -> None:
    with contextlib.suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def _remove_stale_scratch(directory: Path, older_than: float = 86400) -> None:
    """Scratch folders an interrupted backup left behind, a day on."""
    for path in directory.glob(f"{SCRATCH_PREFIX}*"):
        with contextlib.suppress(OSError):
            if path.is_dir() and time.time() - path.stat().st_mtime > older_than:
                shutil.rmtree(path, ignore_errors=True)


def archives(directory: Path) -> list[Path]:
    """The archives in ``directory``, oldest first."""

    def when(path: Path) -> tuple[str, str, int]:
        found = ARCHIVE_NAME.match(path.name)
        assert found is not None
        return found[1], found[2], int(found[3] or 1)

    if not directory.is_dir():
        return []
    return sorted(
        (p for p in directory.iterdir() if ARCHIVE_NAME.match(p.name) and p.is_file()), key=when
    )


def prune(directory: Path, keep: int) -> list[Path]:
    """Remove all but the newest ``keep`` archives; the removed, oldest first."""
    if keep < 1:
        raise BackupError("--keep must be at least 1")
    found = archives(directory)
    removed = found[: max(len(found) - keep, 0)]
    for path in removed:
        path.unlink()
    return removed


# --- reading and checking an archive ------------------------------------------------


def _member_parts(name: str) -> tuple[str, ...]:
    """A member's path, refused unless it is one an archive of ours may hold."""
    path = PurePosixPath(name)
    parts = path.parts
    safe = (
        not path.is_absolute()
        and "\x00" not in name
        and all(part not in ("", ".", "..") for part in parts)
        and (name in DATABASE_MEMBER.values() or (parts[0] == "media" and len(parts) > 1))
    )
    if not safe:
        raise _NotOurs(f"it holds {name!r}, which no duban backup holds")
    return parts


def _load_manifest(data: bytes) -> dict[str, Any]:
    try:
        manifest = json.loads(data)
    except (ValueError, UnicodeDecodeError):
        raise _NotOurs(f"its {MANIFEST} cannot be read") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise _NotOurs(f"its {MANIFEST} is not a duban backup's")
    version = manifest.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise _NotOurs(
            f"it was written by a newer duban ({manifest.get('duban_version')}, "
            f"archive format {version}); restore it with that version"
        )
    database = manifest.get("database")
    files = manifest.get("files")
    migrations = manifest.get("migrations")
    well_formed = (
        isinstance(database, dict)
        and database.get("vendor") in DATABASE_MEMBER
        and database.get("member") == DATABASE_MEMBER[database["vendor"]]
        and isinstance(files, list)
        and all(
            isinstance(f, dict)
            and isinstance(f.get("name"), str)
            and isinstance(f.get("size"), int)
            and isinstance(f.get("sha256"), str)
            for f in files
        )
        and isinstance(migrations, dict)
        and all(isinstance(v, list) for v in migrations.values())
    )
    if not well_formed:
        raise _NotOurs(f"its {MANIFEST} is incomplete")
    return manifest


def _copy_member(source: IO[bytes], target: Path | None) -> tuple[int, str]:
    sha = hashlib.sha256()
    size = 0
    out: IO[bytes] | None = None
    try:
        if target is not None:
            target.parent.mkdir(parents=True, exist_ok=True)
            out = open(target, "xb")  # noqa: SIM115
    except OSError as exc:
        raise BackupError(f"cannot write {target}: {exc}") from None
    try:
        while chunk := source.read(CHUNK):
            sha.update(chunk)
            size += len(chunk)
            if out is not None:
                try:
                    out.write(chunk)
                except OSError as exc:
                    raise BackupError(f"cannot write {target}: {exc}") from None
        if out is not None:
            out.flush()
            os.fsync(out.fileno())
    finally:
        if out is not None:
            out.close()
    return size, sha.hexdigest()


def read(
    archive: Path, *, database_to: Path | None = None, media_to: Path | None = None
) -> dict[str, Any]:
    """Read the whole archive, check it against its manifest and return the
    manifest; on the way, write the database to ``database_to`` and the
    uploaded files under ``media_to`` when given. Raises BackupError, saying
    why, for anything but an intact archive of ours."""
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"{archive}: no such file")
    seen: dict[str, tuple[int, str]] = {}
    manifest: dict[str, Any] | None = None
    try:
        with tarfile.open(archive, "r:gz") as tar:
            for member in tar:
                if member.name == MANIFEST and member.isreg():
                    if manifest is not None or member.size > MANIFEST_LIMIT:
                        raise _NotOurs(f"its {MANIFEST} is not a duban backup's")
                    handle = tar.extractfile(member)
                    assert handle is not None
                    manifest = _load_manifest(handle.read())
                    continue
                parts = _member_parts(member.name)
                if not member.isreg():
                    raise _NotOurs(f"{member.name!r} in it is not a plain file")
                if member.name in seen:
                    raise _NotOurs(f"it holds {member.name!r} twice")
                target = None
                if parts[0] == "database":
                    target = database_to
                elif media_to is not None:
                    target = media_to.joinpath(*parts[1:])
                handle = tar.extractfile(member)
                assert handle is not None
                seen[member.name] = _copy_member(handle, target)
            # Read the gzip stream to its end, so that its checksum is checked too.
            assert tar.fileobj is not None
            while tar.fileobj.read(CHUNK):
                pass
    except _NotOurs as exc:
        raise BackupError(f"{archive.name} is damaged or is not a duban backup: {exc}") from None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        raise BackupError(
            f"{archive.name} is damaged or is not a duban backup ({exc or type(exc).__name__})"
        ) from None
    if manifest is None:
        raise BackupError(f"{archive.name} is not a duban backup: it has no {MANIFEST}")
    expected = {f["name"]: (f["size"], f["sha256"]) for f in manifest["files"]}
    problems = []
    missing = sorted(expected.keys() - seen.keys())
    if missing:
        problems.append(f"{len(missing)} member(s) missing ({', '.join(missing[:3])})")
    extra = sorted(seen.keys() - expected.keys())
    if extra:
        problems.append(f"{len(extra)} member(s) not in its manifest ({', '.join(extra[:3])})")
    differ = sorted(n for n in expected.keys() & seen.keys() if expected[n] != seen[n])
    if differ:
        problems.append(f"{len(differ)} member(s) do not match their SHA-256 ({differ[0]}, ...)")
    if manifest["database"]["member"] not in expected:
        problems.append("no database in it")
    if problems:
        raise BackupError(f"{archive.name} is damaged: {'; '.join(problems)}")
    return manifest


def check_database(vendor: str, path: Path) -> str:
    """The database copy opens and is whole: SQLite's integrity check, or
    pg_restore reading the dump's table of contents (returned)."""
    if vendor == "sqlite":
        try:
            db = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
            try:
                found = [row[0] for row in db.execute("PRAGMA integrity_check")]
            finally:
                db.close()
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"the database copy cannot be read by SQLite: {exc}") from None
        if found != ["ok"]:
            raise BackupError(
                f"the database copy fails SQLite's integrity check: {'; '.join(found[:3])}"
            )
        return ""
    return _run([pg_tool("pg_restore"), "--list", str(path)], env=os.environ.copy())


def verify(archive: Path, *, scratch: Path | None = None) -> dict[str, Any]:
    """Everything restoring would check, changing nothing; the manifest."""
    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}verify-", dir=scratch) as tmp:
        copy = Path(tmp) / "database"
        manifest = read(archive, database_to=copy)
        check_database(manifest["database"]["vendor"], copy)
    return manifest


# --- PostgreSQL's programs -----------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump`` or ``pg_restore``: on PATH, else the newest Debian-style install."""
    found = shutil.which(name)
    if found:
        return found

    def major(path: Path) -> int:
        version = path.parent.parent.name
        return int(version) if version.isdigit() else 0

    installed = sorted(
        (p for p in (Path(d) / name for d in glob.glob(PG_BIN_GLOB)) if os.access(p, os.X_OK)),
        key=major,
    )
    if installed:
        return str(installed[-1])
    raise BackupError(
        f"{name} was not found: install PostgreSQL's client programs "
        "(Debian: postgresql-client) or put them on PATH"
    )


# Connection settings (OPTIONS) that PostgreSQL's programs read from the environment.
PG_OPTION_ENV = {
    "sslmode": "PGSSLMODE",
    "sslrootcert": "PGSSLROOTCERT",
    "sslcert": "PGSSLCERT",
    "sslkey": "PGSSLKEY",
    "sslcrl": "PGSSLCRL",
    "connect_timeout": "PGCONNECT_TIMEOUT",
    "passfile": "PGPASSFILE",
    "service": "PGSERVICE",
    "target_session_attrs": "PGTARGETSESSIONATTRS",
}


def pg_connection(settings_dict: dict[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Arguments naming the configured database, and the environment carrying
    the password (never on the command line, where `ps` would show it)."""
    args = ["--no-password"]
    if settings_dict.get("HOST"):
        args.append(f"--host={settings_dict['HOST']}")
    if settings_dict.get("PORT"):
        args.append(f"--port={settings_dict['PORT']}")
    if settings_dict.get("USER"):
        args.append(f"--username={settings_dict['USER']}")
    args.append(f"--dbname={settings_dict['NAME']}")
    env = os.environ.copy()
    if settings_dict.get("PASSWORD"):
        env["PGPASSWORD"] = str(settings_dict["PASSWORD"])
    for option, variable in PG_OPTION_ENV.items():
        value = (settings_dict.get("OPTIONS") or {}).get(option)
        if value not in (None, ""):
            env[variable] = str(value)
    return args, env


def _run(command: list[str], *, env: dict[str, str]) -> str:
    try:
        done = subprocess.run(  # noqa: S603 (our arguments, no shell)
            command, env=env, capture_output=True, text=True, check=False
        )
    except OSError as exc:
        raise BackupError(f"{command[0]} could not be run: {exc}") from None
    if done.returncode != 0:
        said = done.stderr.strip() or done.stdout.strip() or f"exit status {done.returncode}"
        raise BackupError(f"{Path(command[0]).name} failed: {said}")
    return done.stdout


def _pg_dump(settings_dict: dict[str, Any], dump: Path) -> None:
    args, env = pg_connection(settings_dict)
    _run([pg_tool("pg_dump"), "--format=custom", f"--file={dump}", *args], env=env)


def _dump_tables(listing: str) -> set[tuple[str, str]]:
    """The tables (schema, name) in a dump's table of contents (pg_restore --list)."""
    found = set()
    for line in listing.splitlines():
        parts = line.split()
        # "215; 1259 16390 TABLE public audit_auditevent owner"
        if len(parts) >= 6 and parts[0].endswith(";") and parts[3] == "TABLE":
            found.add((parts[4], parts[5]))
    return found


# --- restoring ---------------------------------------------------------------------


def _sqlite_path(settings_dict: dict[str, Any]) -> Path:
    name = str(settings_dict["NAME"])
    if name == ":memory:" or "mode=memory" in name:
        raise BackupError("the configured SQLite database is in memory: nothing to restore into")
    if name.startswith("file:"):
        name = name[len("file:") :].split("?", 1)[0]
    return Path(name).resolve()


def sqlite_in_use(path: Path) -> bool:
    """Whether another process has the SQLite database open. In WAL mode each
    open connection holds a shared lock on one byte of the ``-shm`` file (the
    "dead man switch", offset 128, as SQLite's unix VFS places it)."""
    shm = Path(f"{path}-shm")
    if not shm.exists():
        return False
    try:
        with open(shm, "r+b") as handle:
            try:
                fcntl.lockf(handle, fcntl.LOCK_EX | fcntl.LOCK_NB, 1, 128)
            except OSError:
                return True
            fcntl.lockf(handle, fcntl.LOCK_UN, 1, 128)
    except OSError:
        return False
    return False


def known_migrations() -> set[tuple[str, str]]:
    """Every migration this code has, and those its squashed migrations replace."""
    loader = MigrationLoader(None, ignore_no_migrations=True)
    known = set(loader.disk_migrations)
    for migration in loader.disk_migrations.values():
        known.update((app, name) for app, name in migration.replaces)
    return known


def check_restorable(manifest: dict[str, Any], *, vendor: str) -> None:
    """The archive fits this installation: the same database vendor, and no
    migration the code does not have (an archive of a newer duban)."""
    theirs = manifest["database"]["vendor"]
    if theirs != vendor:
        raise BackupError(
            f"the archive holds a {vendor_name(theirs)} database and duban is configured "
            f"for {vendor_name(vendor)}: restore it into a duban that uses {vendor_name(theirs)}"
        )
    known = known_migrations()
    unknown = sorted(
        f"{app}.{name}"
        for app, names in manifest["migrations"].items()
        for name in names
        if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            f"the archive was made by duban {manifest.get('duban_version')}, whose database has "
            f"{len(unknown)} migration(s) this duban ({__version__}) does not know "
            f"({', '.join(unknown[:3])}): install that version or later, then restore"
        )


def _media_stage(root: Path) -> tuple[Path, bool]:
    """A staging folder for the media: beside MEDIA_ROOT (then swapped in by
    renaming), or inside it when MEDIA_ROOT is a mount point of its own."""
    root.parent.mkdir(parents=True, exist_ok=True)
    inside = root.is_dir() and (
        os.path.ismount(root) or root.stat().st_dev != root.parent.stat().st_dev
    )
    where = root if inside else root.parent
    prefix = f"{SCRATCH_PREFIX}restore-" if inside else f".{root.name}{SCRATCH_PREFIX}restore-"
    return Path(tempfile.mkdtemp(prefix=prefix, dir=where)), inside


def swap_media(staged: Path, root: Path, *, inside: bool) -> None:
    """Put the staged files in place of MEDIA_ROOT's contents."""
    mode = root.stat().st_mode & 0o7777 if root.is_dir() else 0o755
    if not inside:
        staged.chmod(mode)
        old = None
        if root.exists():
            old = root.parent / f".{root.name}{SCRATCH_PREFIX}old-{os.getpid()}-{time.time_ns()}"
            os.rename(root, old)
        os.rename(staged, root)
        _fsync_dir(root.parent)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        return
    # MEDIA_ROOT is a mount point: move its entries aside, then the staged ones up.
    old = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}old-", dir=root))
    for entry in root.iterdir():
        if entry not in (staged, old):
            os.rename(entry, old / entry.name)
    for entry in staged.iterdir():
        os.rename(entry, root / entry.name)
    _fsync_dir(root)
    shutil.rmtree(old, ignore_errors=True)
    shutil.rmtree(staged, ignore_errors=True)


@dataclass
class Staged:
    """An archive read, checked and laid out beside what it replaces."""

    archive: Path
    manifest: dict[str, Any]
    vendor: str
    database: Path
    media: Path
    media_inside: bool
    using: str = DEFAULT_DB_ALIAS
    tables: set[tuple[str, str]] = field(default_factory=set)
    scratch: list[Path] = field(default_factory=list)

    def discard(self) -> None:
        for path in self.scratch:
            shutil.rmtree(path, ignore_errors=True)

    def apply(self) -> None:
        """Replace the database, then the media files."""
        connection = connections[self.using]
        if self.vendor == "sqlite":
            live = _sqlite_path(connection.settings_dict)
            connections.close_all()
            if sqlite_in_use(live):
                raise BackupError(_IN_USE)
            if live.exists():
                self.database.chmod(live.stat().st_mode & 0o7777)
            for suffix in ("-wal", "-shm", "-journal"):
                Path(f"{live}{suffix}").unlink(missing_ok=True)
            os.replace(self.database, live)
            _fsync_dir(live.parent)
        else:
            dropped = self._drop_tables_not_in_dump(connection)
            connections.close_all()
            args, env = pg_connection(connection.settings_dict)
            try:
                _run(
                    [
                        pg_tool("pg_restore"),
                        "--clean",
                        "--if-exists",
                        "--no-owner",
                        "--single-transaction",
                        "--exit-on-error",
                        *args,
                        str(self.database),
                    ],
                    env=env,
                )
            except BackupError as exc:
                kept = "the database is as it was (one transaction)"
                if dropped:
                    kept += f", but for the later table(s) dropped before: {', '.join(dropped)}"
                raise BackupError(f"{exc}; {kept}; the uploaded files were not touched") from None
        try:
            swap_media(self.media, Path(settings.MEDIA_ROOT).resolve(), inside=self.media_inside)
        except OSError as exc:
            self.scratch = [p for p in self.scratch if p != self.media]  # kept for the operator
            raise BackupError(
                f"the database was restored but the uploaded files were not ({exc}); "
                f"they are in {self.media}"
            ) from None
        self.discard()

    def _drop_tables_not_in_dump(self, connection: BaseDatabaseWrapper) -> list[str]:
        """Tables a newer migration made since the backup: pg_restore --clean
        drops only what the dump holds, and would stop at their foreign keys."""
        if not self.tables:  # a table of contents we could not read: drop nothing
            return []
        schemas = sorted({schema for schema, _name in self.tables})
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT n.nspname, c.relname FROM pg_class c "
                "JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE c.relkind IN ('r', 'p') AND n.nspname = ANY(%s)",
                [schemas],
            )
            extra = sorted(set(cursor.fetchall()) - self.tables)
        if extra:
            quote = connection.ops.quote_name
            with transaction.atomic(using=self.using), connection.cursor() as cursor:
                for schema, name in extra:
                    cursor.execute(f"DROP TABLE IF EXISTS {quote(schema)}.{quote(name)} CASCADE")
        return [f"{schema}.{name}" for schema, name in extra]


_IN_USE = (
    "another process has the database open (duban serve, duban worker?): stop them, then restore"
)


def stage(archive: Path, *, using: str = DEFAULT_DB_ALIAS) -> Staged:
    """Read and check the archive into staging places; nothing is replaced yet."""
    connection = connections[using]
    vendor = connection.vendor
    if vendor not in DATABASE_MEMBER:
        raise BackupError(f"duban restores SQLite and PostgreSQL databases, not {vendor}")
    scratch: list[Path] = []
    try:
        if vendor == "sqlite":
            live = _sqlite_path(connection.settings_dict)
            if sqlite_in_use(live):
                raise BackupError(_IN_USE)
            live.parent.mkdir(parents=True, exist_ok=True)
            place = Path(tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}restore-", dir=live.parent))
        else:
            place = Path(
                tempfile.mkdtemp(prefix=f"{SCRATCH_PREFIX}restore-", dir=settings.DATA_DIR)
            )
        scratch.append(place)
        media, inside = _media_stage(Path(settings.MEDIA_ROOT).resolve())
        scratch.append(media)
        database = place / "database"
        manifest = read(Path(archive), database_to=database, media_to=media)
        check_restorable(manifest, vendor=vendor)
        listing = check_database(vendor, database)
        return Staged(
            archive=Path(archive),
            manifest=manifest,
            vendor=vendor,
            database=database,
            media=media,
            media_inside=inside,
            using=using,
            tables=_dump_tables(listing),
            scratch=scratch,
        )
    except BaseException:
        for path in scratch:
            shutil.rmtree(path, ignore_errors=True)
        raise


def other_sessions(using: str = DEFAULT_DB_ALIAS) -> int:
    """PostgreSQL: other sessions on the configured database (a running server)."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return int(cursor.fetchone()[0])


def pending_migrations(using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """The code's migrations the database has not applied."""
    executor = MigrationExecutor(connections[using])
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return [f"{migration.app_label}.{migration.name}" for migration, _backwards in plan]


def audit_triggers(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """The triggers on the security audit log's table."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'audit_auditevent'"
            )
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'audit_auditevent'::regclass AND NOT tgisinternal"
            )
        return {row[0] for row in cursor.fetchall()}


def missing_audit_triggers(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    connection = connections[using]
    applied = MigrationRecorder(connection).applied_migrations()
    if ("audit", "0002_append_only") not in applied:
        return set()
    return AUDIT_TRIGGERS.get(connection.vendor, set()) - audit_triggers(using)
