"""The cockpit's big screen in Chromium: it fills a 1920×1080 and a 1280×720
window without a scrollbar, dark, every chart drawn (no console errors); the
pages turn by themselves, by the arrow keys and pause on Space; the figures
reload in place, and the whole page only when the set of charts changed."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone

from duban.cockpit.charts import overview
from duban.org import services as org
from duban.org.models import Person
from duban.org.scope import SYSTEM
from duban.work import services as work

PASSWORD = "pw-for-tests"

DRAWN = """() => {
  const shown = [...document.querySelectorAll('[data-screen-page]:not([hidden]) [data-chart]')];
  return shown.length > 0 && shown.every(el => el.dataset.ready === '1');
}"""

FITS = """() => {
  const doc = document.documentElement;
  const bar = document.querySelector('.screen-bar');
  const charts = [...document.querySelectorAll('[data-screen-page]:not([hidden]) [data-chart]')];
  return {
    scrollHeight: doc.scrollHeight, innerHeight: innerHeight,
    scrollWidth: doc.scrollWidth, innerWidth: innerWidth,
    barOverflows: bar.scrollWidth > bar.clientWidth,
    leave: document.querySelector('[data-testid=leave]').getBoundingClientRect().right,
    pager: document.querySelector('[data-testid=page]').getBoundingClientRect().right,
    lowest: Math.max(...charts.map(el => el.getBoundingClientRect().bottom)),
    rightmost: Math.max(...charts.map(el => el.getBoundingClientRect().right)),
    smallest: Math.min(...charts.map(el => el.getBoundingClientRect().height)),
  };
}"""


def _add_project(unit):  # type: ignore[no-untyped-def]
    from duban.projects import services as projects
    from duban.projects.models import Industry
    from duban.projects.seed import seed_industries

    seed_industries()
    projects.project_create(
        actor=Person.objects.get(username="office"),
        code="XM-1",
        name="氢能产业园",
        industry=Industry.objects.get(code="hydrogen"),
        investor="氢能公司",
        unit=unit,
        total_investment=Decimal("1000000"),
    )


@pytest.fixture
def zone_with_a_project(zone):  # type: ignore[no-untyped-def]
    """One chart more (the key projects by stage): two pages at least."""
    _add_project(zone)
    return zone


def _is_dark(css_colour: str) -> bool:
    red, green, blue = (int(x) for x in re.findall(r"\d+", css_colour)[:3])
    return (0.2126 * red + 0.7152 * green + 0.0722 * blue) / 255 < 0.2


def _check_the_fit(page, width: int, height: int) -> None:  # type: ignore[no-untyped-def]
    fit = page.evaluate(FITS)
    assert fit["innerWidth"] == width and fit["innerHeight"] == height
    assert fit["scrollHeight"] <= fit["innerHeight"], fit  # no vertical scrollbar
    assert fit["scrollWidth"] <= fit["innerWidth"], fit  # no horizontal scrollbar
    assert not fit["barOverflows"], "the title bar holds its title, totals and time"
    assert fit["leave"] <= width and fit["pager"] <= width, fit  # the corners show
    assert fit["lowest"] <= height and fit["rightmost"] <= width, fit  # no chart clipped
    assert fit["smallest"] >= height * 0.2, fit  # and none squeezed


@pytest.mark.parametrize(
    ("width", "height", "lang"),
    [(1920, 1080, "zh-CN"), (1280, 720, "zh-CN"), (1280, 720, "en-US")],
    ids=["1920x1080-zh", "1280x720-zh", "1280x720-en"],
)
def test_the_screen_fills_the_window_without_scrollbars(  # type: ignore[no-untyped-def]
    new_page, live_server, zone_with_a_project, output_dir: Path, width, height, lang
):
    page = new_page("office", lang=lang)
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{live_server.url}/cockpit/screen/?cycle=0")
    page.wait_for_function(DRAWN)
    assert new_page.errors == []
    assert _is_dark(page.evaluate("getComputedStyle(document.body).backgroundColor"))
    totals = overview(Person.objects.get(username="office"))["totals"]
    assert page.locator("[data-total=red]").inner_text() == str(totals["red"])
    assert totals["red"] > 0
    _check_the_fit(page, width, height)
    pages = page.locator("[data-screen-page]").count()
    assert pages >= 2
    assert page.locator("[data-pages]").inner_text() == str(pages)
    page.screenshot(path=str(output_dir / f"screen-{width}x{height}-{lang}-page1.png"))
    # Every page by hand (→), each drawn and fitting too.
    for n in range(2, pages + 1):
        page.keyboard.press("ArrowRight")
        page.wait_for_function(f"() => document.querySelector('[data-page]').textContent === '{n}'")
        page.wait_for_function(DRAWN)
        _check_the_fit(page, width, height)
        page.screenshot(path=str(output_dir / f"screen-{width}x{height}-{lang}-page{n}.png"))
    page.keyboard.press("ArrowRight")  # round to the first again
    page.wait_for_function("() => document.querySelector('[data-page]').textContent === '1'")
    assert new_page.errors == []


def test_the_pages_turn_and_pause_and_a_bar_opens_its_list(  # type: ignore[no-untyped-def]
    new_page, live_server, zone_with_a_project
):
    page = new_page("office", lang="zh-CN")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/cockpit/screen/?cycle=1")
    page.wait_for_function(DRAWN)
    assert page.locator("[data-page]").inner_text() == "1"
    page.wait_for_function(
        "() => document.querySelector('[data-page]').textContent === '2'", timeout=5_000
    )
    page.wait_for_function(DRAWN)  # the second page's charts are drawn as it shows
    # Space pauses (and says so): the page stays put for longer than a turn.
    page.keyboard.press(" ")
    assert page.locator("[data-testid=paused]").is_visible()
    held = page.locator("[data-page]").inner_text()
    page.wait_for_timeout(2_500)
    assert page.locator("[data-page]").inner_text() == held
    # ← steps back by hand, to the first page, with the lights.
    while page.locator("[data-page]").inner_text() != "1":
        page.keyboard.press("ArrowLeft")
    page.wait_for_function(DRAWN)
    page.keyboard.press(" ")
    assert not page.locator("[data-testid=paused]").is_visible()
    assert new_page.errors == []
    # The red bar of "open tasks by light" opens the red warnings.
    point = page.evaluate(
        """() => {
          const el = document.querySelector('[data-chart="lights"]');
          const chart = echarts.getInstanceByDom(el);
          const red = chart.getOption().series[0].data[0].value;
          const start = chart.convertToPixel({seriesIndex: 0}, [0, 0]);
          const end = chart.convertToPixel({seriesIndex: 0}, [red, 0]);
          const box = el.getBoundingClientRect();
          return {x: box.left + (start[0] + end[0]) / 2, y: box.top + end[1]};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/warnings/?level=4")


def test_the_figures_reload_in_place(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    page = new_page("office", lang="zh-CN")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/cockpit/screen/?cycle=0&refresh=1")
    page.wait_for_function(DRAWN)
    assert page.locator("[data-total=open]").inner_text() == "3"
    assert page.locator('[data-chart="funnel"]').count() == 0  # no project yet
    page.evaluate("window.stillHere = true")
    # A fourth overdue task: the figures change, the charts stay the same.
    from duban.ops.jobs import scan_and_notify

    office = Person.objects.get(username="office")
    today = timezone.localdate()
    work.task_create(
        actor=office,
        title="重点任务3",
        lead_unit=zone,
        start_date=today - dt.timedelta(days=30),
        deadline=today - dt.timedelta(days=1),
    )
    scan_and_notify()
    page.wait_for_function("() => document.querySelector('[data-total=open]').textContent === '4'")
    totals = overview(office)["totals"]
    assert page.locator("[data-total=red]").inner_text() == str(totals["red"])
    assert page.evaluate("window.stillHere") is True, "no reload, no flash"
    lights = page.evaluate(
        """() => echarts.getInstanceByDom(document.querySelector('[data-chart="lights"]'))
                 .getOption().series[0].data.map(d => d.value)"""
    )
    assert lights[0] == totals["red"]
    # A project: a chart more, so the page lays itself out again.
    _add_project(zone)
    page.wait_for_selector('[data-chart="funnel"]', state="attached")
    assert page.evaluate("window.stillHere") is None
    page.wait_for_function(DRAWN)
    assert new_page.errors == []


def test_the_empty_screen_fits_too(new_page, live_server, transactional_db, output_dir: Path):  # type: ignore[no-untyped-def]
    root = org.unit_create(actor=SYSTEM, code="ZONE", name="高新区管委会", kind="committee")
    org.person_create(
        actor=SYSTEM,
        username="office",
        role="office",
        full_name="王敏",
        password=PASSWORD,
        units=[root],
    )
    page = new_page("office", lang="zh-CN")
    page.set_viewport_size({"width": 1280, "height": 720})
    page.goto(f"{live_server.url}/cockpit/screen/")
    page.wait_for_load_state("load")
    assert page.locator("[data-testid=nothing]").is_visible()
    fit = page.evaluate(
        """() => ({
          scrollHeight: document.documentElement.scrollHeight,
          scrollWidth: document.documentElement.scrollWidth,
          leave: document.querySelector('[data-testid=leave]').getBoundingClientRect().right,
          pager: document.querySelector('[data-testid=page]').getBoundingClientRect().right,
        })"""
    )
    assert fit["scrollHeight"] <= 720 and fit["scrollWidth"] <= 1280, fit
    assert fit["leave"] <= 1280 and fit["pager"] <= 1280, fit
    page.screenshot(path=str(output_dir / "screen-empty-1280x720-zh-CN.png"))
    assert new_page.errors == []
