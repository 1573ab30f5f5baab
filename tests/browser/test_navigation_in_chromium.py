"""The top bar on a desk and on a phone (issue 13, point 6): one row on a
1280 px screen in English, the lesser pages under "More"; folded behind
"Menu" below 1100 px, where every link is a 44 px tap target and nothing
scrolls sideways."""

from __future__ import annotations

from pathlib import Path

import pytest

TARGETS = """() => [...document.querySelectorAll('header a, header button, header label')]
  .filter(e => e.offsetParent !== null)
  .map(e => ({text: e.textContent.trim(), height: e.getBoundingClientRect().height}))"""


@pytest.fixture
def office(zone):  # type: ignore[no-untyped-def]
    return "office"


def test_on_a_desk_the_bar_is_one_row_and_more_opens(
    new_page, live_server, office, output_dir: Path
):  # type: ignore[no-untyped-def]
    page = new_page(office, lang="en-US")
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{live_server.url}/tasks/")
    height = page.evaluate(
        "() => document.querySelector('header.top').getBoundingClientRect().height"
    )
    assert height < 60, height  # one row, "Administration" not cut off
    assert page.is_visible("text=Monthly review") and not page.is_visible("text=Plans")
    assert not page.is_visible("[data-testid=menu-button]")
    page.click("[data-testid=more-button]")
    assert page.is_visible("header >> text=Plans") and page.is_visible(
        "header >> text=Administration"
    )
    page.screenshot(path=str(output_dir / "desk-1280.png"))
    assert new_page.errors == []


@pytest.mark.parametrize("width", [1024, 390])
def test_below_a_desk_the_menu_folds_and_every_link_is_a_tap_target(
    new_page, live_server, office, output_dir: Path, width: int
):  # type: ignore[no-untyped-def]
    page = new_page(office, lang="zh-CN")
    page.set_viewport_size({"width": width, "height": 844})
    page.goto(f"{live_server.url}/account/")  # a page that fits (the lists' own fit is their test)
    assert not page.is_visible("header >> text=驾驶舱")
    header = page.evaluate(
        "() => document.querySelector('header.top').getBoundingClientRect().height"
    )
    assert header < 80, header  # the brand and the button, not 300 px of wrapped links
    page.click("[data-testid=menu-button]")
    assert page.is_visible("header >> text=驾驶舱") and page.is_visible("header >> text=方案")
    small = [t for t in page.evaluate(TARGETS) if t["height"] < 44]
    assert small == [], small
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width
    page.screenshot(path=str(output_dir / f"menu-{width}.png"), full_page=True)
    page.click("header >> text=方案")
    page.wait_for_url("**/plans/")
    assert new_page.errors == []


@pytest.mark.parametrize("who", ["leader", "office"])
def test_the_pages_a_leader_opens_every_morning_fit_a_phone(
    new_page, live_server, zone, output_dir: Path, who: str
):  # type: ignore[no-untyped-def]
    page = new_page(who, lang="zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    for path in ("/inbox/", "/tasks/", "/warnings/", "/cockpit/", "/account/"):
        page.goto(f"{live_server.url}{path}")
        width = page.evaluate("() => document.documentElement.scrollWidth")
        page.screenshot(
            path=str(output_dir / f"{who}{path.replace('/', '-')}390.png"), full_page=True
        )
        assert width <= 390, (path, width)
    # The task list is cards: each task's title, unit and deadline on the screen.
    page.goto(f"{live_server.url}/tasks/")
    card = page.locator("table.tasks tbody tr").first
    box = card.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert "重点任务" in card.inner_text()
    assert new_page.errors == []
