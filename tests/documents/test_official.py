"""duban.documents.official: GB/T 9704-2012 documents, read back as XML and through LibreOffice."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from lxml import etree

from duban.documents import official
from duban.documents.official import OfficialDocument, document_number, format_date
from tests import office
from tests.office import LibreOffice, libreoffice_fixture  # noqa: F401 (a fixture)

W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {"w": W_NS}
DAY = dt.date(2026, 11, 23)


def w(name: str) -> str:
    return f"{{{W_NS}}}{name}"


class Package:
    """A generated .docx, opened as the zip of XML parts it is."""

    def __init__(self, data: bytes) -> None:
        self.zip = zipfile.ZipFile(io.BytesIO(data))

    def xml(self, part: str) -> etree._Element:
        return etree.fromstring(self.zip.read(part))

    @property
    def document(self) -> etree._Element:
        return self.xml("word/document.xml")

    def style(self, style_id: str) -> etree._Element:
        [style] = self.xml("word/styles.xml").xpath(
            f"//w:style[@w:styleId='{style_id}']", namespaces=NS
        )
        return style

    def paragraphs(self) -> list[etree._Element]:
        """Body paragraphs outside tables, in order."""
        return self.document.xpath("/w:document/w:body/w:p", namespaces=NS)

    def paragraph(self, text: str) -> etree._Element:
        """The body paragraph whose text starts with ``text``."""
        found = [p for p in self.paragraphs() if text_of(p).startswith(text)]
        assert found, f"no paragraph starts with {text!r}"
        return found[0]

    def footers(self) -> dict[str, etree._Element]:
        """Footer parts by reference type (default = odd pages, even)."""
        rels = self.xml("word/_rels/document.xml.rels")
        targets = {r.get("Id"): r.get("Target") for r in rels}
        refs = self.document.xpath("//w:sectPr/w:footerReference", namespaces=NS)
        rid = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id"
        return {ref.get(w("type")): self.xml(f"word/{targets[ref.get(rid)]}") for ref in refs}


def text_of(element: etree._Element) -> str:
    return "".join(element.xpath(".//w:t/text()", namespaces=NS))


def attr(element: etree._Element, path: str, name: str = "val") -> str | None:
    found = element.xpath(path, namespaces=NS)
    return found[0].get(w(name)) if found else None


def run_props(paragraph: etree._Element) -> list[etree._Element]:
    return paragraph.xpath(".//w:r[w:t]/w:rPr", namespaces=NS)


def notice(language: str = "zh-hans", **kwargs) -> OfficialDocument:
    """A supervision notice with every kind of element the office uses."""
    doc = OfficialDocument(language, **kwargs)
    if language == "en":
        doc.number("Duban [2026] No. 3")
        doc.title("Notice on Speeding Up the Key Projects")
        doc.addressee("All units concerned")
        doc.paragraph("The office gives notice as follows.")
        doc.heading(1, "General requirements")
        doc.heading(2, "Start the projects")
        doc.heading(3, "Land.", body="The bureau clears the land by 30 November.")
        doc.heading(4, "Permits")
        doc.heading(4, "Power")
        doc.heading(2, "Funding")
        doc.heading(3, "Budget")
        doc.table(["Rank", "Unit", "Score"], [[1, "Finance Bureau", 98.5]])
        doc.signature("Supervision Office", DAY)
        return doc
    doc.number(document_number("督办", 2026, 3))
    doc.title("关于加快推进重点项目建设的督办通知")
    doc.addressee("各园区管委会、各有关单位")
    doc.paragraph("为确保全年目标任务顺利完成，现将有关事项通知如下。")
    doc.heading(1, "总体要求")
    doc.paragraph("对不作为、慢作为的单位实行动态预警督办。")
    doc.heading(2, "加快项目开工")
    doc.heading(3, "用地保障。", body="自然资源局牵头，11月30日前完成用地报批。")
    doc.heading(4, "办理施工许可")
    doc.heading(4, "落实电力配套")
    doc.heading(3, "资金保障")
    doc.heading(2, "强化要素保障")
    doc.heading(1, "考核排名")
    doc.heading(2, "季度排名")
    doc.heading(3, "排名规则")
    doc.table(
        ["排名", "单位", "得分", "报送日期"],
        [[1, "发展改革局", 98.5, dt.date(2026, 11, 20)], [2, "自然资源局", 91, None]],
    )
    doc.signature("某某高新区管委会督查室", DAY)
    doc.note("此件公开发布")
    return doc


@pytest.fixture(scope="module")
def zh() -> Package:
    return Package(notice().to_bytes())


@pytest.fixture(scope="module")
def en() -> Package:
    return Package(notice("en").to_bytes())


# --- the page -------------------------------------------------------------------------


def test_the_page_is_a4_with_the_gb_margins_in_twips(zh):
    # 5.2.1-5.2.2: A4; top 37 mm, bottom 35 mm, left 28 mm, right 26 mm (1 mm = 56.69 twips).
    [sect] = zh.document.xpath("//w:body/w:sectPr", namespaces=NS)
    size = sect.find(w("pgSz"))
    assert (size.get(w("w")), size.get(w("h"))) == ("11906", "16838")
    assert size.get(w("orient")) in (None, "portrait")
    margins = sect.find(w("pgMar"))
    assert {side: margins.get(w(side)) for side in ("top", "bottom", "left", "right")} == {
        "top": "2098",
        "bottom": "1984",
        "left": "1587",
        "right": "1474",
    }
    # The type area is 156 mm × 225 mm.
    assert 11906 - 1587 - 1474 == pytest.approx(156 * 1440 / 25.4, abs=1)
    assert 16838 - 2098 - 1984 == pytest.approx(225 * 1440 / 25.4, abs=1)


def test_the_title_is_size_2_xiaobiaosong_centred(zh):
    title = zh.paragraph("关于加快推进重点项目建设的督办通知")
    assert attr(title, "w:pPr/w:pStyle") == "Title"
    assert attr(zh.style("Title"), "w:pPr/w:jc") == "center"
    for rpr in run_props(title):
        assert attr(rpr, "w:sz") == "44"  # 二号 = 22 pt = 44 half-points
        assert attr(rpr, "w:rFonts", "eastAsia") == "方正小标宋简体"
        assert attr(rpr, "w:rFonts", "ascii") == "Times New Roman"
    assert attr(zh.style("Title"), "w:rPr/w:sz") == "44"
    assert attr(zh.style("Title"), "w:rPr/w:rFonts", "eastAsia") == "方正小标宋简体"


def test_the_document_number_sits_above_the_title_centred(zh):
    texts = [text_of(p) for p in zh.paragraphs()]
    assert texts.index("督办〔2026〕3号") < texts.index("关于加快推进重点项目建设的督办通知")
    number = zh.paragraph("督办〔2026〕3号")
    assert attr(number, "w:pPr/w:jc") == "center"
    assert {attr(r, "w:sz") for r in run_props(number)} == {"32"}
    assert {attr(r, "w:rFonts", "eastAsia") for r in run_props(number)} == {"仿宋_GB2312"}


def test_the_body_is_size_3_fangsong_indented_two_characters_on_28_95_pt_lines(zh):
    body = zh.paragraph("为确保全年目标任务顺利完成")
    for rpr in run_props(body):
        assert attr(rpr, "w:sz") == "32"  # 三号 = 16 pt
        assert attr(rpr, "w:rFonts", "eastAsia") == "仿宋_GB2312"
        assert attr(rpr, "w:rFonts", "hAnsi") == "Times New Roman"
    normal = zh.style("Normal")
    assert attr(normal, "w:rPr/w:sz") == "32"
    assert attr(normal, "w:rPr/w:rFonts", "eastAsia") == "仿宋_GB2312"
    assert attr(normal, "w:rPr/w:rFonts", "asciiTheme") is None  # no theme font overrides
    assert attr(normal, "w:pPr/w:ind", "firstLine") == "640"  # two 16 pt characters
    assert attr(normal, "w:pPr/w:spacing", "lineRule") == "exact"
    assert 28 * 20 <= int(attr(normal, "w:pPr/w:spacing", "line")) <= 29 * 20
    # 22 lines fill the 225 mm type area.
    assert 22 * int(attr(normal, "w:pPr/w:spacing", "line")) <= 16838 - 2098 - 1984


def test_the_addressee_is_flush_left_with_a_full_width_colon(zh):
    line = zh.paragraph("各园区管委会")
    assert text_of(line) == "各园区管委会、各有关单位："
    assert attr(line, "w:pPr/w:ind", "firstLine") == "0"


def test_headings_are_numbered_by_level_and_lower_levels_restart(zh):
    headings = [
        text_of(p)
        for p in zh.paragraphs()
        if (attr(p, "w:pPr/w:pStyle") or "").startswith("Heading") or "用地保障" in text_of(p)
    ]
    assert headings == [
        "一、总体要求",
        "（一）加快项目开工",
        "1.用地保障。自然资源局牵头，11月30日前完成用地报批。",
        "（1）办理施工许可",
        "（2）落实电力配套",
        "2.资金保障",
        "（二）强化要素保障",
        "二、考核排名",
        "（一）季度排名",
        "1.排名规则",
    ]


@pytest.mark.parametrize(
    ("level", "face", "bold"),
    [
        (1, "黑体", False),
        (2, "楷体_GB2312", False),
        (3, "仿宋_GB2312", True),
        (4, "仿宋_GB2312", False),
    ],
)
def test_each_heading_level_has_its_face(zh, level, face, bold):
    style = zh.style(f"Heading{level}")
    assert attr(style, "w:rPr/w:rFonts", "eastAsia") == face
    assert attr(style, "w:rPr/w:sz") == "32"
    assert attr(style, "w:pPr/w:outlineLvl") == str(level - 1)
    assert attr(style, "w:rPr/w:color") is None  # the template's blue is gone
    b = style.xpath("w:rPr/w:b", namespaces=NS)
    assert bool(b) and (b[0].get(w("val")) != "0") is bold


def test_a_run_in_heading_keeps_its_face_and_the_body_after_it_does_not(zh):
    paragraph = zh.paragraph("1.用地保障。")
    head, body = run_props(paragraph)
    assert attr(head, "w:b") is None and head.find(w("b")) is not None  # bold on
    assert attr(body, "w:b") == "0"  # bold explicitly off
    assert attr(body, "w:rFonts", "eastAsia") == "仿宋_GB2312"


def test_heading_numbers_can_be_left_to_the_caller():
    doc = OfficialDocument(numbered=False)
    doc.heading(1, "一是抓项目")
    doc.heading(2, "（一）开工")
    doc.heading(1, "附件说明", numbered=True)
    texts = [text_of(p) for p in Package(doc.to_bytes()).paragraphs()]
    assert texts[:3] == ["一是抓项目", "（一）开工", "一、附件说明"]


def test_an_unnumbered_heading_restarts_the_levels_below_it():
    doc = OfficialDocument()
    doc.heading(1, "甲")
    doc.heading(2, "乙")
    doc.heading(2, "丙")
    doc.heading(1, "结语", numbered=False)
    doc.heading(2, "丁")
    doc.heading(1, "戊")
    texts = [text_of(p) for p in Package(doc.to_bytes()).paragraphs()]
    assert texts[:6] == ["一、甲", "（一）乙", "（二）丙", "结语", "（一）丁", "二、戊"]


@pytest.mark.parametrize("level", [0, 5])
def test_only_four_heading_levels_exist(level):
    with pytest.raises(ValueError):
        OfficialDocument().heading(level, "x")


@pytest.mark.parametrize(
    ("n", "numeral"),
    [
        (1, "一"),
        (10, "十"),
        (11, "十一"),
        (20, "二十"),
        (21, "二十一"),
        (99, "九十九"),
        (100, "一百"),
        (101, "一百零一"),
        (110, "一百一十"),
        (1001, "一千零一"),
        (1010, "一千零一十"),
    ],
)
def test_chinese_numerals(n, numeral):
    assert official.chinese_numeral(n) == numeral


def test_level_numbers_run_past_ten():
    doc = OfficialDocument()
    for i in range(12):
        doc.heading(1, f"事项{i}")
    texts = [text_of(p) for p in Package(doc.to_bytes()).paragraphs()]
    assert texts[9:12] == ["十、事项9", "十一、事项10", "十二、事项11"]


# --- tables ----------------------------------------------------------------------------


def test_the_table_has_rules_a_bold_repeated_header_and_columns_across_the_type_area(zh):
    [table] = zh.document.xpath("//w:tbl", namespaces=NS)
    borders = table.find(f"{w('tblPr')}/{w('tblBorders')}")
    assert {b.tag.split("}")[1]: b.get(w("val")) for b in borders} == {
        edge: "single" for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
    }
    header, *rows = table.findall(w("tr"))
    assert header.find(f"{w('trPr')}/{w('tblHeader')}") is not None
    assert all(row.find(f"{w('trPr')}/{w('tblHeader')}") is None for row in rows)
    for rpr in run_props(header):
        assert rpr.find(w("b")) is not None and attr(rpr, "w:b") is None
    for rpr in run_props(rows[0]):
        assert attr(rpr, "w:b") == "0"
        assert int(attr(rpr, "w:sz")) <= 28  # 四号 or smaller
        assert attr(rpr, "w:rFonts", "eastAsia") == "仿宋_GB2312"
    widths = [int(c.get(w("w"))) for c in table.xpath("w:tblGrid/w:gridCol", namespaces=NS)]
    assert sum(widths) == round(156 * 1440 / 25.4)
    assert attr(table, "w:tblPr/w:tblLayout", "type") == "fixed"
    cells = [text_of(c) for c in rows[0].findall(w("tc"))]
    assert cells == ["1", "发展改革局", "98.50", "2026年11月20日"]
    assert [text_of(c) for c in rows[1].findall(w("tc"))] == ["2", "自然资源局", "91", ""]


def test_given_column_widths_are_scaled_to_the_type_area():
    doc = OfficialDocument()
    doc.table(["a", "b"], [["1", "2"]], widths_mm=[1, 3], align=["left", "right"])
    [table] = Package(doc.to_bytes()).document.xpath("//w:tbl", namespaces=NS)
    widths = [int(c.get(w("w"))) for c in table.xpath("w:tblGrid/w:gridCol", namespaces=NS)]
    assert widths == [2211, 6633]
    body = table.findall(w("tr"))[1]
    assert [attr(c, "w:p/w:pPr/w:jc") for c in body.findall(w("tc"))] == ["left", "right"]


def test_narrow_columns_keep_their_width_when_a_wide_one_must_wrap():
    remark = "逾期未报，已发督办单要求限期整改并书面说明原因" * 2
    doc = OfficialDocument()
    doc.table(["排名", "情况说明"], [[1, remark]])
    [table] = Package(doc.to_bytes()).document.xpath("//w:tbl", namespaces=NS)
    rank, text = (int(c.get(w("w"))) for c in table.xpath("w:tblGrid/w:gridCol", namespaces=NS))
    assert rank < 1000 < text  # 排名 needs two characters, not half the page
    body = table.findall(w("tr"))[1]
    assert [attr(c, "w:p/w:pPr/w:jc") for c in body.findall(w("tc"))] == ["center", "left"]


def test_a_row_of_the_wrong_length_is_refused():
    with pytest.raises(ValueError, match="row 1"):
        OfficialDocument().table(["a", "b"], [["only one"]])


# --- signature, note, page numbers, fonts -----------------------------------------------


def test_the_date_is_four_characters_in_from_the_right_and_the_organisation_centred_over_it(zh):
    date = zh.paragraph("2026年11月23日")
    assert text_of(date) == "2026年11月23日"
    assert attr(date, "w:pPr/w:jc") == "right"
    assert attr(date, "w:pPr/w:ind", "right") == str(4 * 320)
    organisation = zh.paragraph("某某高新区管委会督查室")
    assert attr(organisation, "w:pPr/w:jc") == "right"
    # 11 characters over a date 8.25 wide: (11 - 8.25) / 2 = 1.375 characters less.
    assert int(attr(organisation, "w:pPr/w:ind", "right")) == round((4 - 1.375) * 320)
    texts = [text_of(p) for p in zh.paragraphs()]
    assert texts.index("某某高新区管委会督查室") + 1 == texts.index("2026年11月23日")
    assert texts[texts.index("2026年11月23日") + 1] == "（此件公开发布）"


@pytest.mark.parametrize(
    ("day", "zh_text", "en_text"),
    [
        (DAY, "2026年11月23日", "23 November 2026"),
        (dt.date(2027, 1, 5), "2027年1月5日", "5 January 2027"),  # no leading zeros (7.3.5)
    ],
)
def test_dates_are_written_in_full(day, zh_text, en_text):
    assert format_date(day) == zh_text
    assert format_date(day, "en") == en_text


def test_page_numbers_are_dashed_odd_right_even_left_from_a_page_field(zh):
    settings = zh.xml("word/settings.xml")
    assert settings.find(w("evenAndOddHeaders")) is not None
    footers = zh.footers()
    assert set(footers) >= {"default", "even"}
    for kind, align in (("default", "right"), ("even", "left")):
        footer = footers[kind]
        [p] = footer.findall(w("p"))
        assert attr(p, "w:pPr/w:jc") == align
        assert "PAGE" in "".join(footer.xpath(".//w:instrText/text()", namespaces=NS))
        assert text_of(p) == "— 1 —"
        assert {attr(r, "w:sz") for r in run_props(p)} == {"28"}  # 四号 = 14 pt
        assert {attr(r, "w:rFonts", "eastAsia") for r in run_props(p)} == {"宋体"}
    odd, even = footers["default"].find(w("p")), footers["even"].find(w("p"))
    assert attr(odd, "w:pPr/w:ind", "right") == "280"  # one 14 pt character in
    assert attr(even, "w:pPr/w:ind", "left") == "280"


def test_the_font_table_names_fallbacks_for_the_gb_fonts(zh):
    fonts = {
        f.get(w("name")): attr(f, "w:altName")
        for f in zh.xml("word/fontTable.xml").findall(w("font"))
    }
    assert fonts["仿宋_GB2312"] == "仿宋"
    assert fonts["仿宋"] == "FangSong"
    assert fonts["方正小标宋简体"] == "华文中宋"
    assert fonts["华文中宋"] == "宋体"
    assert fonts["宋体"] == "SimSun"
    assert fonts["黑体"] == "SimHei"
    assert fonts["楷体_GB2312"] == "楷体"
    assert fonts["楷体"] == "KaiTi"
    assert "Times New Roman" in fonts


def test_the_rest_of_the_package_survives_the_font_table_rewrite(zh):
    names = zh.zip.namelist()
    assert names[0] == "[Content_Types].xml"
    assert {"word/document.xml", "word/styles.xml", "word/settings.xml"} <= set(names)
    assert zh.zip.testzip() is None


def test_the_core_properties_name_the_document(zh):
    core = zh.xml("docProps/core.xml")
    dc = "{http://purl.org/dc/elements/1.1/}"
    assert core.find(f"{dc}title").text == "关于加快推进重点项目建设的督办通知"
    assert core.find(f"{dc}creator").text == "某某高新区管委会督查室"


def test_a_page_break_and_a_line_break():
    doc = OfficialDocument()
    doc.title("第一行\n第二行")
    doc.page_break()
    package = Package(doc.to_bytes())
    assert package.document.xpath("//w:br[@w:type='page']", namespaces=NS)
    [title] = [p for p in package.paragraphs() if text_of(p) == "第一行第二行"]
    assert len(title.xpath(".//w:br", namespaces=NS)) == 1


# --- English ---------------------------------------------------------------------------


def test_an_english_document_keeps_the_page_and_uses_english_conventions(en):
    [sect] = en.document.xpath("//w:body/w:sectPr", namespaces=NS)
    assert sect.find(w("pgSz")).get(w("w")) == "11906"
    assert sect.find(w("pgMar")).get(w("top")) == "2098"
    title = en.paragraph("Notice on Speeding Up")
    for rpr in run_props(title):
        assert attr(rpr, "w:sz") == "36"  # 18 pt
        assert attr(rpr, "w:rFonts", "ascii") == "Arial"
        assert rpr.find(w("b")) is not None and attr(rpr, "w:b") is None
    body = en.paragraph("The office gives notice")
    for rpr in run_props(body):
        assert attr(rpr, "w:sz") == "24"  # 12 pt
        assert attr(rpr, "w:rFonts", "ascii") == "Times New Roman"
    texts = [text_of(p) for p in en.paragraphs()]
    headings = [
        text_of(p)
        for p in en.paragraphs()
        if (attr(p, "w:pPr/w:pStyle") or "").startswith("Heading") or "Land." in text_of(p)
    ]
    assert headings == [
        "1. General requirements",
        "1.1 Start the projects",
        "(a) Land. The bureau clears the land by 30 November.",
        "(i) Permits",
        "(ii) Power",
        "1.2 Funding",
        "(a) Budget",
    ]
    assert "All units concerned:" in texts
    assert "23 November 2026" in texts
    footer = en.footers()["even"]
    assert text_of(footer) == "— 1 —"
    assert en.xml("word/settings.xml").find(w("evenAndOddHeaders")) is not None


def test_an_unknown_language_is_refused():
    with pytest.raises(ValueError):
        OfficialDocument("fr")


# --- through LibreOffice ------------------------------------------------------------------


def test_libreoffice_opens_the_chinese_document_as_pdf_and_text(libreoffice: LibreOffice, tmp_path):
    source = tmp_path / "notice.docx"
    source.write_bytes(notice().to_bytes())
    pdf = libreoffice.pdf(source)
    assert pdf.stat().st_size > 1024
    assert pdf.read_bytes().startswith(b"%PDF")
    text = libreoffice.text(source)
    assert "关于加快推进重点项目建设的督办通知" in text
    assert "一、总体要求" in text
    assert "（一）加快项目开工" in text
    assert "发展改革局" in text  # a table cell
    assert "2026年11月23日" in text
    assert "督办〔2026〕3号" in text


@pytest.mark.parametrize(
    ("ci", "outcome"), [("true", pytest.fail.Exception), ("", pytest.skip.Exception)]
)
def test_a_missing_libreoffice_skips_here_and_fails_under_ci(monkeypatch, ci, outcome):
    monkeypatch.setattr(office, "find_soffice", lambda: None)
    monkeypatch.setenv("CI", ci)
    with pytest.raises(outcome):
        office.require_libreoffice()


def test_the_signature_takes_the_last_line_of_text_and_the_note_along():
    doc = OfficialDocument()
    doc.paragraph("请各单位于12月5日前书面报告整改情况。")
    doc.signature("督查室", "2026年11月23日")
    doc.note("此件公开发布")
    package = Package(doc.to_bytes())
    kept = [text_of(p) for p in package.paragraphs() if p.xpath("w:pPr/w:keepNext", namespaces=NS)]
    assert kept == ["请各单位于12月5日前书面报告整改情况。", "督查室", "2026年11月23日"]
