"""Reviewing at the speed of the inbox (issue 13, point 3): the office reads each
waiting report with its files, accepts several at once, returns one with a
comment without leaving the page, and the banner says what was decided."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from duban.audit.models import AuditEvent
from duban.org.models import Role, Unit
from duban.work import services
from duban.work.models import ProgressReport

from .. import factories as f

DOCX_BYTES = b"PK\x03\x04" + b"\x00" * 40
PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40


@pytest.fixture
def waiting(office, liaison_a, unit_a):
    """Three of unit A's reports waiting for review, last week's, on three tasks."""
    tasks = [f.claimed(office, liaison_a, unit_a) for _ in range(3)]
    return [f.report(liaison_a, t, period=f.LAST_WEEK) for t in tasks]


def _inbox(client) -> str:
    response = client.get("/inbox/")
    assert response.status_code == 200
    return response.content.decode()


def _versions_shown(html: str) -> dict[int, str]:
    return {int(pk): v for pk, v in re.findall(r'name="version-(\d+)" value="(\d+)" form="', html)}


def _accept_ticked(client, reports, shown, **extra):
    data = {"report": [str(r.pk) for r in reports], "next": "/inbox/#to-review", **extra}
    data.update({f"version-{pk}": v for pk, v in shown.items()})
    return client.post("/reports/accept/", data)


def _banners(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _states(reports) -> list[str]:
    return [ProgressReport.objects.get(pk=r.pk).state for r in reports]


# --- accepting several at once ------------------------------------------------------


def test_three_ticked_reports_one_filed_again_meanwhile_two_are_accepted(
    as_, office, liaison_a, waiting
):
    client = as_(office)
    shown = _versions_shown(_inbox(client))
    assert set(shown) == {r.pk for r in waiting}
    # After the page was loaded a colleague returns the third and the unit files it again.
    stale = waiting[2]
    services.report_review(actor=office, report=stale, accept=False, comment="补充数据。")
    f.report(liaison_a, stale.task, period=f.LAST_WEEK, text="已补充数据。")

    response = _accept_ticked(client, waiting, shown)
    assert response.status_code == 302
    assert response["Location"] == "/inbox/#to-review"
    # An outcome per report: the two the person read are accepted, the one
    # changed since is left as the unit filed it, for them to read.
    assert _states(waiting) == ["accepted", "accepted", "submitted"]
    page = client.get(response["Location"])
    banners = _banners(page)
    assert banners[0] == (
        "Accepted 2 reports: Development and Reform Bureau Week 11 (9–15 Mar); "
        "Development and Reform Bureau Week 11 (9–15 Mar)."
    )
    assert banners[1] == (
        "Skipped Development and Reform Bureau's report for Week 11 (9–15 Mar): "
        "it was filed again since you loaded the page."
    )
    assert [r.pk for r in page.context["box"].to_review] == [stale.pk]


def test_a_report_decided_meanwhile_is_named_and_left_as_it_is(as_, office, waiting):
    client = as_(office)
    shown = _versions_shown(_inbox(client))
    services.report_review(actor=office, report=waiting[0], accept=False, comment="补充。")
    response = _accept_ticked(client, waiting[:2], shown)
    assert _states(waiting[:2]) == ["returned", "accepted"]
    banners = _banners(client.get(response["Location"]))
    assert banners == [
        "Accepted 1 report: Development and Reform Bureau Week 11 (9–15 Mar).",
        "Skipped Development and Reform Bureau's report for Week 11 (9–15 Mar): "
        "it was reviewed meanwhile (Returned).",
    ]


def test_the_batch_banner_in_chinese(as_, office, liaison_a, claimed_task, waiting):
    this_week = f.report(liaison_a, claimed_task, period=f.THIS_WEEK)
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    shown = _versions_shown(_inbox(client))
    response = _accept_ticked(client, [waiting[0], this_week], shown)
    assert _banners(client.get(response["Location"])) == [
        "已通过 2 份报告：发展改革局 第11周（3月9日—15日）、发展改革局 第12周（3月16日—22日）。"
    ]


def test_nothing_ticked_says_so(as_, office, waiting):
    client = as_(office)
    response = client.post("/reports/accept/", {"next": "/inbox/"}, follow=True)
    assert _banners(response) == ["Tick the reports to accept."]
    assert _states(waiting) == ["submitted"] * 3


@pytest.mark.parametrize("who", ["leader", "liaison_a", "liaison_b"])
def test_only_the_office_accepts_several_at_once(as_, request, office, waiting, who):
    shown = {r.pk: str(r.version) for r in waiting}
    response = _accept_ticked(as_(request.getfixturevalue(who)), waiting, shown)
    assert response.status_code == 403
    assert _states(waiting) == ["submitted"] * 3


@pytest.fixture
def district_office(db):
    """A district that runs its own office, with its office person and one
    report of its own waiting."""
    district = f.unit("D", "辛店镇", name_en="Xindian Town", kind="district")
    Unit.objects.filter(pk=district.pk).update(runs_office=True)
    district.refresh_from_db()
    village = f.unit("D1", "东村", name_en="East Village", parent=district)
    office_d = f.person("office_d", Role.OFFICE, units=[district])
    liaison_d = f.person("liaison_d", Role.LIAISON, units=[village])
    own = f.claimed(office_d, liaison_d, village)
    return office_d, f.report(liaison_d, own, period=f.LAST_WEEK)


def test_another_offices_report_refuses_the_whole_batch(as_, waiting, district_office):
    office_d, own = district_office
    ticked = [own, waiting[0]]
    shown = {r.pk: str(r.version) for r in ticked}
    response = _accept_ticked(as_(office_d), ticked, shown)
    assert response.status_code == 404
    assert _states(ticked) == ["submitted", "submitted"]  # not even its own


def test_the_service_refuses_a_report_out_of_scope_before_writing_any(waiting, district_office):
    office_d, own = district_office
    ticked = [own, waiting[0]]
    with pytest.raises(PermissionDenied):
        services.reports_accept_many(
            actor=office_d,
            report_ids=[r.pk for r in ticked],
            versions={r.pk: r.version for r in ticked},
        )
    assert _states(ticked) == ["submitted", "submitted"]


def test_the_service_skips_a_report_whose_version_was_not_given(office, waiting):
    outcome = services.reports_accept_many(
        actor=office,
        report_ids=[r.pk for r in waiting],
        versions={waiting[0].pk: waiting[0].version},
    )
    assert [r.pk for r in outcome.accepted] == [waiting[0].pk]
    assert [s.report.pk for s in outcome.skipped] == [waiting[1].pk, waiting[2].pk]
    assert _states(waiting) == ["accepted", "submitted", "submitted"]


# --- one at a time, from the inbox ---------------------------------------------------


def test_accepting_one_says_whose_report_for_which_period(as_, office, waiting):
    client = as_(office)
    response = client.post(
        f"/reports/{waiting[0].pk}/review/",
        {"decision": "accept", "next": "/inbox/#to-review"},
    )
    assert response["Location"] == "/inbox/#to-review"
    assert _banners(client.get("/inbox/")) == [
        "Accepted Development and Reform Bureau's report for Week 11 (9–15 Mar)."
    ]
    zh = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    zh.post(f"/reports/{waiting[1].pk}/review/", {"decision": "accept", "next": "/inbox/"})
    assert _banners(zh.get("/inbox/")) == ["已通过发展改革局 第11周（3月9日—15日）报告。"]


def test_returning_one_with_a_comment_stays_in_the_inbox(as_, office, waiting):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = _inbox(client)
    assert f'action="/reports/{waiting[0].pk}/review/"' in html
    response = client.post(
        f"/reports/{waiting[0].pk}/review/",
        {"decision": "return", "comment": "请补充照片。", "next": "/inbox/#to-review"},
    )
    assert response["Location"] == "/inbox/#to-review"
    returned = ProgressReport.objects.get(pk=waiting[0].pk)
    assert (returned.state, returned.review_comment) == ("returned", "请补充照片。")
    assert _banners(client.get("/inbox/")) == ["已退回发展改革局 第11周（3月9日—15日）报告。"]


def test_returning_without_a_comment_says_why_and_changes_nothing(as_, office, waiting):
    client = as_(office)
    client.post(f"/reports/{waiting[0].pk}/review/", {"decision": "return", "next": "/inbox/"})
    assert _banners(client.get("/inbox/")) == ["Say why the report is returned."]
    assert _states(waiting[:1]) == ["submitted"]


# --- the files, in the inbox ----------------------------------------------------------


@pytest.fixture
def with_files(office, liaison_a, unit_a):
    task = f.claimed(office, liaison_a, unit_a)
    files = [
        f.pdf("现场照片说明.pdf"),
        f.upload("现场.png", PNG_BYTES, "image/png"),
        f.upload("台账.docx", DOCX_BYTES),
    ]
    report = f.report(liaison_a, task, period=f.LAST_WEEK, text="完成选址。", files=files)
    return {a.original_name: a for a in report.attachments.all()}


def test_each_waiting_report_shows_its_text_percent_and_files(as_, office, with_files):
    html = _inbox(as_(office))
    assert "完成选址。" in html and "30%" in html
    pdf, png, docx = with_files["现场照片说明.pdf"], with_files["现场.png"], with_files["台账.docx"]
    # A PDF and an image open in a new tab; an Office file is saved.
    for shown in (pdf, png):
        assert f'href="/attachments/{shown.pk}/view/" target="_blank" rel="noopener"' in html
        assert f'href="/attachments/{shown.pk}/"' in html  # and may be saved too
    assert f'href="/attachments/{docx.pk}/view/"' not in html
    assert f'href="/attachments/{docx.pk}/" data-testid="download-{docx.pk}"' in html
    assert "48\xa0bytes" in html  # each file's size


@pytest.mark.parametrize(
    ("name", "content_type"), [("现场照片说明.pdf", "application/pdf"), ("现场.png", "image/png")]
)
def test_a_pdf_or_an_image_opens_in_the_browser_still_sandboxed(
    as_, office, with_files, name, content_type
):
    attachment = with_files[name]
    response = as_(office).get(f"/attachments/{attachment.pk}/view/")
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "no-store"
    row = AuditEvent.objects.filter(action="attachment.downloaded").latest("id")
    assert row.detail["file"] == name and row.detail["shown"] is True


def test_an_office_file_asked_to_be_shown_is_saved(as_, office, with_files):
    docx = with_files["台账.docx"]
    response = as_(office).get(f"/attachments/{docx.pk}/view/")
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Security-Policy"] == "sandbox; default-src 'none'"
    row = AuditEvent.objects.filter(action="attachment.downloaded").latest("id")
    assert "shown" not in row.detail


def test_a_download_is_still_saved_whatever_its_type(as_, office, with_files):
    pdf = with_files["现场照片说明.pdf"]
    response = as_(office).get(f"/attachments/{pdf.pk}/")
    assert response["Content-Disposition"].startswith("attachment;")


def test_another_unit_cannot_open_the_files(as_, liaison_b, with_files):
    pdf = with_files["现场照片说明.pdf"]
    assert as_(liaison_b).get(f"/attachments/{pdf.pk}/view/").status_code == 404


# --- the task page's header -----------------------------------------------------------


def _header(html: str) -> str:
    return html[html.index('<div class="head-row">') : html.index('<div class="grid">')]


def test_the_liaison_asks_for_time_or_to_close_from_the_header(as_, liaison_a, claimed_task):
    html = as_(liaison_a).get(f"/tasks/{claimed_task.pk}/").content.decode()
    header = _header(html)
    assert 'data-testid="ask-deadline"' in header and "Ask for more time" in header
    assert 'data-testid="ask-close"' in header and "Ask to close" in header
    assert f'action="/tasks/{claimed_task.pk}/deadline/"' in header
    assert f'action="/tasks/{claimed_task.pk}/close/"' in header
    assert html.count(f'action="/tasks/{claimed_task.pk}/close/"') == 1  # not at the bottom too


@pytest.mark.parametrize("who", ["office", "leader", "liaison_c"])
def test_those_who_may_not_ask_do_not_see_the_buttons(as_, request, claimed_task, who):
    html = as_(request.getfixturevalue(who)).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert 'data-testid="ask-deadline"' not in html
    assert 'data-testid="ask-close"' not in html


def test_a_refused_request_to_close_opens_its_form_in_the_header(as_, liaison_a, claimed_task):
    response = as_(liaison_a).post(f"/tasks/{claimed_task.pk}/close/", {"summary": ""})
    header = _header(response.content.decode())
    assert '<details class="ask" id="ask-close" open>' in header
