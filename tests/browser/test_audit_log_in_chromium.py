"""The security audit log on a phone (390 px): the page does not scroll
sideways, its table scrolls inside its own box."""

from __future__ import annotations

from pathlib import Path

from duban.audit import log
from duban.org import services as org
from duban.org.scope import SYSTEM

PASSWORD = "pw-for-tests"


def test_the_audit_log_fits_a_phone(new_page, live_server, transactional_db, output_dir: Path):  # type: ignore[no-untyped-def]
    org.person_create(
        actor=SYSTEM, username="auditor", role="auditor", full_name="审计员", password=PASSWORD
    )
    for n in range(30):
        log.record("export", kind="tasks", rows=n, file=f"tasks-{n}.xlsx")
    page = new_page("auditor", lang="zh-CN")
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{live_server.url}/audit/")
    assert "安全审计日志" in page.title()
    page.screenshot(path=str(output_dir / "audit-390.png"), full_page=True)
    widths = page.evaluate(
        """() => {
          const box = document.querySelector('.scroll-x');
          return {page: document.documentElement.scrollWidth, view: window.innerWidth,
                  box: box.clientWidth, table: box.scrollWidth};
        }"""
    )
    assert widths["page"] <= widths["view"], widths
    assert widths["table"] > widths["box"], widths  # the table scrolls in its box
    assert new_page.errors == []
