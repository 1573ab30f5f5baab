"""What a list's deadlines become (issue 13, point 1): "长期坚持" a long-term
task with no deadline, "每季度" a quarterly cadence, other recurring words kept
on the task, and deadlines already past either imported as written, moved to
this year with one choice, or imported as closed history."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from duban.documents.models import TaskImport
from duban.lib import deadlines
from duban.org.models import Role
from duban.supervision.models import TaskWarning
from duban.work.models import EventKind, Task, TaskState

from .. import factories as f

# A day late in the year, so that a past deadline's day this year may have
# passed (June) or not (15 December).
TODAY = dt.date(2026, 12, 1)


def sheet(rows: list[list[object]]) -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["2026年重点工作任务清单"])
    ws.append(["序号", "重点任务", "牵头单位", "完成时限"])
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


TERMS = [
    [1, "优化营商环境", "区发改委", "长期坚持"],
    [2, "报送项目进度", "区发改委", "每季度"],
    [3, "开展安全检查", "区发改委", "每半年"],
    [4, "完成园区规划修编", "区发改委", "2022年6月底前"],
    [5, "建成人才公寓", "区发改委", "2022年12月15日前"],
    [6, "出台产业政策", "区发改委", "2027年3月底前"],
]


@pytest.fixture
def world(db):
    f.zone()
    f.unit("FG", "区发改委")
    return {"office": f.person("zhou", Role.OFFICE, units=[f.zone()], full_name="周敏")}


def _through_the_page(as_, world, **choices):
    office = world["office"]
    plan = f.plan(office, title="2026年重点工作", year=2026)
    client = as_(office)
    client.post(
        f"/plans/{plan.pk}/import/", {"file": SimpleUploadedFile("清单.xlsx", sheet(TERMS))}
    )
    record = TaskImport.objects.get(plan=plan)
    page = client.get(f"/imports/{record.pk}/").content.decode()
    done = client.post(f"/imports/{record.pk}/", {"apply": "1", **choices})
    assert done.status_code == 302, done.content.decode()[:3000]
    return plan, page, {t.title: t for t in Task.objects.filter(plan=plan)}


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0), tick=False)
def test_long_term_quarterly_and_other_words(as_, world):
    _plan, page, tasks = _through_the_page(as_, world)
    ongoing = tasks["优化营商环境"]
    assert ongoing.deadline == deadlines.LONG_TERM and ongoing.is_long_term
    assert not ongoing.is_overdue(TODAY + dt.timedelta(days=3650))
    assert ongoing.deadline_note == "长期坚持"
    assert tasks["报送项目进度"].cadence == "quarterly"
    half = tasks["开展安全检查"]
    assert half.cadence == "quarterly" and half.deadline == dt.date(2026, 12, 31)
    assert half.deadline_note == "每半年"  # its words stay on the task
    assert tasks["出台产业政策"].deadline_note == ""  # a plain date needs no words
    assert 'data-testid="long-term"' in page and "1 row is long-term" in page
    # The task page says long-term, never 9999, and offers no "more time".
    client = as_(world["office"], HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = client.get(f"/tasks/{ongoing.pk}/").content.decode()
    assert "长期坚持" in html and "9999" not in html
    assert 'data-testid="ask-deadline"' not in html
    listing = client.get("/tasks/").content.decode()
    assert "9999" not in listing


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0), tick=False)
def test_past_deadlines_are_flagged_and_imported_as_written_by_default(as_, world):
    _plan, page, tasks = _through_the_page(as_, world)
    assert 'data-testid="past"' in page and "2 new rows have a deadline already past" in page
    assert 'data-testid="past-choice"' in page
    assert tasks["完成园区规划修编"].deadline == dt.date(2022, 6, 30)
    assert tasks["完成园区规划修编"].state == TaskState.ASSIGNED


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0), tick=False)
def test_past_deadlines_moved_to_this_year(as_, world):
    _plan, _page, tasks = _through_the_page(as_, world, past="this_year")
    # June has passed this year too: the year's last day; 15 December has not.
    assert tasks["完成园区规划修编"].deadline == dt.date(2026, 12, 31)
    assert tasks["建成人才公寓"].deadline == dt.date(2026, 12, 15)
    assert tasks["建成人才公寓"].start_date == dt.date(2026, 1, 1)
    assert tasks["出台产业政策"].deadline == dt.date(2027, 3, 31)  # not past: untouched
    assert all(not t.is_overdue(TODAY) for t in tasks.values())


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0), tick=False)
def test_past_deadlines_imported_as_closed_history(as_, world):
    from duban.ops.jobs import scan_and_notify

    _plan, _page, tasks = _through_the_page(as_, world, past="history")
    done = tasks["完成园区规划修编"]
    assert done.state == TaskState.CLOSED and done.progress == 100
    assert done.events.filter(kind=EventKind.CLOSED, data__history=True).exists()
    assert tasks["出台产业政策"].state == TaskState.ASSIGNED
    scan_and_notify()
    warned = set(
        TaskWarning.objects.filter(cleared_at__isnull=True).values_list("task_id", flat=True)
    )
    assert done.pk not in warned and tasks["建成人才公寓"].pk not in warned


@time_machine.travel(dt.datetime(2026, 12, 1, 10, 0), tick=False)
def test_the_command_takes_the_same_choices(world, tmp_path, capsys):
    plan = f.plan(world["office"], title="2026年重点工作", year=2026)
    path = tmp_path / "清单.xlsx"
    path.write_bytes(sheet(TERMS))
    call_command(
        "import-tasks", str(path), "--plan", str(plan.pk), "--as", "zhou", "--past", "this_year"
    )
    out = capsys.readouterr().out
    assert "→ 2026-12-31" in out and "6 created" in out
    assert Task.objects.get(plan=plan, title="完成园区规划修编").deadline == dt.date(2026, 12, 31)
