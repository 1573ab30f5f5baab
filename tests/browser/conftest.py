"""Chromium through Playwright against pytest-django's live server.

Debian's Chromium (/usr/bin/chromium) is used, never a downloaded browser.
Outside CI the browser tests are skipped when Chromium is missing; under
CI=true they are required and fail instead.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from duban.org.scope import SYSTEM

# pytest-django's live_server runs in this process beside sync Playwright's loop.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD = "pw-for-tests"
OUTPUT = Path(os.environ.get("DUBAN_TEST_OUTPUT", Path.cwd() / "test-output"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(autouse=True)
def plain_static_files(settings):  # type: ignore[no-untyped-def]
    # The browser walks the demo office as `make run` serves it: a demonstration,
    # where the second factor is offered, not required (tests/sso/test_account.py
    # drives the required case).
    settings.DUBAN_DEMO = True
    # The live server serves static files from the finders, by their plain names.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if os.environ.get("CI") == "true":
            pytest.fail(f"Chromium is required under CI=true and was not found at {CHROMIUM}")
        pytest.skip("Chromium not installed (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=FLAGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def output_dir(request: pytest.FixtureRequest) -> Path:
    path = OUTPUT / request.node.name.replace("/", "_")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
def new_page(browser, live_server):  # type: ignore[no-untyped-def]
    """Open pages as someone, in a fresh context (own cookies), in a language."""
    contexts = []
    errors: list[str] = []

    def open_as(username: str | None, *, lang: str = "en-US"):  # type: ignore[no-untyped-def]
        context = browser.new_context(locale=lang, viewport={"width": 1366, "height": 900})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on(
            "console",
            lambda msg: (
                errors.append(msg.text)
                if msg.type == "error" and "Failed to load resource" not in msg.text
                else None
            ),
        )
        if username:
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit].primary")
            page.wait_for_url(lambda url: "/login/" not in url)  # leaders land on the cockpit
        return page

    open_as.errors = errors  # type: ignore[attr-defined]
    yield open_as
    for context in contexts:
        context.close()


@pytest.fixture
def zone(transactional_db):  # type: ignore[no-untyped-def]
    """A committee, its economic development department with three overdue
    tasks (red once scanned), and the office and a leader who sign in."""
    import datetime as dt

    from django.utils import timezone

    from duban.ops.jobs import scan_and_notify
    from duban.org import services as org
    from duban.work import services as work

    root = org.unit_create(actor=SYSTEM, code="ZONE", name="高新区管委会", kind="committee")
    unit = org.unit_create(
        actor=SYSTEM, code="ECO", name="经济发展部", kind="department", parent=root
    )
    office = org.person_create(
        actor=SYSTEM,
        username="office",
        role="office",
        full_name="王敏",
        password=PASSWORD,
        units=[root],
    )
    org.person_create(
        actor=SYSTEM,
        username="leader",
        role="leader",
        full_name="张主任",
        password=PASSWORD,
        units=[root],
    )
    today = timezone.localdate()
    for n in range(3):
        work.task_create(
            actor=office,
            title=f"重点任务{n}",
            lead_unit=unit,
            start_date=today - dt.timedelta(days=30),
            deadline=today - dt.timedelta(days=1 + n),
        )
    scan_and_notify()
    return unit
