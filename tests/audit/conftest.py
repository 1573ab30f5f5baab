"""The three administrators of 三员分立 beside the personas of tests/conftest.py."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from duban.audit import log
from duban.org.models import Person, Role
from tests import factories as f


@pytest.fixture
def auditor(db) -> Person:
    return f.person("auditor", Role.AUDITOR, full_name="审计管理员")


@pytest.fixture
def sysadmin(db) -> Person:
    return f.person("sysadmin", Role.ADMIN, full_name="系统管理员")


@pytest.fixture
def security(db) -> Person:
    return f.person("secadmin", Role.SECURITY, full_name="安全管理员")


@pytest.fixture
def event(db):
    """``event(action, who=None, address=..., agent=..., **detail)``: one row of
    the log, written as a request from that address would write it."""

    def make(action, who=None, *, address="10.1.2.3", agent="Mozilla/5.0 test", **kwargs):
        request = RequestFactory().get("/", REMOTE_ADDR=address, HTTP_USER_AGENT=agent)
        request.user = who  # type: ignore[assignment]
        return log.record(action, request=request, actor=who, **kwargs)

    return make
