"""Read replicas (duban.lib.routing): the cockpit and the exports read there on
GET, nothing else does; without DATABASE_REPLICA_URL there is one database.

The test settings have a ``replica`` alias, a MIRROR of the test database on a
connection of its own (tests/conftest.py), with routing off. The tests here
that go through pages turn it on and commit their rows (``transaction=True``),
so what the replica's connection runs is captured apart from the primary's.
"""

from __future__ import annotations

import datetime as dt
import logging
import runpy
import time
from pathlib import Path

import pytest
from django.contrib.sessions.models import Session
from django.db import OperationalError, connections, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver

from duban.audit.models import AuditEvent
from duban.lib import routing
from duban.lib.routing import PRIMARY, ReplicaRouter, replica_reads
from duban.org.models import Membership, Person, Unit
from duban.supervision.models import TaskWarning
from duban.work.models import ProgressReport, Task
from tests import factories as f

SETTINGS = Path(routing.__file__).resolve().parent.parent / "settings.py"
ROUTER = "duban.lib.routing.ReplicaRouter"


# --- the settings, read from the environment ----------------------------------------------


def _settings(monkeypatch, tmp_path, **env: str) -> dict:
    """settings.py run afresh with this environment (and nothing of the caller's)."""
    for name in ("DATABASE_URL", "DATABASE_REPLICA_URL", "DUBAN_DB_POOLER"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DEBUG", "true")
    monkeypatch.setenv("DUBAN_DATA_DIR", str(tmp_path))
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(SETTINGS))


PRIMARY_URL = "postgres://duban:pw@10.0.0.1:5432/duban"
REPLICAS = "postgres://duban:pw@10.0.0.2:5432/duban, postgres://duban:pw@10.0.0.3:5432/duban"


def test_without_the_variable_there_is_one_database_and_no_router(monkeypatch, tmp_path):
    for env in ({}, {"DATABASE_URL": PRIMARY_URL}):
        found = _settings(monkeypatch, tmp_path, **env)
        assert list(found["DATABASES"]) == ["default"]
        assert found["DATABASE_ROUTERS"] == []
        assert found["DUBAN_READ_REPLICAS"] == []


def test_each_replica_url_is_an_alias_mirroring_default_in_tests(monkeypatch, tmp_path):
    found = _settings(
        monkeypatch, tmp_path, DATABASE_URL=PRIMARY_URL, DATABASE_REPLICA_URL=REPLICAS
    )
    databases = found["DATABASES"]
    assert list(databases) == ["default", "replica", "replica2"]
    assert [databases[a]["HOST"] for a in databases] == ["10.0.0.1", "10.0.0.2", "10.0.0.3"]
    assert found["DUBAN_READ_REPLICAS"] == ["replica", "replica2"]
    assert found["DATABASE_ROUTERS"] == [ROUTER]
    for alias in ("replica", "replica2"):
        assert databases[alias]["TEST"] == {"MIRROR": "default"}
        # The same connection settings as the primary's: no JIT, kept open.
        assert databases[alias]["OPTIONS"] == databases["default"]["OPTIONS"]
        assert databases[alias]["CONN_MAX_AGE"] == databases["default"]["CONN_MAX_AGE"]


@pytest.mark.parametrize(
    "env",
    [
        {"DATABASE_REPLICA_URL": "postgres://duban@10.0.0.2/duban"},  # a replica of SQLite?
        {"DATABASE_URL": PRIMARY_URL, "DATABASE_REPLICA_URL": "sqlite:////tmp/x.sqlite3"},
        {"DUBAN_DB_POOLER": "pgbouncer"},  # SQLite behind PgBouncer
        {"DATABASE_URL": PRIMARY_URL, "DUBAN_DB_POOLER": "pgpool"},
        {"DATABASE_URL": PRIMARY_URL + "?options=-c%20jit%3Doff", "DUBAN_DB_POOLER": "pgbouncer"},
        {"DATABASE_URL": PRIMARY_URL + "?server_side_binding=true", "DUBAN_DB_POOLER": "pgbouncer"},
    ],
)
def test_settings_that_cannot_work_stop_the_start(monkeypatch, tmp_path, env):
    from django.core.exceptions import ImproperlyConfigured

    with pytest.raises(ImproperlyConfigured):
        _settings(monkeypatch, tmp_path, **env)


def test_behind_pgbouncer_no_connection_keeps_anything_past_a_transaction(monkeypatch, tmp_path):
    found = _settings(
        monkeypatch,
        tmp_path,
        DATABASE_URL=PRIMARY_URL,
        DATABASE_REPLICA_URL=REPLICAS,
        DUBAN_DB_POOLER="pgbouncer",
    )
    for database in found["DATABASES"].values():
        assert database["DISABLE_SERVER_SIDE_CURSORS"] is True
        assert "options" not in database["OPTIONS"]  # PgBouncer refuses the startup parameter
        assert not database["OPTIONS"].get("server_side_binding")
    direct = _settings(monkeypatch, tmp_path, DATABASE_URL=PRIMARY_URL)["DATABASES"]["default"]
    assert not direct.get("DISABLE_SERVER_SIDE_CURSORS")
    assert direct["OPTIONS"]["options"] == "-c jit=off"


# --- the router's decisions ----------------------------------------------------------------


@pytest.fixture
def one_replica(settings):
    settings.DUBAN_READ_REPLICAS = ["replica"]
    return ReplicaRouter()


def test_outside_the_block_every_read_is_the_primarys(one_replica):
    for model in (Task, ProgressReport, TaskWarning, Unit):
        assert one_replica.db_for_read(model) == PRIMARY


def test_inside_the_block_the_record_is_read_from_the_replica(one_replica, monkeypatch):
    monkeypatch.setattr(routing, "_reachable", lambda alias: True)
    with replica_reads() as alias:
        assert alias == "replica"
        for model in (Task, ProgressReport, TaskWarning, Unit):
            assert one_replica.db_for_read(model) == "replica"
        # Who the person is and what they may see, and what guards it: the primary's.
        for model in (Session, Person, Membership, AuditEvent):
            assert one_replica.db_for_read(model) == PRIMARY
        # Writes, always the primary's; and after one, reads too.
        assert one_replica.db_for_write(Task) == PRIMARY
        assert one_replica.db_for_read(Task) == PRIMARY
    assert one_replica.db_for_read(Task) == PRIMARY


def test_a_nested_block_reads_where_the_outer_one_does(one_replica, monkeypatch):
    monkeypatch.setattr(routing, "_reachable", lambda alias: True)
    with replica_reads() as outer:
        with replica_reads() as inner:
            assert inner == outer == "replica"
        assert one_replica.db_for_read(Task) == "replica"


@pytest.mark.django_db(transaction=True)
def test_inside_a_transaction_reads_are_the_primarys(one_replica, monkeypatch):
    monkeypatch.setattr(routing, "_reachable", lambda alias: True)
    with replica_reads():
        assert one_replica.db_for_read(Task) == "replica"
        with transaction.atomic():
            assert one_replica.db_for_read(Task) == PRIMARY
        assert one_replica.db_for_read(Task) == "replica"


def test_without_replicas_the_block_reads_the_primary(settings):
    settings.DUBAN_READ_REPLICAS = []
    with replica_reads() as alias:
        assert alias == PRIMARY
        assert ReplicaRouter().db_for_read(Task) == PRIMARY


def test_a_replica_that_cannot_be_reached_is_skipped_a_while(one_replica, monkeypatch, caplog):
    tries = []

    def refuse():
        tries.append(1)
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["replica"], "ensure_connection", refuse)
    monkeypatch.setattr(routing, "_skipped_until", {})
    with caplog.at_level(logging.WARNING, logger="duban.routing"), replica_reads() as alias:
        assert alias == PRIMARY
        assert one_replica.db_for_read(Task) == PRIMARY
    assert "replica cannot be reached" in caplog.text
    # The next pages do not wait for it again, until SKIP_SECONDS have passed.
    with replica_reads() as alias:
        assert alias == PRIMARY
    assert len(tries) == 1
    now = time.monotonic()
    monkeypatch.setattr(time, "monotonic", lambda: now + routing.SKIP_SECONDS + 1)
    with replica_reads():
        pass
    assert len(tries) == 2


def test_migrations_run_on_the_primary_only_and_rows_relate_across(one_replica):
    assert one_replica.allow_migrate(PRIMARY, "work")
    assert not one_replica.allow_migrate("replica", "work")
    read_there, read_here = Task(), Unit()
    read_there._state.db, read_here._state.db = "replica", PRIMARY
    assert one_replica.allow_relation(read_there, read_here)


# --- the pages that may read there ---------------------------------------------------------


def _views(patterns=None, prefix=""):
    for entry in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(entry, URLResolver):
            yield from _views(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern) and entry.name:
            yield entry.name, entry.callback


def test_every_cockpit_and_export_view_may_read_from_the_replica_and_no_other():
    marked = {name for name, view in _views() if getattr(view, "reads_may_lag", False)}
    wanted = {
        name
        for name, _view in _views()
        if name.startswith(("cockpit", "export_"))
        # The audit log is the security administrators' record: read where it is written.
        and name != "audit_export"
    }
    assert {"cockpit", "cockpit_screen", "cockpit_data", "export_tasks", "export_ranking"} <= wanted
    assert marked == wanted


@pytest.fixture
def routed(settings):
    """Routing on, as DATABASE_REPLICA_URL turns it on; the rows committed."""
    assert (
        connections["replica"].settings_dict["NAME"] == connections["default"].settings_dict["NAME"]
    )
    settings.DUBAN_READ_REPLICAS = ["replica"]
    settings.DATABASE_ROUTERS = [ROUTER]


def _record():
    office = f.person("office", "office", full_name="王督查")
    unit = f.unit("A", "发展改革局", name_en="Development and Reform Bureau")
    liaison = f.person("liaison_a", "liaison", units=[unit], full_name="张联络")
    task = f.claimed(office, liaison, unit, title="建设科技创新平台")
    return office, liaison, task


def _selects(queries, table: str) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].startswith("SELECT") and table in q["sql"]]


def _get(client, path):
    with (
        CaptureQueriesContext(connections["replica"]) as there,
        CaptureQueriesContext(connections["default"]) as here,
    ):
        response = client.get(path)
    return response, there.captured_queries, here.captured_queries


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_cockpit_reads_the_record_from_the_replica(routed):
    office, _liaison, _task = _record()
    client = f.signed_in(office)
    response, there, here = _get(client, "/cockpit/")
    assert response.status_code == 200
    assert _selects(there, '"work_task"')  # the figures
    assert all(q["sql"].startswith("SELECT") for q in there)
    # The session, the person and their scope were read on the primary.
    assert _selects(here, '"django_session"') and not _selects(there, '"django_session"')
    assert _selects(here, '"org_membership"') and not _selects(there, '"org_membership"')
    assert response.context["totals"]["open"] == 1
    for path in ("/cockpit/screen/", "/cockpit/data.json"):
        response, there, _here = _get(client, path)
        assert response.status_code == 200 and _selects(there, '"work_task"')


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_leaders_cockpit_as_of_a_past_day_reads_the_plans_progress_there(routed):
    from duban.work.models import Task

    office = f.person("office", "office", full_name="王督查")
    leader = f.person("leader", "leader", full_name="李领导")
    unit = f.unit("A", "发展改革局")
    liaison = f.person("liaison_a", "liaison", units=[unit])
    task = f.claimed(office, liaison, unit, plan=f.plan(office), leader=leader)
    Task.objects.filter(pk=task.pk).update(created_at=f.NOW - dt.timedelta(days=30))
    past = (f.TODAY - dt.timedelta(days=7)).isoformat()
    response, there, here = _get(f.signed_in(leader), f"/cockpit/?as_of={past}")
    assert response.status_code == 200
    # The plan's tasks with their official and final progress at the moment.
    progress = [q for q in there if "final_progress" in q["sql"]]
    assert progress and not [q for q in here if "final_progress" in q["sql"]]


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_an_export_reads_there_and_writes_its_audit_row_on_the_primary(routed):
    office, _liaison, _task = _record()
    response, there, here = _get(f.signed_in(office), "/tasks/export.xlsx")
    assert response.status_code == 200
    assert _selects(there, '"work_task"')
    assert all(q["sql"].startswith("SELECT") for q in there)
    assert [q for q in here if q["sql"].startswith("INSERT") and '"audit_auditevent"' in q["sql"]]
    assert AuditEvent.objects.filter(action="export").count() == 1


@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_a_post_never_reads_the_replica(routed):
    office, liaison, task = _record()
    form = {"period": f.THIS_WEEK, "text": "本周完成选址", "percent": "40", "submit": "1"}
    posts = [
        (f.signed_in(liaison), f"/tasks/{task.pk}/report/", form),  # filing a report
        (f.signed_in(office), "/cockpit/", {}),  # a marked page, by another method
        (f.signed_in(office), "/tasks/export.xlsx", {}),
    ]
    for client, path, data in posts:
        with CaptureQueriesContext(connections["replica"]) as there:
            response = client.post(path, data)
        assert response.status_code in (200, 302, 405), path
        assert there.captured_queries == [], path
    assert ProgressReport.objects.filter(task=task).count() == 1
