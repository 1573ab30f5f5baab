"""Fixtures for the notification tests: a chat robot's HTTP server and an SMTP
server, both real and both on 127.0.0.1 (see support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import MailServer, Robot, RobotServer


@pytest.fixture(autouse=True)
def _no_proxy(monkeypatch):
    # httpx honours proxy variables: every request in these tests goes straight
    # to 127.0.0.1.
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("NO_PROXY", "*")


@pytest.fixture
def robot(settings) -> Iterator[Robot]:
    """A chat robot's HTTP server on 127.0.0.1, accepted as a webhook host."""
    settings.DUBAN_WEBHOOK_EXTRA_HOSTS = ["127.0.0.1"]
    settings.DUBAN_WEBHOOK_TIMEOUT = 5
    with RobotServer() as recorder:
        yield recorder


@pytest.fixture
def smtp(settings) -> Iterator[MailServer]:
    """A real SMTP server on 127.0.0.1 and email switched on, through Django's SMTP backend."""
    settings.DUBAN_EMAIL_ENABLED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "duban@example.org"
    server = MailServer(settings)
    server.start()
    yield server
    server.stop()
