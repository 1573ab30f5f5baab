"""The monthly review: figures from the record, remarks, publishing (frozen
figures, units told), and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from duban.assessment import services
from duban.assessment.review import month_review
from duban.lib import periods
from duban.notify.fanout import fan_out
from duban.notify.models import Notification
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
