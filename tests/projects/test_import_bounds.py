"""A project list is checked before it is loaded: its rows counted from the
sheet's XML (it used to load 100,000 rows, then count them), read as wide as
its columns and down to its last value, and nothing is kept of a refusal."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from django.utils.translation import gettext

from duban.lib import workbooks
from duban.projects.models import Project

from ..lib.test_workbooks import package

HEAD = (
    '<row r="1"><c r="A1" t="inlineStr"><is><t>项目名称</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>责任单位</t></is></c>{far}</row>'
)


def _rows(count: int, *, first: int = 2) -> str:
    return "".join(
        f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>项目{r}</t></is></c>'
        f'<c r="B{r}" t="inlineStr"><is><t>发展改革局</t></is></c></row>'
        for r in range(first, first + count)
    )


def _zh(message: str) -> str:
    with translation.override("zh-hans"):
        return gettext(message)


def _post(client, data):
    return client.post("/projects/import/", {"file": SimpleUploadedFile("p.xlsx", data)})


def _waiting(settings) -> list:
    folder = settings.MEDIA_ROOT / "imports" / "projects"
    return list(folder.iterdir()) if folder.exists() else []


@pytest.fixture
def never_loaded(monkeypatch):
    def load(*args, **kwargs):
        raise AssertionError("openpyxl loaded a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", load)


def test_100000_rows_are_refused_before_the_workbook_is_loaded(
    as_, office, unit_a, settings, never_loaded
):
    data = package(HEAD.format(far="") + _rows(100_000))
    response = _post(as_(office, HTTP_ACCEPT_LANGUAGE="zh-hans"), data)
    assert response.status_code == 400
    said = _zh(workbooks.MESSAGES["too_many_rows"]) % {
        "sheet": "任务",
        "rows": 100_001,
        "limit": 20_000,
    }
    assert said in response.content.decode()
    assert not Project.objects.exists() and _waiting(settings) == []


def test_a_sheet_of_valueless_cells_is_refused_in_english(
    as_, office, unit_a, settings, never_loaded
):
    cells = "".join(
        f'<row r="{r}">' + f'<c r="C{r}" s="1"/>' * 2000 + "</row>" for r in range(3, 503)
    )
    data = package(HEAD.format(far="") + _rows(1) + cells)
    response = _post(as_(office, HTTP_ACCEPT_LANGUAGE="en"), data)
    assert response.status_code == 400
    assert "empty ones included; at most 1,000,000 can be read" in response.content.decode()
    assert not Project.objects.exists() and _waiting(settings) == []


def test_rows_are_read_as_wide_as_the_known_columns_and_down_to_the_last_value(
    as_, office, unit_a, settings, monkeypatch
):
    read: list[tuple] = []
    rows = workbooks.Workbook.rows

    def spy(self, ws, **kwargs):
        for values in rows(self, ws, **kwargs):
            read.append(values)
            yield values

    monkeypatch.setattr(workbooks.Workbook, "rows", spy)
    far = '<c r="XFD1" t="inlineStr"><is><t>备注</t></is></c>'
    formatted = "".join(f'<row r="{r}"><c r="A{r}" s="1"/></row>' for r in range(5, 50_000))
    data = package(HEAD.format(far=far) + _rows(3) + formatted)
    response = _post(as_(office, HTTP_ACCEPT_LANGUAGE="en"), data)
    assert response.status_code == 200
    preview = response.context["preview"]
    assert [r.values["name"] for r in preview.rows] == ["项目2", "项目3", "项目4"]
    assert not preview.blocked
    data_rows = read[1:]  # after the header, looked for in its own pass
    assert len(data_rows) == 3 and {len(v) for v in data_rows} == {2}
    assert len(_waiting(settings)) == 1  # kept for the confirmation, removed at night
