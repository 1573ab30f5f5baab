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


def test_the_demo_library_looks_like_a_real_zone():
    """About 300 projects over the parks, districts and industries; two three-batches
    events in the seeds' proportions (321 signed : 302 started : 189 produced); a year
    of monthly investment; the projects' warnings raised by the scan's own rules."""
    from collections import Counter

    from duban.lib import cohorts
    from duban.projects import batches, scan
    from duban.projects.models import BatchEvent, InvestmentReport, Project, ProjectWarning

    call_command("demo", stdout=StringIO())
    today = timezone.localdate()
    projects = Project.objects.all()
    assert 280 <= projects.count() <= 320
    assert projects.values("park").distinct().count() >= 4  # three parks and none
    assert projects.values("district").distinct().count() >= 4
    assert projects.values("industry").distinct().count() >= 8
    assert {"reserve", "signed", "started", "producing"} <= set(
        projects.values_list("stage", flat=True)
    )
    events = list(BatchEvent.objects.order_by("date"))
    assert len(events) == 2
    for event in events:
        sizes = Counter(event.entries.values_list("batch", flat=True))
        sign, start, produce = sizes["sign"], sizes["start"], sizes["produce"]
        assert 20 <= sign <= 40
        assert abs(start / sign - 302 / 321) < 0.1 and abs(produce / sign - 189 / 321) < 0.1
        # Each batch was signed, started or put into production on the event's day.
        for entry in event.entries.select_related("project"):
            day = {
                "sign": entry.project.signed_on,
                "start": entry.project.started_on,
                "produce": entry.project.produced_on,
            }[entry.batch]
            assert day == event.date, entry.project.code
        cohort = batches.cohort(event, projects, today)  # the cohort maths accept it
        assert isinstance(cohort, cohorts.Cohort)
    months = set(InvestmentReport.objects.values_list("year", "month"))
    assert len(months) >= 12  # the past year, month by month
    # Year-to-date as the services restate it.
    for report in InvestmentReport.objects.order_by("?")[:40]:
        earlier = InvestmentReport.objects.filter(
            project=report.project, year=report.year, month__lte=report.month
        ).exclude(state="returned")
        assert report.year_to_date == sum(r.amount for r in earlier)
    # The warnings are the scan's: scanning again changes nothing.
    warned = set(
        ProjectWarning.objects.filter(cleared_at__isnull=True).values_list("project", "rule")
    )
    assert warned and len(warned) < projects.count() / 2
    result = scan.scan_projects(today=today)
    assert (len(result.raised), result.changed, result.cleared) == (0, 0, 0)


def test_every_demo_person_signs_in_and_the_sign_in_page_lists_the_main_logins(client, settings):
    from duban.ops.demo import data

    out = StringIO()
    call_command("demo", "--logins", "all", stdout=out)
    for spec in data.PEOPLE:
        assert spec.username in out.getvalue()
    for username in ("lx.sqt", "huang.tao", "wang.lixin", "lx.xdc"):
        person = authenticate(username=username, password="duban-demo")
        assert person is not None and not person.must_change_password
    settings.DUBAN_DEMO = True
    page = client.get("/login/").content.decode()
    assert 'data-testid="demo-logins"' in page
    for spec in data.PEOPLE:
        assert (f"<code>{spec.username}</code>" in page) == spec.login
    settings.DUBAN_DEMO = False
    assert 'data-testid="demo-logins"' not in client.get("/login/").content.decode()
