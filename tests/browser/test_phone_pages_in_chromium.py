"""Liaisons and leaders on a phone (issue 13, point 6).

A 390×844 touch screen as the in-app browsers of DingTalk, WeCom and Feishu
present themselves (their user agents). Two tests:

1. Every page a liaison and a leader open, on the demo office (long Chinese
   names, real lists), in Chinese; on each page as it loads and again with
   every ``<details>`` opened (the forms folded behind "Appeal", "Ask for
   more time"...):

   - nothing scrolls sideways: ``document.documentElement.scrollWidth <= 390``
     (a wide table may scroll inside its own box);
   - every visible thing a thumb taps is at least 44 px high: links, buttons,
     fields, selects, summaries, and for a checkbox its label (the checkbox
     counts through its label). One exception, by rule: a link inside a
     ``p`` paragraph, a sentence of running text that names a page (WCAG
     2.5.8's "inline" exception). The site's top bar is
     tests/browser/test_navigation_in_chromium.py's (its menu is folded here);
   - no script error, failed request or console error;
   - a full-page screenshot of each, in ``output_dir`` (``liaison/``,
     ``leader/``; ``*-opened.png`` with the details open, ``en-*`` in English).

   Then the same pages in English (longer words), for overflow.

2. A liaison's weekly part with one thumb: claim from the inbox, report with a
   file and a photo from the camera, ask to close, answer a supervision
   notice, appeal a warning, ask for more time, each by taps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from django.utils import timezone

from duban.lib import periods
from duban.ops import demo
from duban.org.models import Person, Unit

PASSWORD = "pw-for-tests"
WIDTH, HEIGHT = 390, 844
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 16_0 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Mobile/15E148"
)
ANDROID = (
    "Mozilla/5.0 (Linux; Android 13; V2203A) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36"
)
USER_AGENTS = {
    "dingtalk": f"{IPHONE} DingTalk/7.0.40",
    "wecom": f"{IPHONE} wxwork/4.1.0 MicroMessenger/7.0.1",
    "feishu": f"{ANDROID} Lark/6.0.0 Feishu",
}

# The rule of the module's docstring, in the page: the targets under 44 px.
SMALL_TARGETS = """() => {
  const shown = e => e.checkVisibility({checkOpacity: true, checkVisibilityCSS: true})
    && e.getClientRects().length > 0;
  const text = e => (e.innerText || e.value || e.getAttribute('aria-label') || '').trim();
  const name = e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '')
    + (e.getAttribute('name') ? '[name=' + e.getAttribute('name') + ']' : '')
    + ' "' + text(e).slice(0, 40) + '"';
  const seen = new Set(), small = [];
  const taps = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
  for (const e of document.querySelectorAll(taps)) {
    if (e.closest('header.top') || !shown(e)) continue;
    if (e.matches('a') && e.closest('p')) continue;
    let target = e;
    if (e.matches('input[type=checkbox], input[type=radio]')) {
      const labels = [...(e.labels || [])].filter(shown);
      if (labels.length) target = labels.reduce(
        (a, b) => a.getBoundingClientRect().height >= b.getBoundingClientRect().height ? a : b);
    }
    if (seen.has(target)) continue;
    seen.add(target);
    const height = target.getBoundingClientRect().height;
    if (height < 44) small.push(name(target) + ' ' + Math.round(height) + 'px');
  }
  return small;
}"""
WIDE = "() => document.documentElement.scrollWidth"
OPEN_ALL = "() => document.querySelectorAll('main details').forEach(d => { d.open = true; })"
CLOSED = "() => document.querySelectorAll('main details:not([open])').length"


@pytest.fixture
def phone(browser, live_server) -> Iterator[Any]:  # type: ignore[no-untyped-def]
    """``phone(username, lang=..., app=...)``: a page on a 390 px touch screen,
    signed in (by taps) unless the username is None; ``phone.errors`` gathers
    every script error, console error and failed request of every page."""
    contexts = []
    errors: list[str] = []

    def open_as(username: str | None, *, lang: str, app: str) -> Any:
        context = browser.new_context(
            locale=lang,
            viewport={"width": WIDTH, "height": HEIGHT},
            device_scale_factor=1,  # CSS pixels; a phone's 3 only slows the screenshots
            is_mobile=True,
            has_touch=True,
            user_agent=USER_AGENTS[app],
        )
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.on("pageerror", lambda exc: errors.append(f"{page.url}: {exc}"))
        page.on(
            "response",
            lambda r: errors.append(f"{r.status} {r.url}") if r.status >= 400 else None,
        )
        page.on(
            "console",
            lambda msg: errors.append(f"{page.url}: {msg.text}") if msg.type == "error" else None,
        )
        if username:
            page.goto(f"{live_server.url}/login/")
            page.fill("input[name=username]", username)
            page.fill("input[name=password]", PASSWORD)
            page.tap("main button[type=submit]")
            page.wait_for_url(lambda url: "/login/" not in url)
        return page

    open_as.errors = errors  # type: ignore[attr-defined]
    yield open_as
    for context in contexts:
        context.close()


def _shot(page: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True, scale="css")


# --- 1. every page ------------------------------------------------------------------------


@pytest.fixture
def demo_office(transactional_db) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """The demo office, dated today, and what the pages need from it: a task to
    claim, one reported on week after week, one with a supervision notice
    waiting for the liaison's answer, an active warning on the liaison's unit,
    a project, an indicator target of the unit, last month's published review."""
    from duban.projects import indicators
    from duban.projects.models import BatchEvent, Indicator, IndicatorTarget, Project
    from duban.supervision import services as supervision
    from duban.supervision.models import SupervisionNotice, TaskWarning
    from duban.work.models import Meeting, Plan, Task

    demo.load()
    for person in Person.objects.filter(username__in=["liaison", "leader"]):
        person.set_password(PASSWORD)
        person.save(update_fields=["password"])
    leader = Person.objects.get(username="leader")
    office = Person.objects.get(username="office")
    unit = Unit.objects.get(code="LYHT-JFB")
    today = timezone.localdate()
    mine = Task.objects.filter(lead_unit=unit, is_parent=False)
    reported = mine.filter(state="in_progress", reports__isnull=False).distinct().first()
    assert reported is not None
    notice = SupervisionNotice.objects.filter(unit=unit, answered_at__isnull=True).first()
    if notice is None:
        lagging = mine.filter(state="in_progress").exclude(pk=reported.pk).order_by("progress")
        notice = supervision.notice_issue(
            actor=office,
            task=lagging.first(),
            reason="该事项进度明显滞后于时序进度，请于答复期限前书面说明原因、整改措施和完成时间。",
            answer_by=today + dt.timedelta(days=5),
        )
    assert TaskWarning.objects.filter(unit=unit, cleared_at__isnull=True).exists()
    if not IndicatorTarget.objects.filter(unit=unit).exists():
        # The demo's targets are the parks'; here the department reports one too.
        indicators.target_set(
            actor=office,
            indicator=Indicator.objects.get(code="hitech"),
            unit=unit,
            year=today.year,
            target=Decimal(15),
        )
    quarter = periods.quarter_containing(today)
    return SimpleNamespace(
        leader=leader,
        unit=unit,
        to_claim=mine.filter(state="assigned").first(),
        reported=reported,
        noticed=notice.task,
        closed=Task.objects.filter(state="closed", lead_unit=unit).first()
        or Task.objects.filter(state="closed").first(),
        parent=Task.objects.filter(is_parent=True, children__lead_unit=unit).first(),
        led=Task.objects.filter(leader=leader, is_parent=False, state="in_progress").first(),
        project=Project.objects.filter(unit=unit).first(),
        batch=BatchEvent.objects.first(),
        target=IndicatorTarget.objects.filter(unit=unit).first(),
        plan=Plan.objects.first(),
        meeting=Meeting.objects.order_by("-date").first(),
        quarter=quarter.label,
        last_quarter=quarter.previous().label,
        month=periods.period_containing(today, periods.MONTHLY).previous().label,
    )


def pages_of(who: str, w: SimpleNamespace) -> list[tuple[str, str]]:
    """(name, path) of every page the person reaches from the menu and the
    pages those lead to; the forms of the task page are opened by the sweep."""
    pages = [
        ("inbox", "/inbox/"),
        ("cockpit", "/cockpit/"),
        ("tasks", "/tasks/"),
        (
            "tasks-filtered",
            f"/tasks/?q=%E4%BC%81%E4%B8%9A&unit={w.unit.pk}&due=overdue&closed=on&sort=deadline",
        ),
        ("tasks-mine", f"/tasks/?leader={w.leader.pk}"),
        ("task-reported", f"/tasks/{w.reported.pk}/"),
        ("task-noticed", f"/tasks/{w.noticed.pk}/"),
        ("task-closed", f"/tasks/{w.closed.pk}/"),
        ("task-with-measures", f"/tasks/{w.parent.pk}/"),
        ("warnings", "/warnings/"),
        ("warnings-of-unit", f"/warnings/?unit={w.unit.pk}"),
        ("projects", "/projects/"),
        ("project", f"/projects/{w.project.pk}/"),
        ("batches", "/batches/"),
        ("batch", f"/batches/{w.batch.pk}/"),
        ("batch-by-park", f"/batches/{w.batch.pk}/?by=park"),
        ("indicators", "/indicators/"),
        ("reporting", "/reporting/"),
        ("reporting-of-unit", f"/reporting/?unit={w.unit.pk}"),
        ("reviews", "/reviews/"),
        ("review", f"/reviews/{w.month}/"),
        ("assessment", f"/assessment/{w.quarter}/"),
        ("assessment-last-quarter", f"/assessment/{w.last_quarter}/"),
        ("messages", "/messages/"),
        ("meetings", "/meetings/"),
        ("meeting", f"/meetings/{w.meeting.pk}/"),
        ("plans", "/plans/"),
        ("plan", f"/plans/{w.plan.pk}/"),
        ("units", "/units/"),
        ("unit", f"/units/{w.unit.pk}/"),
        ("account", "/account/"),
        ("password", "/account/password/"),
        ("second-factor", "/account/second-factor/setup/"),
        ("tokens", "/me/tokens/"),
    ]
    if who == "liaison":
        return [
            *pages,
            ("task-to-claim", f"/tasks/{w.to_claim.pk}/"),
            ("report", f"/tasks/{w.reported.pk}/report/"),
            ("report-noticed", f"/tasks/{w.noticed.pk}/report/"),
            ("investment-report", f"/projects/{w.project.pk}/report/"),
            ("indicator-report", f"/indicators/targets/{w.target.pk}/report/"),
        ]
    return [*pages, ("task-led", f"/tasks/{w.led.pk}/"), ("big-screen", "/cockpit/screen/")]


def _sweep(page: Any, url: str, pages: list[tuple[str, str]], shots: Path, *, targets: bool):
    """Each page as it loads and with its details open: what does not fit."""
    found: dict[str, list[str]] = {}
    prefix = "" if targets else "en-"
    for name, path in pages:
        page.goto(f"{url}{path}")
        for opened in (False, True):
            if opened:
                if not page.evaluate(CLOSED):
                    break
                page.evaluate(OPEN_ALL)
            where = f"{path}{' (opened)' if opened else ''}"
            width = page.evaluate(WIDE)
            problems = [f"scrolls sideways: {width}px"] if width > WIDTH else []
            if targets:
                problems += page.evaluate(SMALL_TARGETS)
            if problems:
                found[where] = problems
            _shot(page, shots / f"{prefix}{name}{'-opened' if opened else ''}.png")
            if not targets:
                break  # in English, overflow with the details open
    return found


def test_every_page_a_liaison_and_a_leader_open_fits_a_phone(  # type: ignore[no-untyped-def]
    phone, live_server, demo_office, output_dir: Path
):
    url, found = live_server.url, {}
    signing_in = phone(None, lang="zh-CN", app="wecom")
    found.update(_sweep(signing_in, url, [("login", "/login/")], output_dir, targets=True))
    for who, app in (("liaison", "dingtalk"), ("leader", "wecom")):
        pages = pages_of(who, demo_office)
        page = phone(who, lang="zh-CN", app=app)
        for where, what in _sweep(page, url, pages, output_dir / who, targets=True).items():
            found[f"{who} {where}"] = what
        if who == "leader":
            # The cockpit's charts stack: one column, each under the one before.
            page.goto(f"{url}/cockpit/")
            boxes = page.eval_on_selector_all(
                ".cockpit > .card", "cards => cards.map(c => c.getBoundingClientRect().toJSON())"
            )
            assert len(boxes) > 3 and len({round(b["x"]) for b in boxes}) == 1, boxes
            assert all(a["bottom"] <= b["top"] for a, b in zip(boxes, boxes[1:], strict=False))
        english = phone(who, lang="en-US", app="feishu")
        for where, what in _sweep(english, url, pages, output_dir / who, targets=False).items():
            found[f"{who} {where} (en)"] = what
    assert found == {}, "\n".join(f"{where}: {what}" for where, what in found.items())
    assert phone.errors == [], phone.errors


# --- 2. the weekly part with one thumb ---------------------------------------------------------


@pytest.fixture
def week(transactional_db) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    """A department's liaison with a task newly assigned, and another in
    progress for a month without a report (so warned), with a supervision
    notice waiting for an answer."""
    from duban.ops.jobs import scan_and_notify
    from duban.org import services as org
    from duban.org.scope import SYSTEM
    from duban.supervision import services as supervision
    from duban.work import services as work

    root = org.unit_create(actor=SYSTEM, code="ZONE", name="高新区管委会", kind="committee")
    unit = org.unit_create(
        actor=SYSTEM, code="ECO", name="经济发展部", kind="department", parent=root
    )
    people = {"office": ("王敏", root), "liaison": ("李联络", unit)}
    office, liaison = (
        org.person_create(
            actor=SYSTEM,
            username=role,
            role=role,
            full_name=name,
            password=PASSWORD,
            units=[where],
        )
        for role, (name, where) in people.items()
    )
    today = timezone.localdate()
    fresh = work.task_create(
        actor=office,
        serial="1",
        title="建设科技企业孵化器",
        lead_unit=unit,
        start_date=today - dt.timedelta(days=2),
        deadline=today + dt.timedelta(days=60),
    )
    behind = work.task_create(
        actor=office,
        serial="2",
        title="督促重点企业报送季度研发投入统计数据",
        lead_unit=unit,
        start_date=today - dt.timedelta(days=35),
        deadline=today + dt.timedelta(days=20),
    )
    work.task_claim(actor=liaison, task=behind)
    notice = supervision.notice_issue(
        actor=office,
        task=behind,
        reason="该事项一个月未报送进展，请书面说明原因和整改措施。",
        answer_by=today + dt.timedelta(days=5),
    )
    scan_and_notify()
    warning = behind.warnings.filter(cleared_at__isnull=True).first()
    assert warning is not None, "a month without a report is warned"
    return SimpleNamespace(fresh=fresh, behind=behind, notice=notice, warning=warning)


def _send(page: Any, selector: str) -> None:
    """Tap a form's button and wait for the page it answers with."""
    with page.expect_navigation():
        page.tap(selector)


def _fits(page: Any) -> None:
    assert page.evaluate(WIDE) <= WIDTH, page.url
    assert page.evaluate(SMALL_TARGETS) == [], page.url


def test_a_liaison_does_the_weekly_part_with_one_thumb(  # type: ignore[no-untyped-def]
    phone, live_server, week, output_dir: Path, tmp_path: Path
):
    from duban.supervision.models import WarningAppeal
    from duban.work.models import CloseRequest, DeadlineChange, Task

    url = live_server.url
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 256)
    sheet = tmp_path / "孵化器租赁协议.pdf"
    sheet.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")
    page = phone("liaison", lang="zh-CN", app="dingtalk")

    # The inbox opens first; claim the new task there.
    page.wait_for_url(f"{url}/inbox/")
    _fits(page)
    _shot(page, output_dir / "1-inbox.png")
    _send(page, "#to-claim .row:has-text('建设科技企业孵化器') button")
    assert "建设科技企业孵化器" not in page.inner_text("#to-claim")
    assert Task.objects.get(pk=week.fresh.pk).state == "in_progress"

    # Its report: the text, the figure, a file and a photo from the camera.
    page.goto(f"{url}/tasks/{week.fresh.pk}/")
    page.tap("[data-testid=report]")
    page.wait_for_url(f"{url}/tasks/{week.fresh.pk}/report/")
    camera = page.locator("input[type=file][capture=environment]")
    assert camera.get_attribute("accept") == "image/*" and camera.is_visible()
    assert "application/pdf" in page.get_attribute("#id_attachments", "accept")
    page.fill("textarea[name=text]", "完成选址，签订租赁协议，孵化面积1.2万平方米。")
    page.fill("input[name=percent]", "20")
    page.set_input_files("#id_attachments", str(sheet))
    camera.set_input_files(str(photo))
    _fits(page)
    _shot(page, output_dir / "2-report.png")
    page.tap("[data-testid=submit-report]")
    page.wait_for_url(f"{url}/tasks/{week.fresh.pk}/")
    reports = page.inner_text("#reports")
    assert "孵化器租赁协议.pdf" in reports and "现场照片.jpg" in reports
    assert "完成选址" in reports

    # Ask to close it, the photo as the evidence.
    page.tap("[data-testid=ask-close]")
    page.fill("#ask-close textarea[name=summary]", "孵化器已投入运营，入驻企业12家。")
    page.locator("#ask-close input[capture=environment]").set_input_files(str(photo))
    _fits(page)
    _send(page, "#ask-close button[type=submit]")
    assert "办结销号" in page.inner_text(".messages")
    assert "孵化器已投入运营" in page.inner_text("#closing")
    assert CloseRequest.objects.get(task=week.fresh).attachments.count() == 1
    _shot(page, output_dir / "3-asked-to-close.png")

    # The supervision notice, from the inbox: answer it.
    page.goto(f"{url}/inbox/")
    page.tap("#notices a")
    page.wait_for_url(f"{url}/tasks/{week.behind.pk}/#notices")
    page.fill("#notices textarea[name=answer]", "已明确专人负责，本周起每周五报送进展。")
    _fits(page)
    _send(page, "[data-testid=answer-notice]")
    assert "已明确专人负责" in page.inner_text("#notices")

    # Appeal the warning.
    page.tap(f"[data-warning='{week.warning.pk}'] summary")
    page.fill(
        f"[data-warning='{week.warning.pk}'] textarea[name=reason]", "企业统计口径调整，数据待核。"
    )
    _fits(page)
    _send(page, f"[data-testid=appeal-{week.warning.pk}]")
    assert "企业统计口径调整" in page.inner_text("#warnings")
    assert WarningAppeal.objects.filter(warning=week.warning, state="pending").exists()

    # Ask for more time.
    later = week.behind.deadline + dt.timedelta(days=30)
    page.tap("[data-testid=ask-deadline]")
    page.fill("#ask-deadline input[name=new_deadline]", later.isoformat())
    page.fill("#ask-deadline textarea[name=reason]", "需等待企业年报数据。")
    _fits(page)
    _send(page, "#ask-deadline button[type=submit]")
    assert later.isoformat() in page.inner_text("#deadline")
    assert DeadlineChange.objects.get(task=week.behind).state == "pending"
    _fits(page)
    _shot(page, output_dir / "4-answered-appealed-asked.png")
    assert phone.errors == [], phone.errors
