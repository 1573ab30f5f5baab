"""`duban demo` loads a recognisable office once, through the services."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command
from django.utils import timezone

from duban.org.models import Person
from duban.work import queries
from duban.work.models import ProgressReport, Task

pytestmark = pytest.mark.django_db


@pytest.fixture
def clock():  # the demo is dated relative to the real today
    yield None


def _counts() -> tuple[int, int, int]:
    return Task.objects.count(), ProgressReport.objects.count(), Person.objects.count()


def test_the_demo_loads_once_and_gives_every_login_something_to_do():
    out = StringIO()
    call_command("demo", stdout=out)
    first = _counts()
    assert first[0] >= 26 + 12 * 2  # 4 tasks + 22 measures, twelve meetings' assignments
    for username in ("office", "leader", "liaison", "liaison2", "admin"):
        assert authenticate(username=username, password="duban-demo") is not None
        assert username in out.getvalue()

    call_command("demo", stdout=StringIO())
    assert _counts() == first  # idempotent

    today = timezone.localdate()
    liaison = Person.objects.get(username="liaison")
    box = queries.inbox(liaison, today)
    assert box.to_claim and box.due_now and box.returned and box.instructions
    office = Person.objects.get(username="office")
    office_box = queries.inbox(office, today)
    assert office_box.to_review and office_box.deadline_requests
    assert Task.objects.filter(deadline_moves=2).exists()
    assert ProgressReport.objects.filter(is_late=True).exists()
    assert Task.objects.filter(state="closed").exists()


@pytest.mark.django_db(transaction=True)  # flush truncates: outside a test transaction
def test_reset_wipes_and_reloads():
    call_command("demo", stdout=StringIO())
    before = _counts()
    Task.objects.filter(pk=Task.objects.order_by("pk").first().pk).update(title="改过的标题")
    call_command("demo", "--reset", stdout=StringIO())
    assert _counts() == before
    assert not Task.objects.filter(title="改过的标题").exists()
