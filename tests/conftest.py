"""Test settings, the frozen clock and the named personas.

Personas (STYLE.md, habit 9), each built through the real services:
office (supervision office staff), leader, liaison_a (liaison of unit A),
liaison_b (liaison of unit B), liaison_c (liaison of unit C, the co-unit of the
default task) and anonymous (a client that has not signed in).
"""

from __future__ import annotations

import copy

import pytest
import time_machine
from django.conf import settings as django_settings
from django.core.cache import caches
from django.core.management import call_command
from django.db import connections
from django.test import Client
from django.utils import translation
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from duban.org.models import Person, Role, Unit
from duban.work.models import Plan, Task

from . import factories as f

# No test asserts a time: Hypothesis's deadline (200 ms an example) and its
# "too slow to generate" check fail on a loaded 2-core machine, not on a bug.
hypothesis_settings.register_profile(
    "duban", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("duban")


def _a_read_replica() -> None:
    """A read replica in the test settings, as DATABASE_REPLICA_URL makes one:
    the alias ``replica``, a MIRROR of the test database (its own connection to
    it). Reads go there only where tests/test_read_replicas.py turns routing
    on; elsewhere it is an installation without replicas (_test_settings).
    A replica DATABASE_REPLICA_URL names is replaced: a mirror keeps its own
    host, where the test database does not exist."""
    replica = copy.deepcopy(django_settings.DATABASES["default"])
    replica["TEST"] = {"MIRROR": "default"}
    django_settings.DATABASES["replica"] = replica
    connections.configure_settings(django_settings.DATABASES)  # Django's defaults for it


_a_read_replica()


def pytest_sessionstart(session: pytest.Session) -> None:
    # The Chinese catalogue is compiled from its .po once per run (our own
    # polib-based command, a no-op when the .mo is newer). Under xdist only the
    # controller compiles, before the workers start, so no worker reads a
    # half-written .mo.
    if hasattr(session.config, "workerinput"):
        return
    call_command("compilemessages", verbosity=0)


@pytest.fixture(autouse=True)
def _test_settings(request, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # Templates use {% static %}; the manifest storage would need collectstatic.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # No reads from the replica (even when DATABASE_REPLICA_URL is set): a
    # mirror's own connection does not see a test's rows, which are never
    # committed (tests/test_read_replicas.py commits them and turns it on).
    settings.DUBAN_READ_REPLICAS = []
    # Not a demonstration (a `duban demo` run in this checkout marks var/ as one):
    # the second factor is required of the roles that need it.
    settings.DUBAN_DEMO = False
    # The API's request counts: in this process only, from nothing in each test
    # (ids repeat from test to test and from one xdist worker to the next).
    settings.CACHES = {
        **settings.CACHES,
        "api": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "api-tests",
        },
    }
    caches["api"].clear()
    if request.node.get_closest_marker("browser"):
        # The browser suite (tests/browser/) runs a live server on the real clock
        # in the product's own default language.
        yield
        return
    # WhiteNoise indexes STATIC_ROOT each time a test client starts; an empty one
    # keeps that free (templates still resolve {% static %} through the plain storage).
    settings.STATIC_ROOT = tmp_path / "static"
    settings.STATIC_ROOT.mkdir()
    # English unless a test asks otherwise (Accept-Language or the language switch),
    # so assertions read in the language the code is written in.
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def clock(request):
    """Time stands still at ``factories.NOW``; ``clock.move_to(f.at(...))`` moves it."""
    if request.node.get_closest_marker("browser") or request.node.get_closest_marker("real_clock"):
        yield None
        return
    with time_machine.travel(f.NOW, tick=False) as traveller:
        yield traveller


# --- units and people ------------------------------------------------------------


@pytest.fixture
def unit_a(db) -> Unit:
    return f.unit("A", "发展改革局", name_en="Development and Reform Bureau")


@pytest.fixture
def unit_b(db) -> Unit:
    return f.unit("B", "财政局", name_en="Finance Bureau")


@pytest.fixture
def unit_c(db) -> Unit:
    return f.unit("C", "自然资源局", name_en="Natural Resources Bureau")


@pytest.fixture
def office(db) -> Person:
    return f.person("office", Role.OFFICE, full_name="王督查")


@pytest.fixture
def leader(db) -> Person:
    return f.person("leader", Role.LEADER, full_name="李副主任")


@pytest.fixture
def liaison_a(unit_a) -> Person:
    return f.person("liaison_a", Role.LIAISON, units=[unit_a], full_name="张联络")


@pytest.fixture
def liaison_b(unit_b) -> Person:
    return f.person("liaison_b", Role.LIAISON, units=[unit_b], full_name="赵联络")


@pytest.fixture
def liaison_c(unit_c) -> Person:
    return f.person("liaison_c", Role.LIAISON, units=[unit_c], full_name="孙联络")


@pytest.fixture
def anonymous() -> None:
    return None


@pytest.fixture
def as_(db):
    """``as_(person)`` is a client signed in as that person; ``as_(None)`` is anonymous."""

    def make(who: Person | None, **defaults) -> Client:
        return f.signed_in(who, **defaults)

    return make


# --- the default plan and task ----------------------------------------------------------


@pytest.fixture
def plan(office) -> Plan:
    return f.plan(office)


@pytest.fixture
def task(office, leader, plan, unit_a, unit_c) -> Task:
    """Assigned to unit A (with unit C co-operating) two weeks ago, due in two months."""
    return f.task(
        office,
        unit_a,
        plan=plan,
        serial="1.1",
        title="建设科技创新平台",
        title_en="Build the innovation platforms",
        co_units=[unit_c],
        leader=leader,
    )


@pytest.fixture
def claimed_task(task, liaison_a) -> Task:
    from duban.work import services

    return services.task_claim(actor=liaison_a, task=task)
