"""`duban backup` and `duban restore`, end to end: back up, change data,
restore, compare. On SQLite, and on PostgreSQL when DATABASE_URL names it
(the suite's second run in CI): then against a scratch database of its own.

The office is built in the test database through the factories, then
copied out (SQLite's backup API, or PostgreSQL's CREATE DATABASE … TEMPLATE)
as the database of an installation the commands run against in their own
processes, with DUBAN_DATA_DIR as the test's folder.
"""

from __future__ import annotations

import gzip
import hashlib
import io
import json
import os
import secrets
import sqlite3
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from django.core.management import call_command
from django.db import connection, connections

from duban.audit.log import record
from duban.audit.models import AuditEvent
from duban.ops import backup
from duban.org.models import Role, Unit
from duban.work.models import Attachment, Task

from .. import factories as f

ROOT = Path(__file__).resolve().parent.parent.parent
ON_POSTGRES = os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://"))
sqlite_only = pytest.mark.skipif(ON_POSTGRES, reason="SQLite's file only")
# SQLite's backup of the test database would wait for a test transaction's
# lock; pg_dump reads what is committed, and an ordinary test is cheaper there.
backs_up = pytest.mark.django_db(transaction=not ON_POSTGRES)


def state() -> dict[str, Any]:
    """What the database holds, as the comparison needs it; run inside the
    test and, after `duban restore`, in a process of its own."""
    out = io.StringIO()
    call_command("audit", "verify", stdout=out)
    refused = []
    for sql in (
        "UPDATE audit_auditevent SET actor = 'someone else'",
        "DELETE FROM audit_auditevent",
    ):
        try:
            with connection.cursor() as cursor:
                cursor.execute(sql)
        except Exception as exc:  # noqa: BLE001 (the triggers' refusal, whatever its class)
            refused.append("append-only" in str(exc))
    found = {
        "units": sorted(Unit.objects.values_list("code", flat=True)),
        "tasks": sorted(Task.objects.values_list("title", "state", "version")),
        "attachments": sorted(a.file.name for a in Attachment.objects.all()),
        "audit": [
            list(row)
            for row in AuditEvent.objects.order_by("id").values_list("id", "action", "hash")
        ],
        "verify": out.getvalue().strip(),
        "triggers": sorted(backup.audit_triggers()),
        "refused": refused,
    }
    return json.loads(json.dumps(found))  # as a process of its own prints it


STATE = (
    "import json, django; django.setup(); "
    "from tests.ops.test_backup import state; print(json.dumps(state()))"
)
CHANGE = (
    "import json, django; django.setup(); "
    "from tests import factories as f; from tests.ops.test_backup import state; "
    "f.unit('BK', '备份之后新建的单位', name_en='Made after the backup'); "
    "print(json.dumps(state()))"
)


@dataclass
class Live:
    """An installation the commands run against: its folder and environment."""

    data: Path
    env: dict[str, str]
    database: str  # the SQLite file, or the scratch PostgreSQL database's name

    @property
    def media(self) -> Path:
        return self.data / "media"

    def run(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, *args],
            env=self.env,
            cwd=ROOT,
            input=stdin,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def duban(self, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
        return self.run("-m", "duban.cli", *args, stdin=stdin)

    def python(self, script: str) -> dict[str, Any]:
        done = self.run("-c", script)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout.strip().splitlines()[-1])

    def fingerprint(self) -> dict[str, Any]:
        """Every path in the folder (the SQLite file's bytes among the files),
        and on PostgreSQL what the database holds, read directly."""
        found: dict[str, Any] = {
            str(p.relative_to(self.data)): _sha(p) if p.is_file() else "dir"
            for p in sorted(self.data.rglob("*"))
            if "backups" not in p.relative_to(self.data).parts
            and "cache" not in p.relative_to(self.data).parts
        }
        if ON_POSTGRES:
            with _maintenance(self.database) as db:
                found["units"] = db.execute("SELECT code FROM org_unit ORDER BY code").fetchall()
                found["audit"] = db.execute(
                    "SELECT id, hash FROM audit_auditevent ORDER BY id"
                ).fetchall()
        return found


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _media(root: Path) -> dict[str, str]:
    return {str(p.relative_to(root)): _sha(p) for p in sorted(root.rglob("*")) if p.is_file()}


def _maintenance(dbname: str = "postgres") -> Any:
    import psycopg

    s = connection.settings_dict
    return psycopg.connect(
        dbname=dbname,
        host=s["HOST"] or None,
        port=s["PORT"] or None,
        user=s["USER"] or None,
        password=s["PASSWORD"] or None,
        autocommit=True,
    )


@pytest.fixture
def office(transactional_db):
    """A small office in the test database: people, a closed task with its
    evidence (a file under MEDIA_ROOT) and rows in the security audit log."""
    zone = f.unit("A", "发展改革局", name_en="Development and Reform Bureau")
    office = f.person("office", Role.OFFICE, full_name="王督查")
    liaison = f.person("liaison_a", Role.LIAISON, units=[zone], full_name="张联络")
    task = f.claimed(office, liaison, zone, title="建设科技创新平台")
    f.close(office, liaison, task)
    f.claimed(office, liaison, zone, title="招商引资")
    record("login", actor=office, method="PasswordBackend")
    record("logout", actor=office)
    assert Attachment.objects.exists()
    return state()


@pytest.fixture
def live(office, tmp_path, settings) -> Iterator[Live]:
    """The office, copied out as an installation in ``tmp_path``."""
    assert Path(settings.MEDIA_ROOT) == tmp_path / "media"
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("DATABASE_URL", "MEDIA_ROOT", "DUBAN_TEST_SQLITE")
    }
    env["DJANGO_SETTINGS_MODULE"] = "duban.settings"
    env["DUBAN_DATA_DIR"] = str(tmp_path)
    env.setdefault("SECRET_KEY", "duban-backup-test-key")
    # This process's key: what the copied database sealed opens there too.
    env.setdefault("DUBAN_SECRETS_KEY", settings.DUBAN_SECRETS_KEY)
    if not ON_POSTGRES:
        path = tmp_path / "duban.sqlite3"
        connection.ensure_connection()
        target = sqlite3.connect(path)
        connection.connection.backup(target)
        target.close()
        yield Live(tmp_path, env, str(path))
        return
    scratch = f"duban_backup_test_{secrets.token_hex(4)}"
    template = connection.settings_dict["NAME"]
    s = connection.settings_dict
    connections.close_all()  # a template must have no sessions
    with _maintenance() as db:
        db.execute(f'CREATE DATABASE "{scratch}" TEMPLATE "{template}"')
    auth = quote(s["USER"] or "", safe="")
    if s["PASSWORD"]:
        auth += ":" + quote(s["PASSWORD"], safe="")
    env["DATABASE_URL"] = (
        f"postgres://{auth}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{scratch}"
    )
    try:
        yield Live(tmp_path, env, scratch)
    finally:
        with _maintenance() as db:
            db.execute(f'DROP DATABASE IF EXISTS "{scratch}" WITH (FORCE)')


def test_a_restore_brings_back_what_the_backup_held(live, office):
    media_before = _media(live.media)
    assert media_before and office["verify"] == "the audit log's chain holds"
    assert office["refused"] == [True, True]

    made = live.duban("backup")
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.split()[0])
    assert archive.parent == live.data / "backups"
    assert backup.ARCHIVE_NAME.match(archive.name)
    assert "verified" in made.stdout and "KB" in made.stdout

    changed = live.python(CHANGE)
    assert "BK" in changed["units"] and len(changed["audit"]) > len(office["audit"])
    if ON_POSTGRES:  # a later migration's table, with a foreign key into the archive's
        with _maintenance(live.database) as db:
            db.execute(
                "CREATE TABLE later_feature "
                "(id serial PRIMARY KEY, unit_id bigint REFERENCES org_unit)"
            )
    evidence = next(live.media.rglob("*.pdf"))
    evidence.unlink()
    (live.media / "stray.txt").write_text("uploaded after the backup")

    restored = live.duban("restore", str(archive), stdin="yes\n")
    assert restored.returncode == 0, restored.stderr
    assert 'Type "yes" to restore' in restored.stdout

    after = live.python(STATE)
    assert after["units"] == office["units"]  # the unit made later is gone
    assert after["tasks"] == office["tasks"] and after["attachments"] == office["attachments"]
    assert _media(live.media) == media_before  # the evidence is back, the stray file gone
    # The audit log is the archive's, and its next row says it was restored.
    assert after["audit"][:-1] == office["audit"]
    assert after["audit"][-1][1] == "backup.restored"
    assert after["verify"] == "the audit log's chain holds"
    # Its triggers are there again: the database refuses to change a row.
    assert after["triggers"] == sorted(backup.AUDIT_TRIGGERS[connection.vendor])
    assert after["refused"] == [True, True]
    assert not [p for p in live.data.iterdir() if p.name.startswith(".")]  # no scratch left
    if ON_POSTGRES:
        with _maintenance(live.database) as db:
            assert db.execute("SELECT to_regclass('later_feature')").fetchone() == (None,)


def _flip(archive: Path, at: int) -> bytes:
    data = bytearray(archive.read_bytes())
    data[at] ^= 0xFF
    return bytes(data)


def test_a_damaged_archive_is_refused_and_nothing_changes(live, tmp_path):
    archive = backup.create(tmp_path / "backups").path
    damaged = tmp_path / "backups" / "damaged.tar.gz"
    size = archive.stat().st_size
    # Wherever the byte is (past the gzip header's name and time): refused.
    for at in [*range(64, size, max(size // 24, 1)), size - 5, size - 1]:
        damaged.write_bytes(_flip(archive, at))
        with pytest.raises(backup.BackupError, match="damaged"):
            backup.read(damaged)
    before = live.fingerprint()

    damaged.write_bytes(_flip(archive, size // 2))
    refused = live.duban("restore", "--yes", str(damaged))
    assert refused.returncode != 0
    assert "nothing was changed" in refused.stderr and "damaged" in refused.stderr
    assert live.fingerprint() == before


def _repack(archive: Path, to: Path, *, manifest=None, members=None) -> Path:
    """The archive's members again, some replaced, with the manifest as given
    (by default the original one, which no longer matches them)."""
    with tarfile.open(archive, "r:gz") as tar:
        held = {m.name: tar.extractfile(m).read() for m in tar if m.isreg()}  # type: ignore[union-attr]
    held.update(members or {})
    original = json.loads(held.pop(backup.MANIFEST))
    if manifest is not None:
        original = manifest(original)
        original["files"] = [
            {"name": n, "size": len(d), "sha256": hashlib.sha256(d).hexdigest()}
            for n, d in held.items()
        ]
    held[backup.MANIFEST] = json.dumps(original).encode()
    with tarfile.open(to, "w:gz") as tar:
        for name, data in held.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return to


def _tarball(to: Path, members: dict[str, bytes], **kinds: bytes) -> Path:
    with tarfile.open(to, "w:gz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        for name, kind in kinds.items():
            info = tarfile.TarInfo(name.replace("__", "/"))
            info.type = kind
            info.linkname = "/etc/passwd"
            tar.addfile(info)
    return to


def _evidence(archive: Path) -> str:
    with tarfile.open(archive, "r:gz") as tar:
        return next(n for n in tar.getnames() if n.endswith(".pdf"))


def test_a_foreign_or_empty_archive_is_refused_and_nothing_changes(live, tmp_path):
    ours = backup.create(tmp_path / "backups").path
    tmp_path = tmp_path / "backups"  # beside the archive, outside what is compared
    manifest = json.dumps({"format": "duban-backup", "format_version": 1}).encode()
    cases = {
        "empty": _tarball(tmp_path / "empty.tar.gz", {}),
        "foreign": _tarball(tmp_path / "foreign.tar.gz", {"README.md": b"# another project\n"}),
        "not a tarball": tmp_path / "notes.tar.gz",
        "not gzip": tmp_path / "plain.tar.gz",
        "another format": _tarball(
            tmp_path / "other.tar.gz", {"manifest.json": b'{"format": "x"}'}
        ),
        "no database": _tarball(tmp_path / "nodb.tar.gz", {"manifest.json": manifest}),
        "climbing out": _tarball(tmp_path / "up.tar.gz", {"media/../../escaped": b"x"}),
        "absolute": _tarball(tmp_path / "abs.tar.gz", {"/etc/cron.d/x": b"x"}),
        "a link": _tarball(tmp_path / "link.tar.gz", {}, media__passwd=tarfile.SYMTYPE),
        "a member added": _repack(
            ours, tmp_path / "added.tar.gz", members={"media/extra.txt": b"slipped in"}
        ),
        "a file altered": _repack(
            ours, tmp_path / "altered.tar.gz", members={_evidence(ours): b"%PDF-1.4 other"}
        ),
    }
    cases["not a tarball"].write_bytes(gzip.compress(b"just some text"))
    with tarfile.open(cases["not gzip"], "w") as tar:
        tar.add(ROOT / "README.md", arcname="README.md")
    for case, path in cases.items():
        with pytest.raises(backup.BackupError) as refused:
            backup.read(path)
        assert "duban backup" in str(refused.value) or "damaged" in str(refused.value), case
    before = live.fingerprint()

    done = live.duban("restore", "--yes", str(cases["foreign"]))
    assert done.returncode != 0
    assert "nothing was changed: foreign.tar.gz is damaged or is not a duban backup" in done.stderr
    assert live.fingerprint() == before
    assert not list(live.data.glob(".*"))  # no staging left behind


@backs_up
def test_an_archive_of_the_other_vendor_or_a_newer_duban_is_refused(tmp_path):
    archive = backup.create(tmp_path).path
    manifest = backup.read(archive)
    backup.check_restorable(manifest, vendor=connection.vendor)
    other = "sqlite" if connection.vendor == "postgresql" else "postgresql"
    with pytest.raises(backup.BackupError, match=r"configured for (SQLite|PostgreSQL)"):
        backup.check_restorable(manifest, vendor=other)
    newer = {**manifest, "migrations": {**manifest["migrations"], "work": ["9999_from_the_future"]}}
    with pytest.raises(backup.BackupError, match=r"work\.9999_from_the_future"):
        backup.check_restorable(newer, vendor=connection.vendor)
    future = _repack(
        archive, tmp_path / "future.tar.gz", manifest=lambda m: {**m, "format_version": 2}
    )
    with pytest.raises(backup.BackupError, match="newer duban"):
        backup.read(future)


@sqlite_only
def test_an_older_archive_is_migrated_after_the_restore(live, tmp_path):
    """An archive from before the audit log's triggers: restoring it applies
    the migration that makes them."""
    archive = backup.create(tmp_path / "backups").path
    with tarfile.open(archive, "r:gz") as tar:
        handle = tar.extractfile(backup.DATABASE_MEMBER["sqlite"])
        assert handle is not None
        copy = tmp_path / "old.sqlite3"
        copy.write_bytes(handle.read())
    db = sqlite3.connect(copy)
    db.executescript(
        "DROP TRIGGER audit_event_no_update; DROP TRIGGER audit_event_no_delete;"
        "DROP TABLE audit_prune_permit;"
        "ALTER TABLE audit_auditevent DROP COLUMN algorithm;"
        "DELETE FROM django_migrations WHERE app = 'audit'"
        " AND name IN ('0002_append_only', '0003_hash_algorithm');"
    )
    db.commit()
    db.close()

    def older(manifest: dict[str, Any]) -> dict[str, Any]:
        manifest["migrations"]["audit"].remove("0002_append_only")
        manifest["migrations"]["audit"].remove("0003_hash_algorithm")
        return manifest

    old = _repack(
        archive,
        tmp_path / "old.tar.gz",
        manifest=older,
        members={backup.DATABASE_MEMBER["sqlite"]: copy.read_bytes()},
    )
    done = live.duban("restore", "--yes", str(old))
    assert done.returncode == 0, done.stderr
    assert "applying 2 migration(s)" in done.stdout
    db = sqlite3.connect(live.database)
    triggers = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    db.close()
    assert backup.AUDIT_TRIGGERS["sqlite"] <= triggers


SERVER = """
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=WAL")
db.execute("SELECT count(*) FROM org_unit").fetchall()
print("open", flush=True)
sys.stdin.read()
"""


@sqlite_only
def test_a_restore_waits_for_the_server_to_stop(live):
    """Replacing a SQLite file another process has open would lose its writes."""
    archive = backup.create(live.data / "backups").path
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, live.database],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline() == "open\n"
        before = live.fingerprint()
        done = live.duban("restore", "--yes", str(archive))
        assert done.returncode != 0 and "another process has the database open" in done.stderr
        assert live.fingerprint() == before
    finally:
        server.communicate("", timeout=10)


@backs_up
def test_an_archive_is_named_only_once_verified(tmp_path, monkeypatch):
    def broken(archive: Path, **kwargs: Any) -> dict[str, Any]:
        raise backup.BackupError("it does not read back")

    monkeypatch.setattr(backup, "verify", broken)
    with pytest.raises(backup.BackupError, match="does not read back"):
        backup.create(tmp_path / "backups")
    assert list((tmp_path / "backups").iterdir()) == []  # nothing left, broken or not


def test_keep_removes_the_oldest_archives_only(tmp_path):
    tmp_path = tmp_path / "backups"
    tmp_path.mkdir()
    names = [
        "duban-backup-20261130-235959.tar.gz",
        "duban-backup-20261201-153000.tar.gz",
        "duban-backup-20261201-153000-2.tar.gz",
        "duban-backup-20261201-153000-10.tar.gz",
        "duban-backup-20261202-010000.tar.gz",
    ]
    for name in [*names, "notes.txt", "duban-backup-latest.tar.gz"]:
        (tmp_path / name).write_bytes(b"")
    assert [p.name for p in backup.prune(tmp_path, 2)] == names[:3]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [*names[3:], "notes.txt", "duban-backup-latest.tar.gz"]
    )
    with pytest.raises(backup.BackupError):
        backup.prune(tmp_path, 0)


@backs_up
def test_the_commands_say_what_they_did(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    (tmp_path / "media" / "imports").mkdir(parents=True)
    (tmp_path / "media" / "imports" / "tasks.xlsx").write_bytes(b"PK\x03\x04")
    out = io.StringIO()
    call_command("backup", "--keep", "1", stdout=out)
    call_command("backup", "--keep", "1", stdout=out)
    kept = backup.archives(tmp_path / "backups")
    assert len(kept) == 1 and str(kept[0]) in out.getvalue() and "removed" in out.getvalue()
    assert AuditEvent.objects.filter(action="backup.created").count() == 2
    out = io.StringIO()
    call_command("restore", "--check", str(kept[0]), stdout=out)
    assert "intact" in out.getvalue() and "1 uploaded file(s)" in out.getvalue()


@pytest.mark.parametrize("inside", [False, True], ids=["beside", "a mount point"])
def test_the_media_folder_is_swapped_whole(tmp_path, inside):
    root = tmp_path / "media"
    (root / "work" / "2026").mkdir(parents=True)
    (root / "work" / "2026" / "old.pdf").write_bytes(b"old")
    (root / "stray.txt").write_text("stray")
    root.chmod(0o750)
    staged = Path(tempfile.mkdtemp(dir=root if inside else tmp_path))
    (staged / "work" / "2026").mkdir(parents=True)
    (staged / "work" / "2026" / "kept.pdf").write_bytes(b"kept")

    backup.swap_media(staged, root, inside=inside)

    assert _media(root) == {"work/2026/kept.pdf": hashlib.sha256(b"kept").hexdigest()}
    assert root.stat().st_mode & 0o777 == 0o750
    assert sorted(p.name for p in tmp_path.iterdir()) == ["media", "static"]
    assert sorted(p.name for p in root.iterdir()) == ["work"]


def test_postgresql_programs_get_the_password_from_the_environment(tmp_path, monkeypatch):
    args, env = backup.pg_connection(
        {
            "NAME": "duban",
            "USER": "duban",
            "PASSWORD": "s3cret pass",
            "HOST": "db.internal",
            "PORT": "5433",
            "OPTIONS": {"sslmode": "verify-full", "options": "-c jit=off"},
        }
    )
    assert args == [
        "--no-password",
        "--host=db.internal",
        "--port=5433",
        "--username=duban",
        "--dbname=duban",
    ]
    assert not any("s3cret" in a for a in args)
    assert env["PGPASSWORD"] == "s3cret pass" and env["PGSSLMODE"] == "verify-full"

    # Not on PATH: the newest of /usr/lib/postgresql/*/bin.
    for version in ("13", "15", "9"):
        tool = tmp_path / version / "bin" / "pg_dump"
        tool.parent.mkdir(parents=True)
        tool.write_text("#!/bin/sh\n")
        tool.chmod(0o755)
    monkeypatch.setattr(backup.shutil, "which", lambda name: None)
    monkeypatch.setattr(backup, "PG_BIN_GLOB", str(tmp_path / "*" / "bin"))
    assert backup.pg_tool("pg_dump") == str(tmp_path / "15" / "bin" / "pg_dump")
    with pytest.raises(backup.BackupError, match="pg_restore was not found"):
        backup.pg_tool("pg_restore")
