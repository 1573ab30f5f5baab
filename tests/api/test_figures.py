"""The standing and the cockpit's figures through the API: the same numbers
as the pages, for the offices the caller may read."""

from __future__ import annotations

import datetime as dt

from duban.org.models import Role, Unit
from tests import factories as f


def test_the_standing_is_the_assessment_pages(api, as_, office, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    data = api(office).get("/assessment/2026Q1").json()
    page = as_(office).get("/assessment/2026Q1/").context["standing"]
    assert [(r["unit_id"], r["rank"], r["total"]) for r in data["rows"]] == [
        (row.unit_id, row.rank, str(row.total)) for row in page.rows
    ]
    assert data["locked"] is False and data["counted_at"] is None  # counted for the request


def test_the_standing_says_when_its_facts_were_counted(api, office, liaison_a, claimed_task):
    from duban.assessment.services import snapshot

    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    snapshot()  # the worker, after a scan
    data = api(office).get("/assessment/2026Q1").json()
    assert dt.datetime.fromisoformat(data["counted_at"]) == f.NOW and data["rows"]


def test_a_quarter_to_come_or_unreadable_is_404(api, office):
    assert api(office).get("/assessment/2027Q1").status_code == 404
    assert api(office).get("/assessment/Q9").status_code == 404


def test_another_offices_standing_is_not_readable(api, office):
    district = f.unit("D", "辛店镇", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    outsider = f.person("office_d", Role.OFFICE, units=[district])
    zone = f.zone()
    assert api(outsider).get(f"/assessment/2026Q1?office={zone.pk}").status_code == 404
    assert api(outsider).get("/assessment/2026Q1").json()["office_id"] == district.pk
    # The zone's office reads the district's, below it.
    assert (
        api(office).get(f"/assessment/2026Q1?office={district.pk}").json()["office_id"]
        == district.pk
    )


def test_the_cockpit_figures_are_the_cockpits(api, as_, office, unit_a):
    f.task(
        office,
        unit_a,
        start=f.TODAY - dt.timedelta(days=40),
        deadline=f.TODAY - dt.timedelta(days=1),
    )
    data = api(office).get("/cockpit").json()
    assert data["totals"] == as_(office).get("/cockpit/data.json").json()["totals"]
    assert data["totals"]["red"] == 1
    assert {c["id"] for c in data["charts"]} >= {"lights"}
    assert api(office).get("/cockpit?as_of=2099-01-01").status_code == 400
    assert api(office).get("/cockpit?as_of=0152-02-18").status_code == 400
