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
    for username in (
        "office",
        "leader",
        "liaison",
        "liaison2",
        "admin",
        "office2",
        "leader2",
        "liaison3",
    ):
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


def test_the_demo_holds_a_second_office_that_runs_apart():
    """辛店镇 runs its own office under the zone: its own meeting and notice
    numbers; it sees its own record, the zone sees both."""
    from duban.org.scope import scope_of
    from duban.supervision.models import SupervisionNotice

    call_command("demo", stdout=StringIO())
    town_office = Person.objects.get(username="office2")
    zone_office = Person.objects.get(username="office")
    town = scope_of(town_office).office
    assert town.code == "LYHT-XDZ"
    town_tasks = queries.visible_tasks(town_office)
    assert town_tasks.exists()
    assert not town_tasks.exclude(lead_unit__path__startswith=town.path).exists()
    assert set(town_tasks) <= set(queries.visible_tasks(zone_office))
    assert queries.visible_tasks(zone_office).count() > town_tasks.count()
    assert [m.office_id for m in queries.visible_meetings(town_office)] == [town.pk]
    numbers = {(n.office_id, n.year, n.number) for n in SupervisionNotice.objects.all()}
    assert (town.pk, timezone.localdate().year, 1) in numbers  # the town's own 1号
    liaison = Person.objects.get(username="liaison3")
    assert (
        queries.inbox(liaison, timezone.localdate()).due_now
        or queries.inbox(liaison, timezone.localdate()).to_claim
    )


@pytest.mark.django_db(transaction=True)  # flush truncates: outside a test transaction
def test_reset_wipes_and_reloads():
    call_command("demo", stdout=StringIO())
    before = _counts()
    Task.objects.filter(pk=Task.objects.order_by("pk").first().pk).update(title="改过的标题")
    call_command("demo", "--reset", stdout=StringIO())
    assert _counts() == before
    assert not Task.objects.filter(title="改过的标题").exists()
