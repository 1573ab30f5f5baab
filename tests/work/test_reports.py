"""Filing progress reports: drafts, lateness, missing periods, returns, "no change"."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from duban.work import queries, services
from duban.work.models import EventKind, ProgressReport, ReportState

from .. import factories as f


def test_a_draft_is_kept_quietly_until_it_is_submitted(liaison_a, claimed_task):
    draft = f.report(liaison_a, claimed_task, percent="25", submit=False)
    assert draft.state == ReportState.DRAFT
    assert draft.submitted_at is None
    claimed_task.refresh_from_db()
    assert claimed_task.progress == Decimal("0"), "a draft does not count"
    assert not claimed_task.events.filter(kind=EventKind.REPORT_SUBMITTED).exists()

    edited = f.report(liaison_a, claimed_task, percent="30", text="改好了。", submit=False)
    assert edited.pk == draft.pk
    assert edited.version == draft.version + 1

    filed = f.report(liaison_a, claimed_task, percent="30", text="改好了。", version=edited.version)
    assert filed.pk == draft.pk
    assert filed.state == ReportState.SUBMITTED
    assert filed.submitted_at == f.NOW
    claimed_task.refresh_from_db()
    assert claimed_task.progress == Decimal("0"), "awaiting review: not progress yet"
    assert claimed_task.events.filter(kind=EventKind.REPORT_SUBMITTED).count() == 1


def test_a_draft_edited_elsewhere_meanwhile_is_not_overwritten(liaison_a, claimed_task):
    draft = f.report(liaison_a, claimed_task, submit=False)
    f.report(liaison_a, claimed_task, text="另一处的修改。", submit=False, version=draft.version)
    with pytest.raises(services.ConflictError):
        f.report(liaison_a, claimed_task, text="迟到的修改。", submit=False, version=draft.version)
    assert ProgressReport.objects.get(pk=draft.pk).text == "另一处的修改。"


# Week 2026-W11 runs Monday 9 to Sunday 15 March. With one day's grace
# (DUBAN_REPORT_GRACE_DAYS = 1) its report is due by the end of Monday 16 March,
# Shanghai time; 00:30 on the 17th in Shanghai is still the 16th in UTC.
@pytest.mark.parametrize(
    ("submitted", "late"),
    [
        (f.at(2026, 3, 15, 20), False),
        (f.at(2026, 3, 16, 0, 0, 0), False),
        (f.at(2026, 3, 16, 23, 59, 59), False),
        (f.at(2026, 3, 17, 0, 0, 0), True),
        (f.at(2026, 3, 17, 0, 30), True),
        (f.at(2026, 3, 18, 10), True),
    ],
    ids=lambda value: value.strftime("%d %H:%M:%S") if hasattr(value, "strftime") else str(value),
)
def test_a_report_is_late_after_the_period_end_plus_one_grace_day(
    settings, liaison_a, claimed_task, clock, submitted, late
):
    settings.DUBAN_REPORT_GRACE_DAYS = 1
    clock.move_to(submitted)
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    assert report.is_late is late
    event = claimed_task.events.get(kind=EventKind.REPORT_SUBMITTED)
    assert event.data["late"] is late


def test_the_grace_period_comes_from_the_setting(settings, liaison_a, claimed_task, clock):
    settings.DUBAN_REPORT_GRACE_DAYS = 3
    clock.move_to(f.at(2026, 3, 18, 23))
    assert not f.report(liaison_a, claimed_task, period=f.LAST_WEEK).is_late


def test_lateness_is_judged_by_the_first_submission_not_the_resubmission(
    office, liaison_a, claimed_task, clock
):
    clock.move_to(f.at(2026, 3, 16, 18))
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    services.report_review(actor=office, report=report, accept=False, comment="补充数据。")
    clock.move_to(f.at(2026, 3, 20, 9))
    again = f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="40")
    assert again.first_submitted_at == f.at(2026, 3, 16, 18)
    assert not again.is_late


def test_missing_periods_are_counted_and_shown_in_the_calendar(
    as_, office, liaison_a, claimed_task, clock
):
    # Started on Wednesday 4 March: W10 and W11 have ended and nothing was filed.
    assert queries.missing_count(claimed_task, f.TODAY) == 2
    statuses = {
        row.period.label: row.status for row in queries.report_calendar(claimed_task, f.TODAY)
    }
    assert statuses == {"2026-W12": "open", "2026-W11": "missing", "2026-W10": "missing"}

    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO)
    assert queries.missing_count(claimed_task, f.TODAY) == 1
    calendar = queries.report_calendar(claimed_task, f.TODAY)
    assert [row.period.label for row in calendar] == ["2026-W12", "2026-W11", "2026-W10"]
    assert [row.status for row in calendar] == ["open", "missing", "late"]

    page = as_(office).get(f"/tasks/{claimed_task.pk}/")
    assert page.context["missing"] == 1
    assert 'data-testid="missing">1 missing' in page.content.decode()

    # A week later W12 has ended too, and is missing.
    clock.move_to(f.at(2026, 3, 25, 10))
    assert queries.missing_count(claimed_task, f.at(2026, 3, 25).date()) == 2


def test_a_report_for_the_current_period_is_not_missing_yet(liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.TWO_WEEKS_AGO)
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    assert queries.missing_count(claimed_task, f.TODAY) == 0
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK)
    assert queries.missing_count(claimed_task, f.TODAY) == 0


def test_reports_filed_after_the_deadline_do_not_hide_a_missing_period(
    office, liaison_a, unit_a, clock
):
    # Due on Sunday 8 March (W10). W10 was never reported; the unit reported in
    # W12 while overdue. On 25 March W10 is still missing.
    task = f.claimed(
        office, liaison_a, unit_a, start=f.at(2026, 3, 2).date(), deadline=f.at(2026, 3, 8).date()
    )
    f.report(liaison_a, task, period=f.THIS_WEEK, percent="90")
    clock.move_to(f.at(2026, 3, 25, 10))
    today = f.at(2026, 3, 25).date()
    assert queries.missing_count(task, today) == 1
    listed = queries.task_list(office, queries.TaskFilters(), today).get(pk=task.pk)
    assert queries.missing_count(listed, today) == 1
    calendar = {row.period.label: row.status for row in queries.report_calendar(task, today)}
    assert calendar["2026-W10"] == "missing"
    assert calendar["2026-W12"] == "on_time", "the report filed while overdue stays on record"


def test_a_returned_report_reopens_its_period(office, liaison_a, claimed_task):
    report = f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="40")
    assert queries.missing_count(claimed_task, f.TODAY) == 1
    services.report_review(actor=office, report=report, accept=False, comment="请附照片。")

    statuses = {r.period.label: r.status for r in queries.report_calendar(claimed_task, f.TODAY)}
    assert statuses[f.LAST_WEEK] == "returned"
    assert queries.missing_count(claimed_task, f.TODAY) == 2, "a returned report is not filed"

    again = f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="45", text="附照片。")
    assert again.pk == report.pk
    assert again.state == ReportState.SUBMITTED
    assert again.return_count == 1
    assert queries.missing_count(claimed_task, f.TODAY) == 1


@pytest.mark.parametrize("accept", [False, True], ids=["submitted", "accepted"])
def test_a_submitted_or_accepted_report_cannot_be_edited(office, liaison_a, claimed_task, accept):
    report = f.report(liaison_a, claimed_task, percent="40", text="原文。")
    if accept:
        services.report_review(actor=office, report=report, accept=True)
    with pytest.raises(ValidationError, match="has already been submitted"):
        f.report(liaison_a, claimed_task, percent="99", text="篡改。")
    with pytest.raises(ValidationError, match="has already been submitted"):
        f.report(liaison_a, claimed_task, percent="99", text="篡改。", submit=False)
    report.refresh_from_db()
    assert (report.percent, report.text) == (Decimal("40"), "原文。")


def test_the_report_page_does_not_offer_a_filed_period(as_, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.THIS_WEEK)
    page = as_(liaison_a).get(f"/tasks/{claimed_task.pk}/report/")
    offered = [value for value, _ in page.context["form"].fields["period"].choices]
    assert offered == [f.LAST_WEEK, f.TWO_WEEKS_AGO]
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/report/",
        {"period": f.THIS_WEEK, "text": "篡改。", "percent": "99", "submit": "1"},
    )
    assert response.status_code == 400
    assert ProgressReport.objects.get(task=claimed_task).text == "本周完成了方案论证。"


def test_a_no_change_report_needs_a_reason(liaison_a, claimed_task):
    with pytest.raises(ValidationError) as error:
        f.report(liaison_a, claimed_task, no_change=True, text="   ")
    assert error.value.message_dict == {"text": ["Say briefly why nothing changed this period."]}
    assert not ProgressReport.objects.exists()

    report = f.report(liaison_a, claimed_task, no_change=True, text="等待省厅批复，本周无新进展。")
    assert report.no_change
    assert report.state == ReportState.SUBMITTED


def test_a_no_change_report_is_shown_as_such(as_, office, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, no_change=True, text="等待批复。")
    assert ">no change</span>" in as_(office).get(f"/tasks/{claimed_task.pk}/").content.decode()
    assert ">no change</span>" in as_(office).get("/inbox/").content.decode()


def test_a_new_report_starts_from_the_last_one(as_, liaison_a, claimed_task):
    f.report(liaison_a, claimed_task, period=f.LAST_WEEK, percent="45", value=Decimal("12.5"))
    page = as_(liaison_a).get(f"/tasks/{claimed_task.pk}/report/?period={f.THIS_WEEK}")
    form = page.context["form"]
    assert form.initial["percent"] == Decimal("45")
    assert form.initial["value"] == Decimal("12.5")
    assert "Starting from your last report, for Week 11 (9–15 Mar):" in page.content.decode()


def test_a_report_cannot_be_filed_for_a_period_outside_the_task(liaison_a, claimed_task):
    for label in ("2026-W09", "2026-W13", "2026-03", "nonsense"):
        with pytest.raises(ValidationError) as error:
            f.report(liaison_a, claimed_task, period=label)
        assert "period" in error.value.message_dict
    assert not ProgressReport.objects.exists()


def test_a_task_must_be_claimed_before_it_is_reported_on(liaison_a, task):
    with pytest.raises(ValidationError, match="Claim the task before reporting"):
        f.report(liaison_a, task)
    assert not ProgressReport.objects.exists()


def test_a_progress_text_is_required(liaison_a, claimed_task):
    with pytest.raises(ValidationError) as error:
        f.report(liaison_a, claimed_task, text="")
    assert error.value.message_dict == {"text": ["Describe the progress made in this period."]}


def test_the_review_needs_a_comment_to_return_and_happens_once(office, liaison_a, claimed_task):
    report = f.report(liaison_a, claimed_task)
    with pytest.raises(ValidationError, match="Say why the report is returned"):
        services.report_review(actor=office, report=report, accept=False, comment=" ")
    services.report_review(actor=office, report=report, accept=True)
    with pytest.raises(ValidationError, match="Only a submitted report can be reviewed"):
        services.report_review(actor=office, report=report, accept=False, comment="再看看。")
    assert ProgressReport.objects.get(pk=report.pk).state == ReportState.ACCEPTED


def test_a_photo_from_the_camera_and_a_file_arrive_as_one_reports_attachments(
    as_, liaison_a, claimed_task
):
    client = as_(liaison_a)
    page = client.get(f"/tasks/{claimed_task.pk}/report/").content.decode()
    # Two inputs of one name: the file chooser and the camera (on a phone).
    assert page.count('name="attachments"') == 2
    assert 'accept="image/*" capture="environment"' in page
    photo = f.upload("现场照片.jpg", b"\xff\xd8\xff\xe0" + b"\0" * 64, "image/jpeg")
    response = client.post(
        f"/tasks/{claimed_task.pk}/report/",
        {
            "period": f.THIS_WEEK,
            "text": "现场已开工。",
            "percent": "30",
            "submit": "1",
            "attachments": [f.pdf("协议.pdf"), photo],
        },
    )
    assert response.status_code == 302
    report = ProgressReport.objects.get(task=claimed_task, period_label=f.THIS_WEEK)
    names = sorted(report.attachments.values_list("original_name", flat=True))
    assert names == ["协议.pdf", "现场照片.jpg"]
