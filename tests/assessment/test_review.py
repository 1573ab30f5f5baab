"""The monthly review: figures from the record, remarks, publishing (frozen
figures, units told), and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.assessment import services
from duban.assessment.models import KeptFigures
from duban.assessment.review import month_review
from duban.lib import periods
from duban.notify.fanout import fan_out
from duban.notify.models import Notification
from duban.ops.jobs import scan_and_notify
from duban.work import services as work

from .. import factories as f

FEB = periods.period_from_label("2026-02")
MAR = periods.period_from_label("2026-03")


@pytest.fixture
def february(office, leader, liaison_a, unit_a, unit_b, clock):
    """In February unit A closed one task on time and one late, reported progress
    on a third (10 → 60 %), got an instruction; a fourth task of unit B fell overdue."""
    clock.move_to(f.at(2026, 1, 5))
    on_time = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2026, 1, 5), deadline=dt.date(2026, 2, 20)
    )
    late = f.claimed(
        office, liaison_a, unit_a, start=dt.date(2026, 1, 5), deadline=dt.date(2026, 2, 3)
    )
    growing = f.claimed(
        office,
        liaison_a,
        unit_a,
        start=dt.date(2026, 1, 5),
        deadline=dt.date(2026, 6, 30),
        title="建设科创园区",
    )
    overdue = f.task(
        office,
        unit_b,
        start=dt.date(2026, 1, 5),
        deadline=dt.date(2026, 2, 10),
        title="完成土地征迁",
    )
    clock.move_to(f.at(2026, 1, 27))
    f.accepted(office, liaison_a, growing, period="2026-W04", percent="10")
    clock.move_to(f.at(2026, 2, 10))
    f.close(office, liaison_a, on_time)
    f.close(office, liaison_a, late)
    f.accepted(office, liaison_a, growing, period="2026-W06", percent="60")
    work.instruction_create(actor=leader, task=growing, text="加快园区建设进度。")
    clock.move_to(f.NOW)
    return {"growing": growing, "overdue": overdue}


def test_the_month_in_figures(february, unit_a, unit_b):
    with CaptureQueriesContext(connection) as queries:
        figures = month_review(FEB)
    assert len(queries.captured_queries) <= 9
    assert figures["finished"] == [
        {
            "unit_id": unit_a.pk,
            "unit": "发展改革局",
            "unit_en": "Development and Reform Bureau",
            "closed": 2,
            "on_time": 1,
        }
    ]
    assert [t["title"] for t in figures["overdue"]] == ["完成土地征迁"]
    assert figures["overdue"][0]["days"] == 18
    assert [(t["title"], t["gain"]) for t in figures["progress"]] == [("建设科创园区", "50.0")]
    assert [i["text"] for i in figures["instructions"]] == ["加快园区建设进度。"]


def test_publishing_freezes_the_figures_and_tells_the_units(
    february, office, liaison_a, liaison_b, leader, as_
):
    with pytest.raises(ValidationError):  # remarks first
        services.review_save(actor=office, month=FEB, office=f.zone(), remarks="", publish=True)
    with pytest.raises(ValidationError):  # March has not ended
        services.review_save(actor=office, month=MAR, office=f.zone(), remarks="好", publish=True)
    with pytest.raises(PermissionDenied):
        services.review_save(actor=liaison_a, month=FEB, office=f.zone(), remarks="好")
    # A draft is not shown to the units.
    services.review_save(
        actor=office, month=FEB, office=f.zone(), remarks="发展改革局按时办结率较高。"
    )
    assert as_(liaison_a).get("/reviews/2026-02/").status_code == 404
    services.review_save(
        actor=office, month=FEB, office=f.zone(), remarks="发展改革局按时办结率较高。", publish=True
    )
    fan_out()  # the worker's minute
    told = set(Notification.objects.filter(kind="review").values_list("recipient_id", flat=True))
    assert {liaison_a.pk, liaison_b.pk, leader.pk} <= told and office.pk not in told
    page = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/reviews/2026-02/")
    assert page.status_code == 200
    assert "发展改革局按时办结率较高。" in page.content.decode()
    # The record changes later; the published review does not.
    f.close(office, liaison_a, february["growing"])
    assert services.review_for(FEB, f.zone()).snapshot["overdue"][0]["title"] == "完成土地征迁"
    listing = as_(liaison_a).get("/reviews/").content.decode()
    assert "2026-02" in listing and "2026-01" not in listing


def test_the_office_page_keeps_what_was_typed_on_error(february, office, as_):
    response = as_(office).post("/reviews/2026-03/", {"remarks": "三月点评草稿", "publish": "1"})
    assert response.status_code == 400
    assert "三月点评草稿" in response.content.decode()
    assert as_(office).get("/reviews/2026-13/").status_code == 404
    assert as_(office).get("/reviews/2026-W05/").status_code == 404


def _gain(page: str) -> str:
    return page.split("建设科创园区")[1].split("→")[0].split("+")[-1].strip()


def test_a_draft_review_is_shown_as_the_worker_last_counted_it(
    february, office, liaison_a, as_, clock, settings
):
    settings.DUBAN_SCAN_EVERY_MINUTES = 60
    scan_and_notify()  # the worker: a scan, then this month's and last month's drafts kept
    kept = KeptFigures.objects.get(key=f"review {f.zone().pk} 2026-02")
    assert kept.as_of == f.TODAY and KeptFigures.objects.filter(key__endswith="2026-03").exists()
    page = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/reviews/2026-02/").content.decode()
    assert 'data-testid="counted-at"' in page and "按记录统计于 2026-03-18 10:00" in page
    assert _gain(page) == "50.0"
    # A late February report is accepted: the record moves, the kept draft does not.
    clock.move_to(f.NOW + dt.timedelta(minutes=20))
    f.accepted(office, liaison_a, february["growing"], period="2026-W08", percent="95")
    assert _gain(as_(office).get("/reviews/2026-02/").content.decode()) == "50.0"
    # Only the office counts again on demand.
    assert as_(liaison_a).post("/reviews/2026-02/recount/").status_code == 403
    with pytest.raises(PermissionDenied):
        services.recount_review(actor=liaison_a, month=FEB, office=f.zone())
    assert as_(office).post("/reviews/2026-02/recount/").status_code == 302
    page = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans").get("/reviews/2026-02/").content.decode()
    assert "按记录统计于 2026-03-18 10:20" in page and _gain(page) == "85.0"
    with pytest.raises(ValidationError):  # April has not begun
        services.recount_review(
            actor=office, month=periods.period_from_label("2026-04"), office=f.zone()
        )
    # Until two scans are missed the page shows the kept draft (here falsified,
    # to tell them apart); then it counts for its reader, and says so.
    kept = KeptFigures.objects.get(key=f"review {f.zone().pk} 2026-02")
    KeptFigures.objects.filter(pk=kept.pk).update(data={**kept.data, "progress": []})
    clock.move_to(f.NOW + dt.timedelta(minutes=20 + 119))
    page = as_(office).get("/reviews/2026-02/").content.decode()
    assert 'data-testid="counted-at"' in page and "No progress reported this month." in page
    clock.move_to(f.NOW + dt.timedelta(minutes=20 + 121))
    page = as_(office).get("/reviews/2026-02/").content.decode()
    assert 'data-testid="counted-at"' not in page
    assert _gain(page) == "85.0"
    assert KeptFigures.objects.get(pk=kept.pk).counted_at == f.NOW + dt.timedelta(minutes=20)


def test_publishing_counts_the_record_not_the_kept_draft(february, office, clock):
    scan_and_notify()
    kept = KeptFigures.objects.get(key=f"review {f.zone().pk} 2026-02")
    KeptFigures.objects.filter(pk=kept.pk).update(data={**kept.data, "progress": []})
    assert services.review_figures(services.review_for(FEB, f.zone()), FEB)[0]["progress"] == []
    services.review_save(actor=office, month=FEB, office=f.zone(), remarks="好", publish=True)
    review = services.review_for(FEB, f.zone())
    figures, counted_at = services.review_figures(review, FEB)
    assert [t["gain"] for t in figures["progress"]] == ["50.0"]
    assert counted_at == review.published_at
    with pytest.raises(ValidationError):  # frozen now
        services.recount_review(actor=office, month=FEB, office=f.zone())
    # The worker keeps this month's draft only, now that February is published.
    KeptFigures.objects.all().delete()
    scan_and_notify()
    drafts = KeptFigures.objects.filter(key__startswith="review").values_list("key", flat=True)
    assert list(drafts) == [f"review {f.zone().pk} 2026-03"]


def test_a_draft_kept_in_another_form_or_for_a_past_day_is_not_read(february, office):
    services.keep_reviews(today=f.TODAY - dt.timedelta(days=1))  # a backfill keeps nothing
    assert not KeptFigures.objects.filter(key__startswith="review").exists()
    services.keep_reviews()
    KeptFigures.objects.filter(key__startswith="review").update(form=["finished"])
    figures, counted_at = services.review_figures(services.review_for(FEB, f.zone()), FEB)
    assert counted_at is None and [t["gain"] for t in figures["progress"]] == ["50.0"]
