"""The unit chooser on a phone and a desk: a unit deep in a large tree is not
among the options sent, typing part of its name offers it, choosing it
filters the task list, and nothing scrolls sideways at 390 px."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

from duban.org import services as org
from duban.org.models import Person, Unit
from duban.org.scope import SYSTEM
from duban.work import services as work

FIT = "() => document.documentElement.scrollWidth"


def _big_tree(under: Unit) -> Unit:
    """60 departments of 3 sections each under the zone; the last section returned."""
    last = under
    for d in range(60):
        department = org.unit_create(
            actor=SYSTEM, code=f"D{d:02d}", name=f"第{d}局", kind="department", parent=under
        )
        for k in range(3):
            last = org.unit_create(
                actor=SYSTEM,
                code=f"D{d:02d}-{k}",
                name=f"第{d}局第{k}科" if (d, k) != (59, 2) else "氢能产业推进科",
                kind="department",
                parent=department,
            )
    return last


def test_a_deep_unit_is_found_by_typing_and_filters_the_list(
    new_page, live_server, zone, output_dir: Path
):  # type: ignore[no-untyped-def]
    office = Person.objects.get(username="office")
    deep = _big_tree(zone.parent)
    today = timezone.localdate()
    work.task_create(
        actor=office,
        title="氢能示范线建设",
        lead_unit=deep,
        start_date=today - dt.timedelta(days=10),
        deadline=today + dt.timedelta(days=60),
    )
    for width in (390, 1366):
        page = new_page("office", lang="zh-CN")
        page.set_viewport_size({"width": width, "height": 844})
        page.goto(f"{live_server.url}/tasks/")
        offered = page.eval_on_selector_all(
            "select[name=unit] option", "os => os.map(o => o.value)"
        )
        assert str(deep.pk) not in offered and len(offered) <= 41, len(offered)
        if width == 390:
            page.click(
                "[data-testid=filters-button]"
            )  # the filters fold behind a button on a phone
        box = page.locator("input.picker-search").first
        box.fill("氢能产业")
        page.wait_for_function(
            f"() => !!document.querySelector('select[name=unit] option[value=\"{deep.pk}\"]')"
        )
        # The only match is chosen; the filter is sent.
        assert page.eval_on_selector("select[name=unit]", "s => s.value") == str(deep.pk)
        page.screenshot(path=str(output_dir / f"picker-{width}.png"), full_page=True)
        assert page.evaluate(FIT) <= width
        page.locator("form.filters button[type=submit]").first.click()
        page.wait_for_url(lambda url: f"unit={deep.pk}" in url)
        assert "氢能示范线建设" in page.inner_text("main")
        assert "重点任务0" not in page.inner_text("main")
    assert not new_page.errors, new_page.errors


def test_the_district_chooser_finds_districts_only(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    """Its search asks /units/pick/?kind=district&q=...: a unit named alike that
    is not a district is not offered."""
    for n in range(60):
        org.unit_create(
            actor=SYSTEM, code=f"Q{n:02d}", name=f"第{n}区", kind="district", parent=zone.parent
        )
    far = Unit.objects.get(code="Q59")
    org.unit_create(actor=SYSTEM, code="QX", name="第59区联络处", kind="other", parent=zone.parent)
    page = new_page("office", lang="zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/projects/")
    offered = page.eval_on_selector_all(
        "select[name=district] option", "os => os.map(o => o.value)"
    )
    assert str(far.pk) not in offered and len(offered) <= 41, len(offered)
    if page.locator("[data-testid=filters-button]").count():
        page.click("[data-testid=filters-button]")
    page.locator("input.picker-search[data-picker-for=id_district]").fill("第59区")
    page.wait_for_function(
        f"() => !!document.querySelector('select[name=district] option[value=\"{far.pk}\"]')"
    )
    names = page.eval_on_selector_all(
        "select[name=district] option", "os => os.map(o => o.textContent)"
    )
    assert "第59区联络处" not in names
    assert page.eval_on_selector("select[name=district]", "s => s.value") == str(far.pk)
    page.screenshot(path=str(output_dir / "district-picker-390.png"), full_page=True)
    assert page.evaluate(FIT) <= 390
    assert not new_page.errors, new_page.errors
