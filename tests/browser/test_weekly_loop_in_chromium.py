"""The whole weekly loop through the pages, in Chromium:
assign → claim → report → return → report again → accept → ask to close → close."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from duban.org import services as org
from duban.org.scope import SYSTEM
from duban.work import services as work
from duban.work.models import ProgressReport, Task

PASSWORD = "pw-for-tests"


@pytest.fixture
def office_setup(transactional_db):  # type: ignore[no-untyped-def]
    root = org.unit_create(
        actor=SYSTEM, code="ZONE", name="高新区管委会", name_en="Zone Committee", kind="committee"
    )
    unit_a = org.unit_create(
        actor=SYSTEM,
        code="ECO",
        name="经济发展部",
        name_en="Economic Development Dept.",
        short_name="经发部",
        kind="department",
        parent=root,
    )
    office = org.person_create(
        actor=SYSTEM,
        username="office",
        role="office",
        full_name="督查室王敏",
        password=PASSWORD,
        units=[root],
    )
    liaison = org.person_create(
        actor=SYSTEM,
        username="liaison",
        role="liaison",
        full_name="李联络",
        password=PASSWORD,
        units=[unit_a],
    )
    leader = org.person_create(
        actor=SYSTEM,
        username="leader",
        role="leader",
        full_name="张主任",
        password=PASSWORD,
        units=[root],
    )
    plan = work.plan_create(
        actor=SYSTEM,
        title="2022年创建国家高新区实施方案",
        title_en="High-tech zone plan",
        year=2022,
    )
    return {
        "root": root,
        "unit_a": unit_a,
        "office": office,
        "liaison": liaison,
        "leader": leader,
        "plan": plan,
    }


def test_whole_loop_through_the_pages(
    new_page, live_server, office_setup, output_dir: Path, tmp_path: Path
):  # type: ignore[no-untyped-def]
    url = live_server.url
    today = timezone.localdate()

    # The office assigns a task on the page.
    office = new_page("office")
    office.goto(f"{url}/tasks/new/?plan={office_setup['plan'].pk}")
    office.fill("input[name=serial]", "1.1")
    office.fill("input[name=title]", "建设科技企业孵化器")
    office.select_option("select[name=lead_unit]", str(office_setup["unit_a"].pk))
    office.select_option("select[name=leader]", str(office_setup["leader"].pk))
    office.fill("input[name=start_date]", (today - dt.timedelta(days=3)).isoformat())
    office.fill("input[name=deadline]", (today + dt.timedelta(days=60)).isoformat())
    office.click("button[type=submit].primary")
    office.wait_for_url(f"{url}/tasks/*/")
    task = Task.objects.get(title="建设科技企业孵化器")
    assert task.state == "assigned"

    # The liaison sees it in the inbox and claims it.
    liaison = new_page("liaison")
    assert "建设科技企业孵化器" in liaison.inner_text("#to-claim")
    liaison.click("#to-claim button:has-text('Claim')")
    liaison.wait_for_load_state()
    task.refresh_from_db()
    assert task.state == "in_progress" and task.claimed_at is not None

    # The liaison files this week's report with an attachment.
    evidence = tmp_path / "孵化器照片.png"
    evidence.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 64)
    liaison.goto(f"{url}/tasks/{task.pk}/report/")
    liaison.fill("textarea[name=text]", "完成选址，签订租赁协议。")
    liaison.fill("input[name=percent]", "30")
    liaison.set_input_files("input[name=attachments]", str(evidence))
    liaison.click("[data-testid=submit-report]")
    liaison.wait_for_url(f"{url}/tasks/{task.pk}/")
    report = ProgressReport.objects.get(task=task)
    assert report.state == "submitted" and report.attachments.count() == 1

    # The office returns it with a comment.
    office.goto(f"{url}/tasks/{task.pk}/")
    office.fill("#reports input[name=comment]", "请补充孵化面积数据")
    office.click(f"[data-testid=return-{report.period_label}]")
    office.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "returned"

    # The liaison revises it from the inbox and submits again.
    liaison.goto(f"{url}/inbox/")
    assert "请补充孵化面积数据" in liaison.inner_text("#returned")
    liaison.click("#returned a")
    liaison.fill("textarea[name=text]", "完成选址，签订租赁协议，孵化面积1.2万平方米。")
    liaison.fill("input[name=percent]", "35")
    liaison.click("[data-testid=submit-report]")
    liaison.wait_for_url(f"{url}/tasks/{task.pk}/")

    # The office accepts it from its inbox.
    office.goto(f"{url}/inbox/")
    office.click("#to-review button[value=accept]")
    office.wait_for_load_state()
    report.refresh_from_db()
    assert report.state == "accepted" and report.return_count == 1

    # The liaison asks to close with evidence; the office verifies and closes.
    pdf = tmp_path / "验收报告.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    liaison.goto(f"{url}/tasks/{task.pk}/")
    liaison.click("#ask-close summary")
    liaison.fill("#ask-close textarea[name=summary]", "孵化器已投入运营，入驻企业12家。")
    liaison.set_input_files("#ask-close input[name=attachments]", str(pdf))
    liaison.click("#ask-close button[type=submit]")
    liaison.wait_for_load_state()
    task.refresh_from_db()
    assert task.state == "closing"

    office.goto(f"{url}/tasks/{task.pk}/")
    # 100 % is the office's explicit choice at closing (issue 13, point 2).
    office.check("[data-testid=set-complete]")
    office.click("[data-testid=close-approve]")
    office.wait_for_load_state()
    task.refresh_from_db()
    assert task.state == "closed" and task.progress == 100

    # The timeline tells the story; take a screenshot for review.
    timeline = office.inner_text("#timeline")
    for word in (
        "Assigned",
        "Claimed",
        "Report submitted",
        "Report returned",
        "Report accepted",
        "Closing requested",
        "Closed with evidence",
    ):
        assert word in timeline
    office.screenshot(path=str(output_dir / "task-closed.png"), full_page=True)
    liaison.goto(f"{url}/inbox/")
    liaison.screenshot(path=str(output_dir / "liaison-inbox.png"), full_page=True)
    assert not new_page.errors, new_page.errors


def test_interface_switches_to_chinese(new_page, live_server, office_setup, output_dir: Path):  # type: ignore[no-untyped-def]
    page = new_page("office", lang="en-US")
    assert "Inbox" in page.inner_text("header")
    page.click("[data-testid=lang-zh-hans]")
    page.wait_for_load_state()
    assert "待办" in page.inner_text("header") or "收件箱" in page.inner_text("header")
    page.screenshot(path=str(output_dir / "inbox-zh.png"), full_page=True)
