"""The weekly meeting first hears how earlier assignments stand
(上周交办事项完成情况), computed from the record, then assigns new tasks."""

from __future__ import annotations

import datetime as dt

import pytest

from duban.work import queries, services
from duban.work.models import TaskSource

from .. import factories as f

D = dt.date


@pytest.fixture
def meetings(office, liaison_a, liaison_b, unit_a, unit_b, clock):
    """Weekly meetings No. 78 (4 March), 79 (11 March) and 80 (today, 18 March)."""
    t = {}

    def assign(meeting, name, unit, deadline, claim=None):
        task = f.task(
            office, unit, meeting=meeting, start=meeting.date, deadline=deadline, title=name
        )
        if claim:
            task = services.task_claim(actor=claim, task=task)
        t[name] = task
        return task

    clock.move_to(f.at(2026, 3, 4, 9))
    m78 = f.meeting(office, D(2026, 3, 4), number=78)
    assign(m78, "old_still_open", unit_a, D(2026, 4, 30), claim=liaison_a)
    assign(m78, "old_closed_before_79", unit_a, D(2026, 4, 30), claim=liaison_a)
    assign(m78, "old_closed_after_79", unit_b, D(2026, 4, 30), claim=liaison_b)
    assign(m78, "old_closed_on_79s_morning", unit_a, D(2026, 4, 30), claim=liaison_a)
    clock.move_to(f.at(2026, 3, 9, 9))
    f.close(office, liaison_a, t["old_closed_before_79"])
    # 07:00 on 11 March in Shanghai is still 10 March in UTC: the day is the office's.
    clock.move_to(f.at(2026, 3, 11, 7))
    f.close(office, liaison_a, t["old_closed_on_79s_morning"])

    clock.move_to(f.at(2026, 3, 11, 9))
    m79 = f.meeting(office, D(2026, 3, 11), number=79)
    assign(m79, "on_time", unit_a, D(2026, 3, 15), claim=liaison_a)
    assign(m79, "late", unit_a, D(2026, 3, 13), claim=liaison_a)
    assign(m79, "overdue", unit_b, D(2026, 3, 15), claim=liaison_b)
    assign(m79, "unclaimed", unit_b, D(2026, 4, 15))
    assign(m79, "on_track", unit_a, D(2026, 4, 30), claim=liaison_a)
    assign(m79, "closing", unit_a, D(2026, 4, 30), claim=liaison_a)

    clock.move_to(f.at(2026, 3, 12, 17))
    f.close(office, liaison_b, t["old_closed_after_79"])
    clock.move_to(f.at(2026, 3, 14, 10))
    services.close_request_create(
        actor=liaison_a, task=t["closing"], summary="已完成。", files=[f.pdf()]
    )
    clock.move_to(f.at(2026, 3, 15, 23, 30))  # closed on the last day: on time
    f.close(office, liaison_a, t["on_time"])
    clock.move_to(f.at(2026, 3, 16, 9))  # three days past its deadline
    f.close(office, liaison_a, t["late"])

    clock.move_to(f.NOW)
    m80 = f.meeting(office, f.TODAY, number=80)
    assign(m80, "new_this_week", unit_a, D(2026, 3, 25))
    monthly = f.meeting(office, D(2026, 3, 1), kind="monthly", title="二月月度点评会")
    assign(monthly, "from_another_kind_of_meeting", unit_a, D(2026, 3, 10), claim=liaison_a)
    return {"78": m78, "79": m79, "80": m80, "tasks": t}


EXPECTED = {
    "on_time": "closed_on_time",
    "late": "closed_late",
    "overdue": "overdue",
    "unclaimed": "unclaimed",
    "on_track": "on_track",
    "closing": "closing",
    "old_still_open": "on_track",
    "old_closed_after_79": "closed_on_time",
    "old_closed_on_79s_morning": "closed_on_time",
}


def test_the_meeting_hears_how_earlier_assignments_stand(as_, office, meetings):
    response = as_(office).get(f"/meetings/{meetings['80'].pk}/")
    assert response.status_code == 200
    standing = {row.task.title: row.status for row in response.context["standing"]}
    assert standing == EXPECTED
    assert response.context["summary"] == {
        "closed_on_time": 3,
        "closed_late": 1,
        "overdue": 1,
        "unclaimed": 1,
        "on_track": 2,
        "closing": 1,
    }
    html = response.content.decode()
    for label in ("Closed on time", "Closed late", "Overdue", "Not claimed", "In progress"):
        assert label in html


def test_last_weeks_assignments_come_first_then_older_open_ones(as_, office, meetings):
    rows = as_(office).get(f"/meetings/{meetings['80'].pk}/").context["standing"]
    meeting_numbers = [row.meeting.number for row in rows]
    assert meeting_numbers == sorted(meeting_numbers, reverse=True)
    assert meeting_numbers.count(79) == 6


def test_what_was_assigned_at_this_meeting_is_listed_separately(as_, office, meetings):
    response = as_(office).get(f"/meetings/{meetings['80'].pk}/")
    assert [t.title for t in response.context["assignments"]] == ["new_this_week"]
    assert "new_this_week" not in {row.task.title for row in response.context["standing"]}


def test_overdue_is_judged_against_the_day_asked_about(office, meetings):
    # Asked about 15 March, the task due that day is not overdue yet.
    rows = queries.meeting_standing(meetings["80"], office, D(2026, 3, 15))
    standing = {row.task.title: row.status for row in rows}
    assert standing["overdue"] == "on_track"
    assert standing["late"] == "closed_late", "closing late stays late"


def test_an_earlier_meetings_page_shows_the_meeting_before_it(as_, office, meetings):
    rows = as_(office).get(f"/meetings/{meetings['79'].pk}/").context["standing"]
    standing = {row.task.title: row.status for row in rows}
    assert standing == {
        "old_still_open": "on_track",
        "old_closed_before_79": "closed_on_time",
        "old_closed_after_79": "closed_on_time",
        "old_closed_on_79s_morning": "closed_on_time",
    }


def test_the_first_meeting_of_its_kind_has_nothing_to_hear(as_, office, meetings):
    response = as_(office).get(f"/meetings/{meetings['78'].pk}/")
    assert not response.context["standing"] and list(response.context["standing"]) == []
    assert "This is the first meeting of its kind" in response.content.decode()


def test_a_liaison_hears_only_about_tasks_they_see(as_, liaison_b, meetings):
    rows = as_(liaison_b).get(f"/meetings/{meetings['80'].pk}/").context["standing"]
    assert {row.task.title for row in rows} == {"overdue", "unclaimed", "old_closed_after_79"}


def test_assigning_at_a_meeting_records_the_source_and_the_meeting(as_, office, unit_a, meetings):
    response = as_(office).post(
        f"/tasks/new/?meeting={meetings['80'].pk}",
        {
            "title": "会上交办的任务",
            "source": "meeting",
            "lead_unit": unit_a.pk,
            "start_date": "2026-03-18",
            "deadline": "2026-03-31",
            "cadence": "weekly",
            "weight": "1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"/meetings/{meetings['80'].pk}/"
    task = meetings["80"].assignments.get(title="会上交办的任务")
    assert task.source == TaskSource.MEETING
    assert task.events.get().data["meeting"] == str(meetings["80"])


def test_the_meeting_list_counts_assignments(as_, office, meetings):
    page = as_(office).get("/meetings/").context["page"]
    counts = {m.number: m.assignment_count for m in page.object_list if m.number}
    assert counts == {80: 1, 79: 6, 78: 4}


def test_a_new_meeting_proposes_the_next_number(as_, office, meetings):
    form = as_(office).get("/meetings/new/").context["form"]
    assert form.initial["number"] == 81
    assert form.initial["date"] == f.TODAY


def test_a_meeting_number_is_used_once_per_kind(as_, office, meetings):
    before = f.snapshot()
    response = as_(office).post(
        "/meetings/new/", {"kind": "weekly", "number": "80", "date": "2026-03-25"}
    )
    assert response.status_code == 400
    assert f.snapshot() == before


def test_the_standing_lists_the_first_ones_and_counts_them_all_in_fixed_queries(
    as_, office, meetings, monkeypatch, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = as_(office)
    url = f"/meetings/{meetings['80'].pk}/"
    whole = client.get(url).context["standing"]
    assert whole.total == len(whole.rows) == 9
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    monkeypatch.setattr(queries, "STANDING_SHOWN", 3)
    with CaptureQueriesContext(connection) as cut:
        page = client.get(url)
    standing = page.context["standing"]
    assert [r.task.pk for r in standing] == [r.task.pk for r in whole][:3]
    assert standing.total == 9 and standing.summary == whole.summary
    assert sum(standing.summary.values()) == 9
    assert "The first 3 of 9." in page.content.decode()
    assert len(cut) == len(few)
