"""duban.documents.sheets: styled workbooks, read back with openpyxl and through LibreOffice."""

from __future__ import annotations

import csv
import datetime as dt
import io
import time
import zipfile
from decimal import Decimal

import openpyxl
import pytest

from duban.documents.sheets import Column, Sheet, clean_sheet_title, write_workbook
from tests.office import LibreOffice, libreoffice_fixture  # noqa: F401 (a fixture)

HOSTILE = ["=1+1", "+86 138", "-5", "@SUM(A1)", "\t=1+1", "\r=1+1", '=HYPERLINK("http://x")']

COLUMNS = [
    Column("serial", "序号", kind="int"),
    Column("unit", "牵头单位"),
    Column("title", "任务名称"),
    Column("due", "完成时限", kind="date"),
    Column("filed", "报送时间", kind="datetime"),
    Column("invest", "完成投资（万元）", kind="decimal"),
    Column("rate", "完成率", kind="percent"),
    Column("remark", "备注"),
]


def task_rows() -> list[dict[str, object]]:
    rows: list[dict[str, object]] = [
        {
            "serial": 1,
            "unit": "发展改革局",
            "title": "建设科技创新平台",
            "due": dt.date(2026, 12, 31),
            "filed": dt.datetime(2026, 11, 23, 9, 30),
            "invest": Decimal("12345.678"),
            "rate": 0.853,
            "remark": "按期推进，本周完成主体结构施工，下周开展设备安装调试工作，预计月底完工，"
            "并同步推进配套道路、管网和供电工程建设。",
        }
    ]
    for n, text in enumerate(HOSTILE, 2):
        rows.append({"serial": n, "unit": "财政局", "title": f"任务{n}", "remark": text})
    return rows


def load(data: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(data))


@pytest.fixture(scope="module")
def book() -> openpyxl.Workbook:
    data = write_workbook(
        [
            Sheet(
                "任务清单",
                COLUMNS,
                task_rows(),
                heading="2026年重点任务清单",
                notes=["数据截至2026年11月23日。", "注：完成率=完成投资/计划投资。"],
            ),
            Sheet(
                "排名",
                [Column("rank", "排名", kind="int"), Column("unit", "单位", width=30)],
                [(1, "自然资源局"), (2, "财政局")],
                freeze_first_column=True,
            ),
        ]
    )
    return load(data)


def test_the_heading_is_merged_over_the_columns_and_the_header_is_styled(book):
    ws = book["任务清单"]
    assert ws["A1"].value == "2026年重点任务清单"
    assert ws["A1"].font.bold
    assert "A1:H1" in {str(r) for r in ws.merged_cells.ranges}
    header = [c for c in ws[2]]
    assert [c.value for c in header] == [c.title for c in COLUMNS]
    for cell in header:
        assert cell.font.bold
        assert cell.fill.fill_type == "solid"
        assert cell.fill.fgColor.rgb.endswith("DDEBF7")
        assert cell.border.bottom.style == "thin" and cell.border.left.style == "thin"
        assert cell.alignment.horizontal == "center"
    assert ws["B3"].border.top.style == "thin"  # body cells are ruled too


def test_panes_freeze_below_the_header_and_after_the_first_column_when_asked(book):
    assert book["任务清单"].freeze_panes == "A3"
    assert book["排名"].freeze_panes == "B2"


def test_the_header_has_an_autofilter_and_repeats_on_printed_pages(book):
    ws = book["任务清单"]
    assert ws.auto_filter.ref == f"A2:H{2 + len(task_rows())}"
    assert "2:2" in str(ws.print_title_rows).replace("$", "")
    assert book["排名"].auto_filter.ref == "A1:B3"


def test_column_widths_follow_content_with_chinese_characters_counting_double(book):
    ws = book["任务清单"]
    width = {c.key: ws.column_dimensions[chr(ord("A") + i)].width for i, c in enumerate(COLUMNS)}
    assert width["unit"] == pytest.approx(2 * 5 + 2)  # 发展改革局: five wide characters
    assert width["title"] == pytest.approx(2 * 8 + 2)  # 建设科技创新平台
    assert width["serial"] == pytest.approx(6 + 2)  # the minimum
    assert width["due"] == pytest.approx(10 + 2)  # yyyy-mm-dd
    assert width["remark"] == pytest.approx(50)  # capped; the text wraps
    assert book["排名"].column_dimensions["B"].width == pytest.approx(30)  # as given


def test_long_text_wraps_and_its_row_grows(book):
    ws = book["任务清单"]
    remark = ws["H3"]
    assert remark.alignment.wrap_text
    assert ws.row_dimensions[3].height >= 30
    assert not ws["B3"].alignment.wrap_text


def test_dates_and_numbers_are_real_values_with_formats(book):
    ws = book["任务清单"]
    due, filed, invest, rate, serial = ws["D3"], ws["E3"], ws["F3"], ws["G3"], ws["A3"]
    assert due.is_date and due.value.date() == dt.date(2026, 12, 31)
    assert due.number_format == "yyyy-mm-dd"
    assert filed.is_date and filed.value == dt.datetime(2026, 11, 23, 9, 30)
    assert filed.number_format == "yyyy-mm-dd hh:mm"
    assert invest.data_type == "n" and invest.value == pytest.approx(12345.678)
    assert invest.number_format == "#,##0.00"
    assert rate.data_type == "n" and rate.value == pytest.approx(0.853)
    assert rate.number_format == "0.0%"
    assert serial.data_type == "n" and serial.value == 1 and serial.number_format == "0"


@pytest.mark.parametrize("text", HOSTILE)
def test_text_that_looks_like_a_formula_stays_literal_text(book, text):
    ws = book["任务清单"]
    [cell] = [row[7] for row in ws.iter_rows(min_row=3) if row[7].value == text]
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert cell.number_format == "@"


def test_no_formula_reaches_the_file():
    data = write_workbook(
        [
            Sheet(
                "x",
                [Column("a", "=title"), Column("n", "n", kind="decimal")],
                [("=1+1", "=2+2")],
                heading="=heading",
                notes=["-note"],
            )
        ]
    )
    ws = load(data)["x"]
    cells = [c for row in ws.iter_rows() for c in row if c.value is not None]
    assert {c.value for c in cells} == {"=heading", "=title", "n", "=1+1", "=2+2", "-note"}
    assert all(c.data_type == "s" for c in cells)
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml


def test_notes_are_merged_rows_after_a_blank_row(book):
    ws = book["任务清单"]
    last_data = 2 + len(task_rows())
    assert ws.cell(last_data + 1, 1).value is None
    assert ws.cell(last_data + 2, 1).value == "数据截至2026年11月23日。"
    assert ws.cell(last_data + 3, 1).value == "注：完成率=完成投资/计划投资。"
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert f"A{last_data + 2}:H{last_data + 2}" in merged


def test_rows_may_be_tuples_dicts_or_short_and_values_are_coerced():
    tz = dt.timezone(dt.timedelta(hours=8))
    columns = [
        Column("a", "a"),
        Column("d", "d", kind="date"),
        Column("t", "t", kind="datetime"),
        Column("x", "x", kind="decimal"),
        Column("n", "n", kind="int"),
    ]
    rows = [
        ("bad\x00\x07char", dt.datetime(2026, 11, 23, 23, 30, tzinfo=tz), dt.date(2026, 11, 23)),
        {"a": 12345, "d": "待定", "x": float("nan"), "n": Decimal("7")},
        ("only one",),
    ]
    ws = load(write_workbook([Sheet("x", columns, rows)]))["x"]
    assert [c.value for c in ws[2]] == [
        "badchar",
        dt.datetime(2026, 11, 23),
        dt.datetime(2026, 11, 23, 0, 0),
        None,
        None,
    ]
    assert [c.value for c in ws[3]] == ["12345", "待定", None, None, 7]
    assert ws["B3"].data_type == "s"  # a date column keeps a text it cannot read as a date
    assert ws["A4"].value == "only one"
    with pytest.raises(ValueError):
        write_workbook([Sheet("x", columns[:1], [("a", "b")])])


def test_an_aware_datetime_keeps_its_wall_clock_time():
    tz = dt.timezone(dt.timedelta(hours=8))
    ws = load(
        write_workbook(
            [
                Sheet(
                    "x",
                    [Column("t", "t", kind="datetime")],
                    [(dt.datetime(2026, 1, 2, 9, 5, tzinfo=tz),)],
                )
            ]
        )
    )["x"]
    assert ws["A2"].value == dt.datetime(2026, 1, 2, 9, 5)


@pytest.mark.parametrize(
    ("title", "taken", "clean"),
    [
        ("任务清单: 2026/11*", [], "任务清单 2026 11"),
        ("[a]?b\\c", [], "a b c"),
        ("x" * 40, [], "x" * 31),
        ("'quoted'", [], "quoted"),
        ("History", [], "History 1"),
        ("", [], "Sheet"),
        ("排名", ["排名"], "排名 (2)"),
        ("Rank", ["rank", "RANK (2)"], "Rank (3)"),
        ("y" * 31, ["y" * 31], "y" * 27 + " (2)"),
    ],
)
def test_sheet_titles_follow_excels_rules(title, taken, clean):
    assert clean_sheet_title(title, taken) == clean


def test_duplicate_sheet_titles_are_numbered_in_the_workbook():
    column = [Column("a", "a")]
    book = load(
        write_workbook([Sheet("排名", column), Sheet("排名", column), Sheet("a/b", column)])
    )
    assert book.sheetnames == ["排名", "排名 (2)", "a b"]


def test_an_empty_workbook_or_sheet_is_refused():
    with pytest.raises(ValueError):
        write_workbook([])
    with pytest.raises(ValueError):
        write_workbook([Sheet("x", [])])
    with pytest.raises(ValueError):
        Column("a", "a", kind="money")  # type: ignore[arg-type]


def test_fifty_thousand_rows_write_in_seconds():
    count = 50_000
    columns = COLUMNS[:4] + [Column("invest", "完成投资（万元）", kind="decimal")]

    def rows():
        for n in range(count):
            yield (
                n + 1,
                "发展改革局",
                f"建设科技创新平台第{n}期",
                dt.date(2026, 12, 31),
                Decimal(n) / 4,
            )

    started = time.process_time()
    data = write_workbook([Sheet("任务清单", columns, rows(), heading="全部任务")])
    cpu = time.process_time() - started
    # About 4 s of CPU on a busy two-core machine; the bound catches a regression
    # (a non-streaming path, a quadratic step), not a slow neighbour.
    assert cpu < 20, f"{cpu:.1f} s"
    # Reading 50,000 rows back with openpyxl would take longer than writing them;
    # the sheet's XML says enough: the heading, the header, then every row in order.
    xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml").decode()
    assert f'<row r="{count + 2}"' in xml and f'<row r="{count + 3}"' not in xml
    assert xml.count("<row ") == count + 2
    last_row = xml[xml.index(f'<row r="{count + 2}"') :]
    assert f"<v>{count}</v>" in last_row  # the serial of the last task


# --- through LibreOffice ------------------------------------------------------------------


def test_libreoffice_reads_the_workbook_and_keeps_hostile_text_literal(
    libreoffice: LibreOffice, tmp_path
):
    source = tmp_path / "tasks.xlsx"
    source.write_bytes(
        write_workbook([Sheet("任务清单", COLUMNS, task_rows(), heading="2026年重点任务清单")])
    )
    text = libreoffice.csv(source)
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "2026年重点任务清单"
    assert rows[1] == [c.title for c in COLUMNS]
    first = rows[2]
    assert first[1:3] == ["发展改革局", "建设科技创新平台"]
    assert first[3] == "2026-12-31"  # a date, shown with its format
    assert first[5] == "12,345.68"
    assert first[6] == "85.3%"
    remarks = [row[7] for row in rows[3 : 3 + len(HOSTILE)]]
    assert remarks[:4] == ["=1+1", "+86 138", "-5", "@SUM(A1)"]
    assert "2" not in remarks  # nothing was computed
    assert remarks[6] == '=HYPERLINK("http://x")'
