"""Uploads are bounded per request (how many files, how large together) and
per unit (a quota), by the services, so the pages and the API say so alike;
a request larger than any form takes is refused before it is read, and
Django's own refusals are a page in the person's language, never a 500.
(One report save used to accept 100 files of 20 MB each.)"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import MemoryFileUploadHandler
from django.utils import translation
from django.utils.translation import gettext

from duban.work import attachments, services
from duban.work.models import Attachment, ProgressReport

from .. import factories as f
from ..api.conftest import Api


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _report_form(text: str = "本周完成选址论证。", files=()) -> dict:
    return {
        "period": f.THIS_WEEK,
        "text": text,
        "percent": "30",
        "version": "0",
        "submit": "1",
        "attachments": list(files),
    }


def _stored(settings) -> list:
    folder = settings.MEDIA_ROOT / "attachments"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def test_more_files_than_allowed_are_refused_on_the_form_with_the_text_kept(
    as_, liaison_a, claimed_task, settings
):
    settings.DUBAN_MAX_UPLOAD_FILES = 3
    before = f.snapshot()
    response = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/tasks/{claimed_task.pk}/report/",
        _report_form("四个附件的进展。", [f.pdf(f"{n}.pdf") for n in range(4)]),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "提交了 4 个文件，一次最多只能附加 3 个。" in html
    assert "四个附件的进展。</textarea>" in html
    assert f.snapshot() == before and _stored(settings) == []


def test_files_too_large_together_are_refused_with_the_limit(liaison_a, claimed_task, settings):
    settings.DUBAN_MAX_UPLOAD_REQUEST_BYTES = 100_000
    with pytest.raises(ValidationError) as caught:
        f.report(liaison_a, claimed_task, files=[f.pdf("a.pdf", 60_000), f.pdf("b.pdf", 60_000)])
    assert caught.value.messages == [
        "The files sent together are 117.2\xa0KB; at most 97.7\xa0KB can be sent at once."
    ]
    assert not ProgressReport.objects.exists() and not Attachment.objects.exists()
    assert len(f.report(liaison_a, claimed_task, files=[f.pdf("a.pdf", 60_000)]).attachments.all())


def test_a_units_quota_counts_what_it_keeps_and_says_how_much(
    office, liaison_a, liaison_b, claimed_task, unit_b, settings
):
    settings.DUBAN_UNIT_QUOTA_BYTES = 150_000
    f.report(liaison_a, claimed_task, files=[f.pdf("first.pdf", 100_000)])
    assert attachments.unit_storage_used(claimed_task.lead_unit) == 100_000
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.close_request_create(
            actor=liaison_a, task=claimed_task, summary="完成。", files=[f.pdf("b.pdf", 60_000)]
        )
    said = caught.value.messages[0]
    assert "已存有 97.7\xa0KB 附件，配额为 146.5\xa0KB" in said and "58.6\xa0KB" in said
    assert claimed_task.close_requests.count() == 0 and Attachment.objects.count() == 1
    # Another unit's room is its own.
    other = f.claimed(office, liaison_b, unit_b, title="另一单位的任务")
    f.report(liaison_b, other, files=[f.pdf("b.pdf", 100_000)])
    settings.DUBAN_UNIT_QUOTA_BYTES = 0  # no quota
    services.close_request_create(
        actor=liaison_a, task=claimed_task, summary="完成。", files=[f.pdf("c.pdf", 60_000)]
    )


def test_the_api_gets_the_same_refusal(liaison_a, claimed_task, settings):
    settings.DUBAN_MAX_UPLOAD_FILES = 2
    caller = Api(liaison_a, language="zh-hans")
    response = caller.client.post(
        f"/api/v1/tasks/{claimed_task.pk}/close-requests",
        {"summary": "完成。", "evidence": [f.pdf(f"{n}.pdf") for n in range(3)]},
        headers=caller.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"] == "提交了 3 个文件，一次最多只能附加 2 个。"
    assert claimed_task.close_requests.count() == 0


@pytest.fixture
def small_requests(settings):
    """Requests of at most 20,000 bytes (the files' 10,000 and the fields' 10,000)."""
    settings.DUBAN_MAX_UPLOAD_REQUEST_BYTES = 10_000
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000


@pytest.fixture
def never_received(monkeypatch):
    def receive(*args, **kwargs):
        raise AssertionError("a file of a refused request was received")

    monkeypatch.setattr(MemoryFileUploadHandler, "receive_data_chunk", receive)


def test_a_request_larger_than_any_form_is_refused_before_it_is_read(
    as_, liaison_a, claimed_task, settings, small_requests, never_received
):
    before = f.snapshot()
    response = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/tasks/{claimed_task.pk}/report/", _report_form(files=[f.pdf("big.pdf", 30_000)])
    )
    assert response.status_code == 413
    html = response.content.decode()
    assert '<html lang="zh-CN">' in html
    assert _zh("This request is too large for the site.") in html
    assert "一次提交最多可上传 10 个文件，每个不超过 20.0\xa0MB，合计不超过 9.8\xa0KB。" in html
    assert f.snapshot() == before and _stored(settings) == []


def test_the_api_says_so_as_a_problem(liaison_a, claimed_task, small_requests, never_received):
    caller = Api(liaison_a)
    response = caller.client.post(
        f"/api/v1/tasks/{claimed_task.pk}/close-requests",
        {"summary": "完成。", "evidence": [f.pdf("big.pdf", 30_000)]},
        headers=caller.headers,
    )
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["detail"].startswith("This request is too large for the site.")
    assert claimed_task.close_requests.count() == 0


def test_more_files_than_django_parses_is_a_400_page_that_says_why(
    as_, liaison_a, claimed_task, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 5
    response = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/tasks/{claimed_task.pk}/report/",
        _report_form(files=[SimpleUploadedFile(f"{n}.pdf", f.PDF_BYTES) for n in range(6)]),
    )
    assert response.status_code == 400
    assert _zh("This request sends too many files.") in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_a_form_too_long_is_a_400_page_not_a_500(as_, liaison_a, claimed_task, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = as_(liaison_a, HTTP_ACCEPT_LANGUAGE="zh-hans").post(
        f"/tasks/{claimed_task.pk}/report/",
        {"period": f.THIS_WEEK, "text": "长" * 2000, "percent": "30", "version": "0"},
    )
    assert response.status_code == 400
    assert _zh("This request is too large for the site.") in response.content.decode()
    assert not ProgressReport.objects.exists()
