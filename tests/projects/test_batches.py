"""A "three batches" event followed as cohorts: rates computed from the
projects' stages, as of a date, broken down, scoped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from duban.projects import services
from duban.projects.batches import breakdown, cohort
from duban.projects.models import Industry, Project
from duban.projects.queries import visible_projects

D = dt.date


def _project(office, unit, code, industry="hydrogen"):
    return services.project_create(
        actor=office,
        code=code,
        name=f"项目{code}",
        industry=Industry.objects.get(code=industry),
        investor="某公司",
        unit=unit,
        total_investment=Decimal("10000000"),
    )


def test_the_signing_batch_fulfilment_rate(office, unit_a, unit_b, clock):
    event = services.batch_event_create(
        actor=office, name="2026年第一次三个一批活动", date=D(2026, 1, 10)
    )
    signed = [_project(office, unit_a, f"S{i}") for i in range(4)]
    for p in signed:
        services.stage_move(
            actor=office, project=p, target="signed", on=D(2026, 1, 10), today=D(2026, 3, 18)
        )
        services.batch_add(actor=office, event=event, project=p, batch="sign")
    for p in signed[:3]:
        services.stage_move(
            actor=office, project=p, target="started", on=D(2026, 2, 20), today=D(2026, 3, 18)
        )
    all_projects = Project.objects.all()
    now = cohort(event, all_projects, D(2026, 3, 18))
    assert (now.sign.members, now.sign.started, now.sign.rate) == (4, 3, Decimal("75.0"))
    before = cohort(event, all_projects, D(2026, 2, 1))
    assert before.sign.rate == Decimal("0.0")
    assert cohort(event, all_projects, D(2026, 3, 18)).start.rate is None  # nobody in that batch
    groups = breakdown(event, all_projects, D(2026, 3, 18), "industry")
    assert list(groups) == ["氢能"] or list(groups) == ["Hydrogen"]


def test_the_event_page_scoped_and_as_of(as_, office, liaison_a, liaison_b, unit_a, unit_b):
    event = services.batch_event_create(actor=office, name="三个一批", date=D(2026, 1, 10))
    a = _project(office, unit_a, "A1")
    b = _project(office, unit_b, "B1")
    services.batch_add(actor=office, event=event, project=a, batch="start")
    services.batch_add(actor=office, event=event, project=b, batch="start")
    services.stage_move(
        actor=office,
        project=a,
        target="started",
        on=D(2026, 2, 1),
        reason="签约即开工",
        today=D(2026, 3, 18),
    )
    page = as_(office).get(f"/batches/{event.pk}/?by=park").content.decode()
    assert 'data-testid="rate-start">50.0%' in page
    mine = as_(liaison_a).get(f"/batches/{event.pk}/").content.decode()
    assert 'data-testid="rate-start">100.0%' in mine and "项目B1" not in mine
    past = as_(office).get(f"/batches/{event.pk}/?as_of=2026-01-20").content.decode()
    assert 'data-testid="rate-start">0.0%' in past
    assert list(visible_projects(liaison_b)) == [b]
    created = as_(office).post("/batches/", {"name": "第二次", "date": "2026-03-01"})
    assert created.status_code == 302
    assert as_(liaison_a).post("/batches/", {"name": "x", "date": "2026-03-01"}).status_code == 403
