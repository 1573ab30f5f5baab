"""A period reads 第11周（3月9日—15日） / Week 11 (9–15 Mar) wherever a person
sees it (``periods.in_words``, tests/lib/test_periods.py has its cases); links
and the API keep the label (2026-W11)."""

from __future__ import annotations

import json

from duban.assessment import services as assessment
from duban.lib import periods
from duban.notify.fanout import fan_out
from duban.work import services

from .. import factories as f
from ..api.conftest import Api

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def test_the_task_pages_calendar_names_each_week_in_words(as_, office, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    zh = as_(office, **ZH).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert "第11周（3月9日—15日）" in zh and "第10周（3月2日—8日）" in zh
    assert 'data-period="2026-W11"' in zh  # the row keeps its key
    en = as_(office, **EN).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert "Week 11 (9–15 Mar)" in en and "Week 12 (16–22 Mar)" in en
    assert ">2026-W11<" not in en


def test_the_report_form_offers_periods_in_words_and_posts_their_labels(
    as_, liaison_a, claimed_task
):
    html = as_(liaison_a, **ZH).get(f"/tasks/{claimed_task.pk}/report/").content.decode()
    assert '<option value="2026-W11">第11周（3月9日—15日）</option>' in html


def test_the_inbox_names_a_report_waiting_for_review_by_its_week(
    as_, office, liaison_a, claimed_task
):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    html = as_(office, **EN).get("/inbox/").content.decode()
    assert "Week 11 (9–15 Mar)" in html


def test_the_reporting_page_names_the_week_and_links_its_neighbours_by_label(as_, office, task):
    html = as_(office, **ZH).get("/reporting/?period=2026-W11").content.decode()
    assert "第11周（3月9日—15日）" in html
    assert 'href="?period=2026-W10"' in html and "← 第10周（3月2日—8日）" in html
    monthly = as_(office, **EN).get("/reporting/?period=2026-02").content.decode()
    assert "February 2026" in monthly


def test_a_week_of_last_year_names_its_year(as_, office, task):
    html = as_(office, **ZH).get("/reporting/?period=2025-W52").content.decode()
    assert "2025年第52周（12月22日—28日）" in html
    html = as_(office, **EN).get("/reporting/?period=2026-W01").content.decode()
    assert "Week 1 of 2026 (29 Dec – 4 Jan)" in html


def test_the_monthly_reviews_are_listed_by_month_in_words(as_, office):
    f.zone()
    html = as_(office, **ZH).get("/reviews/").content.decode()
    assert "2026年3月" in html and "2025年12月" in html
    assert 'href="/reviews/2026-02/' in html
    assert "December 2025" in as_(office, **EN).get("/reviews/").content.decode()


def test_a_returned_report_message_names_its_week(as_, office, liaison_a, claimed_task):
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    services.report_review(actor=office, report=report, accept=False, comment="补充附件。")
    fan_out()
    html = as_(liaison_a, **ZH).get("/messages/").content.decode()
    assert "第11周（3月9日—15日）" in html


def test_the_api_keeps_the_label(liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    body = json.loads(Api(liaison_a).get(f"/tasks/{claimed_task.pk}/reports").content)
    assert [r["period"] for r in body] == ["2026-W11"]


def test_the_monthly_bulletin_title_names_the_month(as_, office):
    assessment.review_save(
        actor=office,
        month=periods.period_from_label("2026-02"),
        office=f.zone(),
        remarks="二月总体平稳。",
        publish=True,
    )
    html = as_(office, **ZH).get("/reviews/2026-02/").content.decode()
    assert "2026年2月" in html
