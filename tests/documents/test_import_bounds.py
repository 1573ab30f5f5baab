"""A task list that would exhaust the server is refused before openpyxl
loads it, in the person's language, and nothing of it is kept."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.utils import translation
from django.utils.translation import gettext

from duban.documents.models import TaskImport
from duban.lib import workbooks
from duban.work.models import Task

from .. import factories as f
from ..lib.test_workbooks import HEADER, listed, package, valueless


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


@pytest.fixture
def plan2022(office):
    return f.plan(office, title="2022年重点任务", year=2022)


@pytest.fixture
def never_loaded(monkeypatch):
    def load(*args, **kwargs):
        raise AssertionError("openpyxl loaded a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", load)


def _stored(settings) -> list[str]:
    folder = settings.MEDIA_ROOT / "imports"
    return [str(p) for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


def _upload(client, plan, data):
    return client.post(
        f"/plans/{plan.pk}/import/", {"file": SimpleUploadedFile("任务分解.xlsx", data)}
    )


def test_a_million_valueless_cells_are_refused_in_chinese_and_nothing_is_kept(
    as_, office, plan2022, settings, never_loaded
):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    response = _upload(client, plan2022, package(valueless(1000, 1000)))
    assert response.status_code == 400
    said = _zh(workbooks.MESSAGES["too_many_cells"]) % {"cells": "1,001,003", "limit": "1,000,000"}
    assert said in response.content.decode()
    assert said.startswith("该工作簿含有 1,001,003 个单元格")
    assert TaskImport.objects.count() == 0 and _stored(settings) == []


def test_the_limits_come_from_the_settings_and_are_said_in_english(
    as_, office, plan2022, settings, never_loaded
):
    settings.DUBAN_IMPORT_MAX_CELLS = 1000
    response = _upload(as_(office, HTTP_ACCEPT_LANGUAGE="en"), plan2022, package(listed(600)))
    assert response.status_code == 400
    assert "The workbook holds 1,803 cells, rows and merged ranges" in response.content.decode()
    assert "at most 1,000 can be read" in response.content.decode()
    settings.DUBAN_IMPORT_MAX_UNZIPPED_BYTES = 1024 * 1024
    bomb = package(listed(2), extra={"xl/media/image1.png": bytes(3 * 1024 * 1024)})
    response = _upload(as_(office, HTTP_ACCEPT_LANGUAGE="en"), plan2022, bomb)
    assert "The workbook unpacks to 3 MB" in response.content.decode()
    assert TaskImport.objects.count() == 0 and _stored(settings) == []


def test_a_header_as_wide_as_the_sheet_is_refused_before_the_rows_are_read(
    as_, office, plan2022, settings
):
    far = '<c r="XFD1" t="inlineStr"><is><t>备用</t></is></c>'
    rows = listed(2999).replace(f'<row r="1">{HEADER}</row>', f'<row r="1">{HEADER}{far}</row>')
    response = _upload(as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans"), plan2022, package(rows))
    assert response.status_code == 400
    assert "16,384 列" in response.content.decode()
    assert TaskImport.objects.count() == 0 and _stored(settings) == []


def test_a_reading_out_of_time_imports_nothing(as_, office, plan2022, settings, monkeypatch):
    ticks = iter(range(0, 10**6, 20))  # each look at the clock: 20 s later
    monkeypatch.setattr(workbooks, "clock", lambda: next(ticks))
    response = _upload(as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans"), plan2022, package(listed(5)))
    assert response.status_code == 400
    assert "读取该工作簿超过 30 秒，已停止，未导入任何内容" in response.content.decode()
    assert TaskImport.objects.count() == 0 and not Task.objects.filter(plan=plan2022).exists()


def test_the_command_refuses_alike(office, plan2022, tmp_path, never_loaded):
    path = tmp_path / "big.xlsx"
    path.write_bytes(package(valueless(1000, 1000)))
    with pytest.raises(CommandError, match="1,001,003"):
        call_command("import-tasks", str(path), "--plan", str(plan2022.pk), "--dry-run")
    assert TaskImport.objects.count() == 0


def test_a_stored_list_that_can_no_longer_be_read_sends_back_to_the_upload_page(
    as_, office, plan2022, settings
):
    client = as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert _upload(client, plan2022, package(listed(600))).status_code == 302
    record = TaskImport.objects.get()
    settings.DUBAN_IMPORT_MAX_CELLS = 1000  # lowered since
    for response in (
        client.get(f"/imports/{record.pk}/"),
        client.post(f"/imports/{record.pk}/", {"apply": "1"}),
    ):
        assert response.status_code == 302
        assert response["Location"] == f"/plans/{plan2022.pk}/import/"
    page = client.get(f"/plans/{plan2022.pk}/import/").content.decode()
    assert "该工作簿含有 1,803 个单元格" in page
    assert not Task.objects.filter(plan=plan2022).exists()
    settings.DUBAN_IMPORT_MAX_CELLS = 1_000_000
    (settings.MEDIA_ROOT / record.file.name).unlink()  # gone from the storage
    client.get(f"/imports/{record.pk}/")
    page = client.get(f"/plans/{plan2022.pk}/import/").content.decode()
    assert _zh("The uploaded list has expired; upload it again.") in page
