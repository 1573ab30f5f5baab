"""The reporting burden on a phone (390 × 844): each unit a card, the list of
figures asked twice below, nothing scrolling sideways; on a desk, a table."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

from django.utils import timezone

from duban.org.models import Person
from duban.projects import services as projects
from duban.projects.models import Industry
from duban.projects.seed import seed_industries
from duban.work import services as work

FIT = """() => ({
  page: document.documentElement.scrollWidth,
  view: window.innerWidth,
  head: getComputedStyle(document.querySelector('#burden thead')).display,
  cards: document.querySelectorAll('#burden tbody tr').length,
})"""


def test_the_burden_fits_a_phone(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    office = Person.objects.get(username="office")
    seed_industries()
    project = projects.project_create(
        actor=office,
        code="XM-001",
        name="氢能产业园项目",
        industry=Industry.objects.get(code="hydrogen"),
        investor="洛阳氢能科技有限公司",
        unit=zone,
        total_investment=Decimal("120000000"),
    )
    today = timezone.localdate()
    projects.investment_plan_set(
        actor=office, project=project, year=today.year, amount=Decimal("10000000")
    )
    work.task_create(
        actor=office,
        title="加快氢能产业园项目建设，完成年度投资",
        lead_unit=zone,
        start_date=today - dt.timedelta(days=40),
        deadline=today + dt.timedelta(days=60),
        metric="完成投资",
        metric_unit="万元",
    )
    page = new_page("office", lang="zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/reporting/burden/")
    assert "报送负担" in page.title()
    # The figures are those the fixture's scan kept, from before the task was
    # added: the office counts again, and the page says it did.
    assert "按记录统计于" in page.inner_text('[data-testid="counted-at"]')
    assert "氢能产业园项目" not in page.inner_text("#asked-twice")
    page.click('[data-testid="recount"]')
    assert "已按记录重新统计。" in page.inner_text("body")
    page.screenshot(path=str(output_dir / "burden-390.png"), full_page=True)
    fit = page.evaluate(FIT)
    assert fit["page"] <= fit["view"], fit
    assert fit["head"] == "none" and fit["cards"] >= 1, fit
    assert "经济发展部" in page.inner_text("#burden")
    assert "氢能产业园项目" in page.inner_text("#asked-twice")
    # The range is chosen on the phone too: the week inputs, then Show.
    first = page.input_value("#id_to")
    page.fill("#id_from", first)
    page.click("[data-testid=burden-weeks] button[type=submit]")
    page.wait_for_url(lambda url: "from=" in url)
    shown = page.inner_text(".filters + .sub")
    assert shown.endswith("共 1 周"), shown
    assert page.evaluate(FIT)["page"] <= 390
    page.set_viewport_size({"width": 1366, "height": 900})
    page.goto(f"{live_server.url}/reporting/burden/")
    assert page.evaluate(FIT)["head"] != "none"
    page.screenshot(path=str(output_dir / "burden-desk.png"), full_page=True)
    assert new_page.errors == []
