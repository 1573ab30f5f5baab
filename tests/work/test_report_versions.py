"""Every write of a report is checked against the version the person saw, a
new report's first save too ("no report yet" is version 0): of two people
who opened the same empty period, the first to save wins, the second is told
and keeps what they typed. It used to be that 50 simultaneous first saves of
a draft all answered "Draft saved" and one text survived."""

from __future__ import annotations

import contextlib
import threading

import pytest
from django.db import connection

from duban.work import services
from duban.work.models import ProgressReport

from .. import factories as f


def _draft(liaison, task, text: str, version: int = 0) -> ProgressReport:
    return services.report_save(
        actor=liaison,
        task=task,
        period_label=f.THIS_WEEK,
        text=text,
        percent="20",
        submit=False,
        version=version,
    )


def test_two_saves_both_from_the_new_form_the_second_is_refused(liaison_a, claimed_task):
    first = _draft(liaison_a, claimed_task, "第一人写的进展。")
    assert first.version == 1
    with pytest.raises(services.ConflictError, match="changed by someone else"):
        _draft(liaison_a, claimed_task, "第二人写的进展。")
    report = ProgressReport.objects.get(task=claimed_task)
    assert (report.text, report.version) == ("第一人写的进展。", 1)
    assert report.history.count() == 1


def test_a_save_from_the_version_seen_goes_through(liaison_a, claimed_task):
    first = _draft(liaison_a, claimed_task, "第一稿。")
    second = _draft(liaison_a, claimed_task, "第二稿。", version=first.version)
    assert (second.text, second.version) == ("第二稿。", 2)
    with pytest.raises(services.ConflictError):
        _draft(liaison_a, claimed_task, "从第一版改的。", version=first.version)


def test_a_version_seen_of_a_report_that_is_not_there_is_refused(liaison_a, claimed_task):
    with pytest.raises(services.ConflictError):
        _draft(liaison_a, claimed_task, "版本不对。", version=3)
    assert not ProgressReport.objects.exists()


def test_the_constraint_refuses_a_second_first_report_should_the_lock_not_hold(
    liaison_a, claimed_task, monkeypatch
):
    """Between the look for the period's report and the insert, another
    transaction inserts one (what the task's row lock prevents): the
    one-report-per-period constraint answers, as the same conflict."""
    original = ProgressReport.full_clean

    def rival_meanwhile(report, *args, **kwargs):
        original(report, *args, **kwargs)
        if report.pk is None:
            ProgressReport.objects.create(
                task=report.task,
                unit=report.unit,
                cadence=report.cadence,
                period_label=report.period_label,
                period_start=report.period_start,
                period_end=report.period_end,
                text="另一人先存的。",
                percent=10,
                author=report.author,
            )

    monkeypatch.setattr(ProgressReport, "full_clean", rival_meanwhile)
    with pytest.raises(services.ConflictError):
        _draft(liaison_a, claimed_task, "后到的。")
    assert not ProgressReport.objects.exists()  # the whole save was undone


def test_the_report_page_answers_409_and_keeps_the_second_persons_text(
    as_, liaison_a, claimed_task
):
    first, second = as_(liaison_a), as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    url = f"/tasks/{claimed_task.pk}/report/?period={f.THIS_WEEK}"
    for client in (first, second):
        page = client.get(url)
        assert page.context["form"]["version"].value() == 0
        assert 'name="version" value="0"' in page.content.decode()
    form = {"period": f.THIS_WEEK, "percent": "20", "version": "0", "draft": "1"}
    saved = first.post(url, {**form, "text": "第一人写的进展。"})
    assert saved.status_code == 302
    before = f.snapshot()

    refused = second.post(url, {**form, "text": "第二人写的进展。"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "此报告已被其他人修改，请重新加载页面查看。" in html
    assert "第二人写的进展。</textarea>" in html
    assert f.snapshot() == before
    assert ProgressReport.objects.get(task=claimed_task).text == "第一人写的进展。"


def test_a_post_without_a_version_is_taken_as_having_seen_no_report(as_, liaison_a, claimed_task):
    _draft(liaison_a, claimed_task, "已有草稿。")
    url = f"/tasks/{claimed_task.pk}/report/"
    response = as_(liaison_a).post(
        url, {"period": f.THIS_WEEK, "percent": "30", "text": "盲改。", "draft": "1"}
    )
    assert response.status_code == 409
    assert ProgressReport.objects.get(task=claimed_task).text == "已有草稿。"


@pytest.mark.django_db(transaction=True)
def test_fifty_first_saves_at_once_one_wins_the_rest_are_told(liaison_a, claimed_task):
    # Each thread on its own connection and transaction, started together. On
    # PostgreSQL (DATABASE_URL) they really overlap: each waits for the task's
    # row lock. On the default in-memory SQLite test database a second writer
    # fails at once instead of waiting, so there they take turns (see
    # tests/supervision/test_scan.py); either way each started from the empty form.
    n = 50
    in_memory = connection.vendor == "sqlite" and connection.is_in_memory_db()
    turn = threading.Lock() if in_memory else contextlib.nullcontext()
    start = threading.Barrier(n)
    saved, conflicts, errors = [], [], []

    def run(i: int) -> None:
        try:
            start.wait(timeout=30)
            with turn:
                saved.append(_draft(liaison_a, claimed_task, f"第{i}人写的进展。"))
        except services.ConflictError:
            conflicts.append(i)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert (len(saved), len(conflicts)) == (1, n - 1)
    report = ProgressReport.objects.get(task=claimed_task)
    assert report.text == saved[0].text and report.version == 1
    assert report.history.count() == 1
