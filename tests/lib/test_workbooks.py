"""duban.lib.workbooks: hostile workbooks refused before openpyxl loads them,
built here part by part with zipfile (what an attacker would send, not what
Excel writes)."""

from __future__ import annotations

import io
import struct
import zipfile

import openpyxl
import pytest
from django.conf import settings

from duban.lib import workbooks
from duban.lib.workbooks import Limits, WorkbookError, open_workbook

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
HEADER = (
    '<c r="A1" t="inlineStr"><is><t>重点任务</t></is></c>'
    '<c r="B1" t="inlineStr"><is><t>牵头单位</t></is></c>'
)


def package(
    sheet_data: str | bytes,
    *,
    after: str = "",
    shared: str | bytes = "",
    extra: dict[str, bytes] | None = None,
    prolog: str = "",
) -> bytes:
    """A minimal .xlsx: one sheet whose <sheetData> holds ``sheet_data``,
    ``after`` it (merged ranges), the shared strings and any other parts."""
    if isinstance(sheet_data, str):
        sheet_data = sheet_data.encode()
    if isinstance(shared, str):
        shared = shared.encode()
    parts = {
        "[Content_Types].xml": (
            b'<?xml version="1.0" encoding="UTF-8"?>'
            b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            b'officedocument.spreadsheetml.sheet.main+xml"/>'
            b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            b'<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.'
            b'openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/officeDocument" Target="xl/workbook.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/workbook.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="{DOC}">'
            '<sheets><sheet name="任务" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ).encode(),
        "xl/_rels/workbook.xml.rels": (
            f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ).encode(),
        "xl/sharedStrings.xml": f'<?xml version="1.0"?><sst xmlns="{MAIN}">'.encode()
        + shared
        + b"</sst>",
        "xl/worksheets/sheet1.xml": (
            f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<worksheet xmlns="{MAIN}"><sheetData>'
        ).encode()
        + sheet_data
        + f"</sheetData>{after}</worksheet>".encode(),
        **(extra or {}),
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def column(index: int) -> str:
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def listed(rows: int) -> str:
    """A header and ``rows`` rows of a task and its lead unit."""
    body = [f'<row r="1">{HEADER}</row>']
    for r in range(2, rows + 2):
        body.append(
            f'<row r="{r}"><c r="A{r}" t="inlineStr"><is><t>任务{r}</t></is></c>'
            f'<c r="B{r}" t="inlineStr"><is><t>区发改局</t></is></c></row>'
        )
    return "".join(body)


def valueless(rows: int, columns: int) -> bytes:
    """A header, then rows of cells that hold nothing: ``<c r="A2"/>``."""
    parts = [f'<row r="1">{HEADER}</row>'.encode()]
    letters = [column(c) for c in range(1, columns + 1)]
    for r in range(2, rows + 2):
        cells = "".join(f'<c r="{letter}{r}"/>' for letter in letters)
        parts.append(f'<row r="{r}">{cells}</row>'.encode())
    return b"".join(parts)


def refused(data: bytes, **kwargs) -> WorkbookError:
    with pytest.raises(WorkbookError) as caught:
        open_workbook(data, **kwargs).close()
    text, params = workbooks.message(caught.value.code, caught.value.params)
    assert text % params  # an English text that takes its params
    return caught.value


@pytest.fixture
def never_loaded(monkeypatch):
    """openpyxl must not see the file: the refusal comes from the XML alone."""

    def load(*args, **kwargs):
        raise AssertionError("openpyxl loaded a workbook that should have been refused")

    monkeypatch.setattr(openpyxl, "load_workbook", load)


def test_a_well_formed_package_opens_read_only_with_its_counts():
    data = package(listed(3), after='<mergeCells count="1"><mergeCell ref="C2:C4"/></mergeCells>')
    with open_workbook(data) as opened:
        scan = opened.scans["任务"]
        assert (scan.rows, scan.last_row, scan.merges) == (4, 4, [(3, 2, 3, 4)])
        assert scan.cells == 4 + 8 + 1  # rows, cells, merged ranges
        assert opened.book.read_only
        values = list(opened.rows(opened.book["任务"], max_row=4, max_col=2))
        assert values[1] == ("任务2", "区发改局")


def test_a_million_valueless_cells_are_counted_and_refused_before_openpyxl(never_loaded):
    # The file: a small upload, a million <c r=".."/> and no value in any.
    data = package(valueless(1000, 1000))
    assert len(data) < 3 * 1024 * 1024
    error = refused(data)
    assert error.code == "too_many_cells"
    assert error.params["limit"] == "1,000,000"


def test_the_cell_budget_is_the_whole_workbooks_and_counts_rows_without_cells(never_loaded):
    empty_rows = "".join(f'<row r="{r}"/>' for r in range(2, 602))
    error = refused(
        package(f'<row r="1">{HEADER}</row>' + empty_rows), limits=Limits(max_cells=500)
    )
    assert error.code == "too_many_cells"


def test_a_header_cell_in_column_xfd_is_measured_as_the_rectangle_it_makes():
    from duban.lib.taskbook import read_taskbook

    far = '<c r="XFD1" t="inlineStr"><is><t>备用</t></is></c>'
    rows = listed(2999).replace(f'<row r="1">{HEADER}</row>', f'<row r="1">{HEADER}{far}</row>')
    with pytest.raises(WorkbookError) as caught:
        read_taskbook(package(rows))
    assert caught.value.code == "too_wide"
    assert caught.value.params == {
        "sheet": "任务",
        "rows": "3,000",
        "columns": "16,384",
        "cells": "49,152,000",
        "limit": "1,000,000",
    }


def test_a_huge_table_of_shared_strings_is_refused(never_loaded):
    strings = "".join(f"<si><t>{n}</t></si>" for n in range(5000))
    error = refused(package(listed(2), shared=strings), limits=Limits(max_cells=4000))
    assert (error.code, error.params) == ("too_many_strings", {"strings": 5000, "limit": 4000})


def test_a_zip_bomb_member_is_refused_from_the_directory(never_loaded):
    bomb = bytes(30 * 1024 * 1024)  # 30 MB of zeros, a few kB compressed
    data = package(listed(2), extra={"xl/media/image1.png": bomb})
    assert len(data) < 100_000
    error = refused(data, limits=Limits(max_unpacked_bytes=20 * 1024 * 1024))
    assert (error.code, error.params) == ("unpacked_too_large", {"size_mb": "30", "limit_mb": "20"})


def test_a_part_openpyxl_parses_whole_is_bounded_on_its_own(never_loaded):
    styles = b"<styleSheet>" + b" " * (workbooks.MAX_PART_BYTES + 1) + b"</styleSheet>"
    error = refused(package(listed(2), extra={"xl/styles.xml": styles}))
    assert (error.code, error.params["part"]) == ("part_too_large", "xl/styles.xml")


def test_a_directory_that_understates_a_members_size_is_no_way_round(never_loaded):
    """The limit reads the sizes the zip declares; a member that inflates to
    more than its declared size fails zipfile's CRC check instead."""
    data = bytearray(package(valueless(50, 50)))
    name = b"xl/worksheets/sheet1.xml"
    entry = data.find(b"PK\x01\x02")  # the central directory's entries
    while data[entry + 46 : entry + 46 + len(name)] != name:
        entry = data.find(b"PK\x01\x02", entry + 4)
    struct.pack_into("<I", data, entry + 24, 100)  # its uncompressed size: 100 bytes
    assert refused(bytes(data)).code == "corrupt"


def test_a_part_with_a_dtd_is_refused(never_loaded):
    laughs = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;">]>'
    assert refused(package(listed(2), prolog=laughs)).code == "corrupt"


def test_a_zip_of_too_many_members_is_refused_before_zipfile_reads_its_directory(never_loaded):
    extra = {f"xl/media/{n}.bin": b"" for n in range(workbooks.MAX_MEMBERS)}
    assert refused(package(listed(2), extra=extra)).code == "corrupt"


def test_too_many_cell_formats(never_loaded):
    styles = "<styleSheet><cellXfs>" + "<xf numFmtId='0'/>" * 64_001 + "</cellXfs></styleSheet>"
    error = refused(package(listed(2), extra={"xl/styles.xml": styles.encode()}))
    assert (error.code, error.params) == ("too_many_styles", {"styles": 64_001, "limit": 64_000})


def test_a_row_longer_than_any_excel_writes_is_refused(monkeypatch, never_loaded):
    monkeypatch.setattr(workbooks, "MAX_PENDING_BYTES", 1024 * 1024)
    monkeypatch.setattr(workbooks, "CHUNK", 128 * 1024)
    cells = "".join(f'<c r="A1"><v>{n}</v></c>' for n in range(100_000))  # one row, 2 MB
    error = refused(package(f'<row r="1">{cells}</row>'), limits=Limits(max_cells=10**7))
    assert error.code == "corrupt"


def test_the_row_limit_applies_to_every_sheet_before_loading(never_loaded):
    error = refused(package(listed(120)), max_rows=100, above=10)
    assert (error.code, error.params) == (
        "too_many_rows",
        {"sheet": "任务", "rows": 121, "limit": 100},
    )


def test_the_reading_stops_when_its_time_is_spent(monkeypatch):
    now = [0.0]
    monkeypatch.setattr(workbooks, "clock", lambda: now[0])
    opened = open_workbook(package(listed(1000)), limits=Limits(max_seconds=30))
    ws = opened.book["任务"]
    rows = opened.rows(ws, max_row=1001, max_col=2)
    for _ in range(300):
        next(rows)
    now[0] = 31.0  # half a minute later, somewhere in the middle of the sheet
    with pytest.raises(WorkbookError) as caught:
        list(rows)
    opened.close()
    assert (caught.value.code, caught.value.params) == ("too_slow", {"seconds": "30"})


def test_a_sheet_broken_where_only_read_only_mode_finds_it_is_corrupt():
    data = package(listed(3).replace('<row r="3">', '<row r="3"><c r="A3" t="s"><v>999</v></c>'))
    with open_workbook(data) as opened:
        with pytest.raises(WorkbookError) as caught:
            list(opened.rows(opened.book["任务"], max_row=4))
    assert caught.value.code == "corrupt"


def test_the_defaults_are_the_settings_defaults():
    assert Limits.from_settings(settings) == Limits()
    assert Limits().max_cells == settings.DUBAN_IMPORT_MAX_CELLS == 1_000_000
