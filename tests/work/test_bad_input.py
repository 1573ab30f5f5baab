"""Bad input gets a clear message and changes nothing: not a row, not a file."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation
from django.utils.translation import gettext

from duban.work import services
from duban.work.models import TaskState

from .. import factories as f

TYPE_MESSAGE = (
    "“setup.exe” is not an accepted file type. Accepted: PDF, images (PNG, JPEG, GIF, WebP) "
    "and Office files (Word, Excel, PowerPoint, WPS, OFD)."
)

BAD_FILES = [
    pytest.param(lambda: f.upload("setup.exe", b"MZ\x90\x00" * 64), TYPE_MESSAGE, id="exe"),
    pytest.param(
        lambda: f.upload("fake.pdf", b"MZ\x90\x00 this is a renamed program"),
        "“fake.pdf” does not look like a real PDF file.",
        id="pdf-that-is-not-a-pdf",
    ),
    pytest.param(lambda: f.upload("empty.pdf", b""), "“empty.pdf” is empty.", id="empty-file"),
    pytest.param(
        lambda: f.pdf("big.pdf", size=2048),
        "“big.pdf” is 2.0\xa0KB; the limit is 1.0\xa0KB.",
        id="too-big",
    ),
]


@pytest.fixture(autouse=True)
def _small_upload_limit(settings):
    settings.DUBAN_MAX_UPLOAD_BYTES = 1024


@pytest.fixture
def media(settings):
    """Every file under MEDIA_ROOT: a refused upload must not leave one behind."""
    return lambda: sorted(p for p in settings.MEDIA_ROOT.rglob("*") if p.is_file())


def _report_form(**overrides):
    data = {"period": f.THIS_WEEK, "text": "我输入的进展文字", "percent": "40", "submit": "1"}
    data.update(overrides)
    return data


# --- attachments -------------------------------------------------------------------


@pytest.mark.parametrize(("make_file", "message"), BAD_FILES)
def test_a_bad_report_attachment_is_refused_by_the_service(
    liaison_a, claimed_task, media, make_file, message
):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        f.report(liaison_a, claimed_task, files=[f.pdf("good.pdf"), make_file()])
    assert error.value.message_dict == {"attachments": [message]}
    assert f.snapshot() == before
    assert media() == []


@pytest.mark.parametrize(("make_file", "message"), BAD_FILES)
def test_a_bad_report_attachment_is_refused_on_the_page_with_the_input_kept(
    as_, liaison_a, claimed_task, media, make_file, message
):
    before = f.snapshot()
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/report/", _report_form(attachments=[make_file()])
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "我输入的进展文字</textarea>" in html
    assert f.snapshot() == before
    assert media() == []


@pytest.mark.parametrize(("make_file", "message"), BAD_FILES)
def test_bad_evidence_is_refused_when_asking_to_close(
    as_, liaison_a, claimed_task, media, make_file, message
):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        services.close_request_create(
            actor=liaison_a, task=claimed_task, summary="已完成。", files=[make_file()]
        )
    assert error.value.message_dict == {"attachments": [message]}
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/close/", {"summary": "已完成。", "attachments": [make_file()]}
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert f.snapshot() == before
    assert media() == []


def test_a_file_at_the_size_limit_is_accepted(liaison_a, claimed_task, media):
    report = f.report(liaison_a, claimed_task, files=[f.pdf("exact.pdf", size=1024)])
    assert [a.size for a in report.attachments.all()] == [1024]
    assert len(media()) == 1


# --- percent ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("150", "The percent complete must be between 0 and 100."),
        ("100.1", "The percent complete must be between 0 and 100."),
        ("-1", "The percent complete must be between 0 and 100."),
        ("NaN", "The percent complete must be between 0 and 100."),
        ("Infinity", "The percent complete must be between 0 and 100."),
        ("forty", "Enter the percent complete as a number."),
    ],
)
def test_a_percent_outside_0_to_100_is_refused_by_the_service(
    liaison_a, claimed_task, percent, message
):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        f.report(liaison_a, claimed_task, percent=percent)
    assert error.value.message_dict == {"percent": [message]}
    assert f.snapshot() == before


@pytest.mark.parametrize(
    ("percent", "message"),
    [
        ("150", "Ensure this value is less than or equal to 100."),
        ("-5", "Ensure this value is greater than or equal to 0."),
        ("abc", "Enter a number."),
    ],
)
def test_a_percent_outside_0_to_100_is_refused_on_the_page_with_the_text_kept(
    as_, liaison_a, claimed_task, percent, message
):
    before = f.snapshot()
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/report/", _report_form(percent=percent)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert "我输入的进展文字</textarea>" in html
    assert f'value="{percent}"' in html
    assert f.snapshot() == before


@pytest.mark.parametrize("percent", ["0", "100", "99.9"])
def test_the_ends_of_the_percent_range_are_accepted(liaison_a, claimed_task, percent):
    assert f.report(liaison_a, claimed_task, percent=percent).percent == Decimal(percent)


# --- dates -----------------------------------------------------------------------------


def test_a_deadline_before_the_start_is_refused_by_the_service(office, unit_a):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        f.task(office, unit_a, start=dt.date(2026, 3, 20), deadline=dt.date(2026, 3, 10))
    assert error.value.message_dict == {
        "deadline": ["The deadline (2026-03-10) is before the start date (2026-03-20)."]
    }
    assert f.snapshot() == before


def _task_form(unit, **overrides):
    data = {
        "title": "新交办的任务",
        "source": "meeting",
        "lead_unit": unit.pk,
        "start_date": "2026-03-20",
        "deadline": "2026-03-10",
        "cadence": "weekly",
        "weight": "1",
    }
    data.update(overrides)
    return data


def test_a_deadline_before_the_start_is_refused_on_the_task_form(as_, office, unit_a):
    before = f.snapshot()
    response = as_(office).post("/tasks/new/", _task_form(unit_a))
    assert response.status_code == 400
    html = response.content.decode()
    assert "The deadline is before the start date." in html
    assert 'value="新交办的任务"' in html
    assert f.snapshot() == before


def test_a_start_moved_past_the_deadline_is_refused_on_the_edit_page(as_, office, unit_a, task):
    before = f.snapshot()
    data = _task_form(
        unit_a, title=task.title, start_date="2026-06-30", version=task.version, deadline=""
    )
    response = as_(office).post(f"/tasks/{task.pk}/edit/", data)
    assert response.status_code == 400
    assert "is before the start date (2026-06-30)" in response.content.decode()
    assert f.snapshot() == before


def test_a_new_deadline_before_the_start_is_refused(liaison_a, claimed_task):
    before = f.snapshot()
    with pytest.raises(ValidationError) as error:
        services.deadline_change_request(
            actor=liaison_a,
            task=claimed_task,
            new_deadline=claimed_task.start_date - dt.timedelta(days=1),
            reason="笔误。",
        )
    assert error.value.message_dict == {
        "new_deadline": ["The new deadline is before the start date."]
    }
    assert f.snapshot() == before


# --- the wrong task -------------------------------------------------------------------------


def test_a_report_for_a_closed_task_is_refused(as_, office, liaison_a, claimed_task):
    f.close(office, liaison_a, claimed_task)
    before = f.snapshot()
    with pytest.raises(ValidationError, match="This task is closed; no more reports can be filed."):
        f.report(liaison_a, claimed_task, period=f.LAST_WEEK)
    response = as_(liaison_a).post(
        f"/tasks/{claimed_task.pk}/report/", _report_form(period=f.LAST_WEEK)
    )
    assert response.status_code == 400
    assert "This task is closed; no more reports can be filed." in response.content.decode()
    assert f.snapshot() == before


@pytest.mark.parametrize("who", ["liaison_b", "liaison_c", "office", "leader"])
def test_a_report_for_someone_elses_task_is_refused_by_the_service(request, claimed_task, who):
    before = f.snapshot()
    with pytest.raises(PermissionDenied, match="Only a liaison of the lead unit"):
        f.report(request.getfixturevalue(who), claimed_task)
    assert f.snapshot() == before


@pytest.mark.parametrize(
    ("who", "status"),
    [("liaison_b", 404), ("liaison_c", 403), ("office", 403), ("leader", 403)],
    ids=["other-unit-404", "co-unit-403", "office-403", "leader-403"],
)
def test_a_report_for_someone_elses_task_is_refused_on_the_page(
    as_, request, claimed_task, who, status
):
    before = f.snapshot()
    client = as_(request.getfixturevalue(who))
    assert client.get(f"/tasks/{claimed_task.pk}/report/").status_code == status
    response = client.post(f"/tasks/{claimed_task.pk}/report/", _report_form())
    assert response.status_code == status
    assert f.snapshot() == before


def test_a_claim_of_a_claimed_task_says_so_and_changes_nothing(as_, liaison_a, claimed_task):
    before = f.snapshot()
    with pytest.raises(ValidationError, match="already been claimed"):
        services.task_claim(actor=liaison_a, task=claimed_task)
    response = as_(liaison_a).post(f"/tasks/{claimed_task.pk}/claim/", follow=True)
    assert "This task has already been claimed." in response.content.decode()
    assert f.snapshot() == before
    claimed_task.refresh_from_db()
    assert claimed_task.state == TaskState.IN_PROGRESS


# --- the same messages in Chinese ---------------------------------------------------------------


def _zh(message: str, **params) -> str:
    with translation.override("zh-hans"):
        text = gettext(message)
    return text % params if params else text


def test_the_catalogue_translates_the_messages_checked_here():
    for message in (
        "“%(name)s” is not an accepted file type. Accepted: PDF, images (PNG, JPEG, GIF, WebP) "
        "and Office files (Word, Excel, PowerPoint, WPS, OFD).",
        "“%(name)s” is empty.",
        "The deadline is before the start date.",
        "This task is closed; no more reports can be filed.",
    ):
        assert _zh(message) != message, f"not translated: {message}"


def test_a_refused_attachment_is_explained_in_chinese(as_, liaison_a, claimed_task):
    zh = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = zh.post(
        f"/tasks/{claimed_task.pk}/report/",
        _report_form(attachments=[f.upload("setup.exe", b"MZ")]),
    )
    assert response.status_code == 400
    html = response.content.decode()
    expected = _zh(
        "“%(name)s” is not an accepted file type. Accepted: PDF, images (PNG, JPEG, GIF, WebP) "
        "and Office files (Word, Excel, PowerPoint, WPS, OFD).",
        name="setup.exe",
    )
    assert expected != TYPE_MESSAGE
    assert expected in html
    assert TYPE_MESSAGE not in html


def test_a_percent_over_100_is_explained_in_chinese(as_, liaison_a, claimed_task):
    zh = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = zh.post(f"/tasks/{claimed_task.pk}/report/", _report_form(percent="150"))
    assert response.status_code == 400
    html = response.content.decode()
    assert "确保该值小于或等于100" in html
    assert "我输入的进展文字</textarea>" in html


def test_a_deadline_before_the_start_is_explained_in_chinese(as_, office, unit_a):
    zh = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = zh.post("/tasks/new/", _task_form(unit_a))
    assert response.status_code == 400
    html = response.content.decode()
    assert _zh("The deadline is before the start date.") in html
    assert "The deadline is before the start date." not in html


def test_a_report_on_a_closed_task_is_refused_in_chinese(as_, office, liaison_a, claimed_task):
    f.close(office, liaison_a, claimed_task)
    zh = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = zh.post(f"/tasks/{claimed_task.pk}/report/", _report_form(period=f.LAST_WEEK))
    assert response.status_code == 400
    assert _zh("This task is closed; no more reports can be filed.") in response.content.decode()


@pytest.mark.parametrize("query", ["?meeting=abc", "?parent=abc", "?meeting=99999", "?parent=1.5"])
def test_a_malformed_link_to_the_task_form_is_not_found(as_, office, query):
    assert as_(office).get(f"/tasks/new/{query}").status_code == 404


def test_markup_typed_by_a_unit_is_shown_as_text(as_, office, liaison_a, claimed_task):
    typed = '<script>alert("x")</script><b>加粗</b>'
    f.report(liaison_a, claimed_task, text=typed)
    for url in (f"/tasks/{claimed_task.pk}/", "/inbox/"):
        html = as_(office).get(url).content.decode()
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;b&gt;加粗&lt;/b&gt;" in html
        assert "<script>" not in html
