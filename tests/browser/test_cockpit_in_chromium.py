"""The cockpit in Chromium: every chart draws (no console errors), and a click
on a bar opens the filtered list behind it."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.utils import timezone

PASSWORD = "pw-for-tests"


def test_the_charts_draw_and_a_bar_opens_its_list(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    page = new_page("leader", lang="zh-CN")
    page.goto(f"{live_server.url}/cockpit/")
    page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length >= 3")
    page.screenshot(path=str(output_dir / "cockpit.png"), full_page=True)
    assert new_page.errors == []
    # The first bar of "open tasks by state" (awaiting claim): click its middle.
    point = page.evaluate(
        """() => {
          const el = document.querySelector('[data-chart="states"]');
          const chart = echarts.getInstanceByDom(el);
          const end = chart.convertToPixel({seriesIndex: 0}, [3, 0]);
          const box = el.getBoundingClientRect();
          return {x: box.left + (end[0] + 60) / 2, y: box.top + end[1]};
        }"""
    )
    page.mouse.click(point["x"], point["y"])
    page.wait_for_url("**/tasks/?state=assigned")
    assert "重点任务0" in page.content()


def test_the_cockpit_prints_to_a4(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    page = new_page("leader", lang="zh-CN")
    page.goto(f"{live_server.url}/cockpit/")
    page.wait_for_function("() => document.querySelectorAll('[data-chart] canvas').length >= 3")
    # Drawn to the end (the bars grow in), then printed.
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => el.dataset.ready)"
    )
    page.emulate_media(media="print")
    assert page.evaluate("getComputedStyle(document.querySelector('header.top')).display") == "none"
    pdf = output_dir / "cockpit.pdf"
    page.pdf(path=str(pdf), format="A4", print_background=True)
    assert pdf.stat().st_size > 10_000
    assert new_page.errors == []


def test_the_as_of_date_changes_the_figures(new_page, live_server, zone, output_dir: Path):  # type: ignore[no-untyped-def]
    from duban.work.models import Task, TaskEvent

    # The three tasks were assigned ten days ago; one was closed this morning
    # (the record's history: creation and closing times, the task's events).
    ten_days_ago = timezone.now() - dt.timedelta(days=10)
    Task.objects.update(created_at=ten_days_ago)
    TaskEvent.objects.update(at=ten_days_ago)
    Task.objects.filter(title="重点任务2").update(state="closed", closed_at=timezone.now())
    page = new_page("leader", lang="en-US")
    page.goto(f"{live_server.url}/cockpit/")
    assert page.inner_text("[data-testid=totals]").startswith("2 open tasks")
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    page.fill("#as-of", yesterday.isoformat())
    page.click("[data-testid=as-of-form] button[type=submit]")
    page.wait_for_url(f"**/cockpit/?as_of={yesterday.isoformat()}")
    assert page.inner_text("[data-testid=totals]").startswith("3 open tasks")
    assert yesterday.isoformat() in page.inner_text("[data-testid=as-of-note]")
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-chart]')].every(el => el.dataset.ready)"
    )
    page.screenshot(path=str(output_dir / "cockpit-as-of.png"), full_page=True)
    assert new_page.errors == []
    # Back to today: the figures of today again.
    page.click("text=Back to today")
    page.wait_for_url("**/cockpit/")
    assert page.inner_text("[data-testid=totals]").startswith("2 open tasks")
