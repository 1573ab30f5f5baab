"""Official documents (公文) in the GB/T 9704-2012 format, as .docx bytes.

The office's assignment sheets, supervision notices and monthly reviews leave
the building as official documents, and a document that does not look like one
(wrong paper, wrong fonts, numbering typed by hand and out of step) is sent
back. This module is the one place that knows the format; callers hand it
plain text and data, in reading order, and get bytes:

    doc = OfficialDocument()
    doc.number(document_number("督办", 2026, 3))
    doc.title("关于加快推进重点项目建设的督办通知")
    doc.addressee("各有关单位")
    doc.paragraph("为确保……，现将有关事项通知如下。")
    doc.heading(1, "总体要求")          # → 一、总体要求
    doc.heading(2, "加快项目开工")      # → （一）加快项目开工
    doc.table(["单位", "得分"], [["发展改革局", 98.5]])
    doc.signature("某某区督查室", dt.date(2026, 11, 23))
    data = doc.to_bytes()

No database and no Django: the same builder serves the web views, the
commands and the tests. English documents (``language="en"``) keep the page
and the structure and use English type and numbering conventions.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

from docx import Document as new_document
from docx.document import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Pt, Twips
from docx.styles.style import ParagraphStyle
from docx.table import Table
from docx.text.paragraph import Paragraph
from docx.text.run import Run
from lxml import etree

# --- GB/T 9704-2012, in one place ---------------------------------------------------
# Clause numbers refer to GB/T 9704-2012 《党政机关公文格式》.

# 5.2.1 纸张: A4, 210 mm × 297 mm.
PAGE_WIDTH_MM = 210.0
PAGE_HEIGHT_MM = 297.0
# 5.2.2 版面: 天头 (top) 37 mm ± 1 mm, 订口 (left) 28 mm ± 1 mm, 版心 (type area)
# 156 mm × 225 mm, which leaves 35 mm at the bottom and 26 mm at the right.
MARGIN_TOP_MM = 37.0
MARGIN_BOTTOM_MM = 35.0
MARGIN_LEFT_MM = 28.0
MARGIN_RIGHT_MM = 26.0
TEXT_WIDTH_MM = PAGE_WIDTH_MM - MARGIN_LEFT_MM - MARGIN_RIGHT_MM  # 156
TEXT_HEIGHT_MM = PAGE_HEIGHT_MM - MARGIN_TOP_MM - MARGIN_BOTTOM_MM  # 225
# 5.2.4 行数和字数: 一般每面排 22 行，每行排 28 个字，并撑满版心.
LINES_PER_PAGE = 22
CHARS_PER_LINE = 28

# 字号 in points (the Chinese type-size names the standard uses).
SIZE_2 = 22.0  # 二号: the title (7.3.1)
SIZE_3 = 16.0  # 三号: everything else by default (5.2.3)
SIZE_4 = 14.0  # 四号: page numbers (7.5.2), table bodies here
SIZE_SMALL_4 = 12.0  # 小四: dense tables
SIZE_5 = 10.5  # 五号: the densest ranking tables

# Fonts. 5.2.3: 如无特殊说明，公文格式各要素一般用 3 号仿宋体字; 7.3.1 title 小标宋;
# 7.3.3 levels: 黑体, 楷体, then 仿宋; 7.5.2 page numbers 宋体. Latin letters and
# Arabic figures in Chinese documents are set in Times New Roman (common practice).
FONT_FANGSONG = "仿宋_GB2312"
FONT_XIAOBIAOSONG = "方正小标宋简体"
FONT_HEITI = "黑体"
FONT_KAITI = "楷体_GB2312"
FONT_SONGTI = "宋体"
FONT_LATIN = "Times New Roman"
FONT_LATIN_SANS = "Arial"

# What a machine without the GB fonts should use instead: written to
# word/fontTable.xml as w:altName, one step each, so the chains read
# 仿宋_GB2312 → 仿宋 → FangSong, 方正小标宋简体 → 华文中宋 → 宋体 → SimSun,
# 楷体_GB2312 → 楷体 → KaiTi and 黑体 → SimHei.
FONT_FALLBACKS: dict[str, str] = {
    FONT_FANGSONG: "仿宋",
    "仿宋": "FangSong",
    FONT_XIAOBIAOSONG: "华文中宋",
    "华文中宋": FONT_SONGTI,
    FONT_SONGTI: "SimSun",
    FONT_HEITI: "SimHei",
    FONT_KAITI: "楷体",
    "楷体": "KaiTi",
}

# The 22 lines fill the 225 mm type area: 225 mm = 12,756 twips, / 22 = 579.8,
# rounded down so that the 22nd line still fits: 579 twips = 28.95 pt.
TWIPS_PER_MM = 1440 / 25.4
LINE_PITCH_TWIPS = math.floor(TEXT_HEIGHT_MM * TWIPS_PER_MM / LINES_PER_PAGE)
# 28 characters fill the 156 mm line only at a pitch of 15.79 pt, a little less
# than the 16 pt face, so the body is condensed by a quarter point (w:spacing, in
# twentieths of a point, rounded down so the 28th character fits). Word's own way,
# a docGrid with w:charSpace, is drawn by LibreOffice with every character in two
# grid cells (14 a line), so the grid carries the line pitch only.
CHAR_TRACKING = math.floor(
    TEXT_WIDTH_MM * TWIPS_PER_MM / CHARS_PER_LINE - SIZE_3 * 20
)  # -5, i.e. -0.25 pt

# 7.3.3: body paragraphs (and headings) start two characters in.
INDENT_CHARS = 2
# 7.3.5.1: 成文日期一般右空四字编排; the organisation is centred over the date.
SIGNATURE_RIGHT_CHARS = 4
# 7.3.6: 附注 居左空二字加圆括号编排在成文日期下一行.
NOTE_INDENT_CHARS = 2
# 7.5.2: 页码一般用 4 号半角宋体阿拉伯数字 … 数字左右各放一条一字线; 一字线上距版心下边缘
# 7 mm; 单页码居右空一字，双页码居左空一字. The dash's top sits 28 mm above the page
# edge; it is drawn at half the 14 pt line's height (2.5 mm), so the footer line
# ends 25.5 mm above the edge, which is what Word calls the footer distance.
FOOTER_DISTANCE_MM = 25.5
HEADER_DISTANCE_MM = 15.0
PAGE_NUMBER_OFFSET_CHARS = 1
PAGE_NUMBER_DASH = "—"  # U+2014, the 一字线

Language = Literal["zh-hans", "en"]
Align = Literal["left", "center", "right"]

_ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
}


# --- the two conventions --------------------------------------------------------------


@dataclass(frozen=True)
class Face:
    """A run's type: the Latin face, the East Asian face, the size, bold, italic."""

    latin: str
    east_asian: str
    size_pt: float
    bold: bool = False
    italic: bool = False


@dataclass(frozen=True)
class Profile:
    """Everything that differs between a Chinese and an English document."""

    lang_tag: str
    body: Face
    title: Face
    number: Face
    headings: tuple[Face, Face, Face, Face]
    table: Face
    page_number: Face
    line_twips: int  # exact line pitch of the body
    indent_chars: int  # first-line indent of body paragraphs, in body characters
    space_after_pt: float  # between body paragraphs
    tracking: int  # body character spacing in twentieths of a point


CHINESE = Profile(
    lang_tag="zh-CN",
    body=Face(FONT_LATIN, FONT_FANGSONG, SIZE_3),
    title=Face(FONT_LATIN, FONT_XIAOBIAOSONG, SIZE_2),
    number=Face(FONT_LATIN, FONT_FANGSONG, SIZE_3),
    headings=(
        Face(FONT_LATIN, FONT_HEITI, SIZE_3),  # 一、
        Face(FONT_LATIN, FONT_KAITI, SIZE_3),  # （一）
        Face(FONT_LATIN, FONT_FANGSONG, SIZE_3, bold=True),  # 1.
        Face(FONT_LATIN, FONT_FANGSONG, SIZE_3),  # （1）
    ),
    table=Face(FONT_LATIN, FONT_FANGSONG, SIZE_4),
    page_number=Face(FONT_SONGTI, FONT_SONGTI, SIZE_4),
    line_twips=LINE_PITCH_TWIPS,
    indent_chars=INDENT_CHARS,
    space_after_pt=0,
    tracking=CHAR_TRACKING,
)

ENGLISH = Profile(
    lang_tag="en-GB",
    body=Face(FONT_LATIN, FONT_SONGTI, 12),
    title=Face(FONT_LATIN_SANS, FONT_HEITI, 18, bold=True),
    number=Face(FONT_LATIN, FONT_SONGTI, 12),
    headings=(
        Face(FONT_LATIN_SANS, FONT_HEITI, 14, bold=True),  # 1.
        Face(FONT_LATIN_SANS, FONT_HEITI, 12, bold=True),  # 1.1
        Face(FONT_LATIN, FONT_SONGTI, 12, bold=True),  # (a)
        Face(FONT_LATIN, FONT_SONGTI, 12, italic=True),  # (i)
    ),
    table=Face(FONT_LATIN, FONT_SONGTI, 11),
    page_number=Face(FONT_LATIN, FONT_SONGTI, 12),
    line_twips=360,  # 18 pt: one and a half lines of 12 pt
    indent_chars=0,  # English paragraphs are blocks separated by space
    space_after_pt=6,
    tracking=0,
)


def _profile(language: str) -> Profile:
    tag = language.lower()
    if tag.startswith("zh"):
        return CHINESE
    if tag.startswith("en"):
        return ENGLISH
    raise ValueError(f"no official-document convention for language {language!r}")


# --- numbers, dates, widths -----------------------------------------------------------

_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 105 → 一百零五 (1..9999)."""
    if not 1 <= n <= 9999:
        raise ValueError(f"no Chinese numeral for {n}")
    units = [(1000, "千"), (100, "百"), (10, "十"), (1, "")]
    out: list[str] = []
    pending_zero = False
    for value, name in units:
        digit = n // value % 10
        if digit == 0:
            pending_zero = bool(out)
            continue
        if pending_zero:
            out.append("零")
            pending_zero = False
        # 十二, not 一十二, when the number starts at the tens.
        if not (value == 10 and digit == 1 and not out):
            out.append(_DIGITS[digit])
        out.append(name)
    return "".join(out)


def roman_numeral(n: int) -> str:
    """1 → i, 4 → iv, 9 → ix, 14 → xiv (lower case, as in "(iv)")."""
    if n < 1:
        raise ValueError(f"no Roman numeral for {n}")
    pairs = [
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ]
    out = []
    for value, letters in pairs:
        count, n = divmod(n, value)
        out.append(letters * count)
    return "".join(out)


def letter_numeral(n: int) -> str:
    """1 → a, 26 → z, 27 → aa: the spreadsheet way, so a long list never runs out."""
    if n < 1:
        raise ValueError(f"no letter for {n}")
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(ord("a") + rest) + out
    return out


def heading_label(level: int, counts: Sequence[int], language: str = "zh-hans") -> str:
    """The number in front of a heading, from the running counts of levels 1..level.

    Chinese (7.3.3): 一、 （一） 1. （1）. English: 1. 1.1 (a) (i).
    """
    n = counts[level - 1]
    if _profile(language) is CHINESE:
        if level == 1:
            return f"{chinese_numeral(n)}、"
        if level == 2:
            return f"（{chinese_numeral(n)}）"
        if level == 3:
            return f"{n}."
        return f"（{n}）"
    if level == 1:
        return f"{n}."
    if level == 2:
        return f"{counts[0]}.{n}"
    if level == 3:
        return f"({letter_numeral(n)})"
    return f"({roman_numeral(n)})"


_MONTHS = (
    "January February March April May June July August September October November December"
).split()


def format_date(day: dt.date, language: str = "zh-hans") -> str:
    """2026年11月23日 or 23 November 2026.

    7.3.5: the year, month and day in full, in Arabic figures, with no leading
    zero (1 is not written 01). English month names come from this table, not
    from the process locale, so a server's locale cannot change a document.
    """
    if _profile(language) is CHINESE:
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"


def document_number(prefix: str, year: int, serial: int) -> str:
    """督办〔2026〕3号: 7.2.4, the year in full in 六角括号 〔〕, no leading zeros."""
    return f"{prefix}〔{year}〕{serial}号"


def display_width(text: str) -> float:
    """Width in body characters, as Word and LibreOffice draw it.

    A Chinese character is one, a Latin letter or figure a half, and where the
    two scripts meet ("第80次") a quarter character of space is added (w:autoSpaceDE).
    """
    width = 0.0
    previous: bool | None = None
    for c in text:
        wide = unicodedata.east_asian_width(c) in "WF"
        width += 1.0 if wide else 0.5
        if previous is not None and wide != previous and not c.isspace():
            width += 0.25
        previous = None if c.isspace() else wide
    return width


def _cell_text(value: object, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return f"{format_date(value.date(), language)} {value:%H:%M}"
    if isinstance(value, dt.date):
        return format_date(value, language)
    if isinstance(value, float | Decimal):
        return f"{value:,.2f}" if language == "en" else f"{value:.2f}"
    return str(value)


# --- XML helpers ----------------------------------------------------------------------

_THEME_FONT_ATTRS = ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme")


def _set_face(element: Any, face: Face, lang_tag: str | None = None) -> None:
    """Fonts, size, bold and italic on the w:rPr of a style (w:style) or a run (w:r).

    The East Asian face goes to w:eastAsia and the Latin face to ascii/hAnsi/cs;
    theme font references are removed because Word lets them win over names.
    Bold and italic are always written, on or off, so a run inherits nothing
    it should not have (a run-in body after a bold heading, say).
    """
    rpr = element.get_or_add_rPr()
    fonts = rpr.get_or_add_rFonts()
    for attr in _THEME_FONT_ATTRS:
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:cs"):
        fonts.set(qn(attr), face.latin)
    fonts.set(qn("w:eastAsia"), face.east_asian)
    rpr.get_or_add_b().val = face.bold
    rpr.get_or_add_bCs().val = face.bold
    rpr.get_or_add_i().val = face.italic
    rpr.get_or_add_iCs().val = face.italic
    rpr.sz_val = Pt(face.size_pt)
    szcs = rpr.find(qn("w:szCs"))
    if szcs is None:
        szcs = OxmlElement("w:szCs")
        rpr.sz.addnext(szcs)  # schema order: sz, szCs
    szcs.set(qn("w:val"), str(round(face.size_pt * 2)))
    if lang_tag:
        lang = rpr.find(qn("w:lang"))
        if lang is None:
            lang = OxmlElement("w:lang")
            rpr.append(lang)
        lang.set(qn("w:val"), lang_tag)
        lang.set(qn("w:eastAsia"), "zh-CN")


def _clear_style(style: ParagraphStyle) -> None:
    """Drop a built-in style's own formatting (theme fonts, colours, borders)."""
    for tag in ("w:pPr", "w:rPr"):
        for el in style.element.findall(qn(tag)):
            style.element.remove(el)


def _pitch_twips(face: Face, chars: float) -> int:
    return round(chars * face.size_pt * 20)


def _east_asian_hint(run: Run) -> None:
    """Draw ambiguous marks (the 一字线 —) with the East Asian face, full width."""
    run._r.get_or_add_rPr().get_or_add_rFonts().set(qn("w:hint"), "eastAsia")


def _add_field(paragraph: Paragraph, instruction: str, shown: str, face: Face) -> None:
    """A complex field (begin, instruction, separate, cached result, end):
    ``shown`` is the result stored with it, which Word and LibreOffice display
    until they compute the field (for PAGE, the page number)."""

    def run_with(child: Any) -> None:
        run = paragraph.add_run()
        _set_face(run._r, face)
        run._r.append(child)

    begin = OxmlElement("w:fldChar")
    begin.set(qn("w:fldCharType"), "begin")
    run_with(begin)
    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = f" {instruction} "
    run_with(instr)
    separate = OxmlElement("w:fldChar")
    separate.set(qn("w:fldCharType"), "separate")
    run_with(separate)
    cached = paragraph.add_run(shown)
    _set_face(cached._r, face)
    end = OxmlElement("w:fldChar")
    end.set(qn("w:fldCharType"), "end")
    run_with(end)


def _with_chains(fonts: Iterable[str]) -> list[str]:
    """The fonts and every font their fallback chains lead to, each once, in order."""
    out: list[str] = []
    for name in fonts:
        current: str | None = name
        while current is not None and current not in out:
            out.append(current)
            current = FONT_FALLBACKS.get(current)
    return out


def _with_fallback_fonts(docx: bytes, fonts: Iterable[str]) -> bytes:
    """Add the Chinese fonts and their w:altName fallbacks to word/fontTable.xml.

    python-docx does not manage the font table, so the saved package is
    rewritten with that one part changed and every other part copied as it is.
    """
    source = zipfile.ZipFile(io.BytesIO(docx))
    table = etree.fromstring(source.read("word/fontTable.xml"))
    present = {font.get(qn("w:name")) for font in table.findall(qn("w:font"))}
    for name in _with_chains(fonts):
        if name in present:
            continue
        font = etree.SubElement(table, qn("w:font"))
        font.set(qn("w:name"), name)
        if name in FONT_FALLBACKS:
            etree.SubElement(font, qn("w:altName")).set(qn("w:val"), FONT_FALLBACKS[name])
        chinese = any(unicodedata.east_asian_width(c) == "W" for c in name) or name.startswith(
            ("Sim", "FangSong", "KaiTi")
        )
        etree.SubElement(font, qn("w:charset")).set(qn("w:val"), "86" if chinese else "00")
        etree.SubElement(font, qn("w:family")).set(qn("w:val"), "auto")
        etree.SubElement(font, qn("w:pitch")).set(qn("w:val"), "variable")
        present.add(name)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "word/fontTable.xml":
                data = etree.tostring(
                    table, xml_declaration=True, encoding="UTF-8", standalone=True
                )
            target.writestr(item, data)
    return out.getvalue()


# --- the builder ----------------------------------------------------------------------

_TABLE_STYLE = "Official Table Text"
_NOTE_STYLE = "Official Note"


class OfficialDocument:
    """A GB/T 9704-2012 document, built top to bottom in reading order.

    ``numbered`` makes :meth:`heading` write the level's number itself and keep
    the counts: a level-1 heading restarts levels 2-4, a level-2 heading
    restarts 3-4, and so on. Callers never type "一、" and never get it wrong.
    """

    def __init__(self, language: str = "zh-hans", *, numbered: bool = True) -> None:
        self.language: Language = "zh-hans" if _profile(language) is CHINESE else "en"
        self.profile = _profile(language)
        self.numbered = numbered
        self._counts = [0, 0, 0, 0]
        self._fonts: set[str] = set()
        self._date: Paragraph | None = None
        self._doc: Document = new_document()
        self._set_up_page()
        self._set_up_styles()
        self._set_up_page_numbers()
        props = self._doc.core_properties
        props.author = ""
        props.comments = ""
        props.language = self.profile.lang_tag

    # --- content, in reading order ---

    def number(self, text: str) -> Paragraph:
        """The document number (发文字号), e.g. 督办〔2026〕3号, centred (7.2.4).

        Call it before :meth:`title`: it belongs to the header block above the title.
        """
        p = self._plain(text, self.profile.number, WD_ALIGN_PARAGRAPH.CENTER)
        p.paragraph_format.space_after = Twips(2 * self.profile.line_twips)
        return p

    def title(self, text: str) -> Paragraph:
        """The title in 2号小标宋, centred (7.3.1); "\\n" breaks a long title into lines."""
        p = self._doc.add_paragraph(style="Title")
        self._add_lines(p, text, self.profile.title)
        if not self._doc.core_properties.title:
            self._doc.core_properties.title = text.replace("\n", "")
        return p

    def addressee(self, text: str) -> Paragraph:
        """The main recipients (主送机关): flush left, ending with a full-width colon (7.3.2)."""
        colon = "：" if self.language == "zh-hans" else ":"
        text = text.rstrip().rstrip(":：") + colon
        return self._plain(text, self.profile.body, WD_ALIGN_PARAGRAPH.JUSTIFY)

    def paragraph(self, text: str, *, indent: bool = True) -> Paragraph:
        """A body paragraph: two characters in on its first line when ``indent`` (7.3.3).

        English paragraphs are blocks separated by space and take no indent.
        """
        p = self._doc.add_paragraph(style="Normal")
        self._add_lines(p, text, self.profile.body)
        if not indent:
            p.paragraph_format.first_line_indent = Twips(0)
        return p

    def heading(
        self, level: int, text: str, *, body: str | None = None, numbered: bool | None = None
    ) -> Paragraph:
        """A heading of level 1-4, numbered by the builder unless ``numbered`` says not.

        With ``body`` the heading runs into its paragraph ("1.加快项目建设。各单位要……"),
        as the third and fourth levels usually do. An unnumbered heading still
        restarts the levels below it, so the next subheading starts again at one.
        """
        if not 1 <= level <= 4:
            raise ValueError(f"heading level must be 1-4, not {level}")
        label = ""
        if self.numbered if numbered is None else numbered:
            self._counts[level - 1] += 1
            label = heading_label(level, self._counts, self.language)
            if self.language == "en":
                label += " "
        for deeper in range(level, 4):
            self._counts[deeper] = 0
        face = self.profile.headings[level - 1]
        if body is None:
            p = self._doc.add_paragraph(style=f"Heading {level}")
            self._add_lines(p, label + text, face)
            return p
        p = self._doc.add_paragraph(style="Normal")
        self._add_lines(p, label + text, face)
        separator = " " if self.language == "en" else ""
        self._add_lines(p, separator + body, self.profile.body)
        return p

    def table(
        self,
        headers: Sequence[str],
        rows: Iterable[Sequence[object]],
        *,
        widths_mm: Sequence[float] | None = None,
        align: Sequence[Align] | None = None,
        font_pt: float | None = None,
    ) -> Table:
        """A bordered table across the type area, its header row bold and repeated on each page.

        Cells may hold text, numbers, dates or None. ``widths_mm`` are scaled to
        the 156 mm type area; without them the columns share it by their content.
        ``align`` gives each column's alignment (header cells are always centred);
        without it, columns of long text read from the left and the rest are centred.
        ``font_pt`` defaults to 四号 (14 pt) in Chinese; a wide ranking table can ask
        for SIZE_SMALL_4 or SIZE_5.
        """
        body = [[_cell_text(v, self.language) for v in row] for row in rows]
        columns = len(headers)
        for n, row in enumerate(body, 1):
            if len(row) != columns:
                raise ValueError(f"row {n} has {len(row)} cells, the header {columns}")
        face = self.profile.table
        if font_pt is not None:
            face = Face(face.latin, face.east_asian, font_pt)
        widths = _column_widths(headers, body, widths_mm, face.size_pt)
        aligns = (
            list(align)
            if align is not None
            else _default_aligns(headers, body, widths, face.size_pt)
        )
        if len(aligns) != columns:
            raise ValueError(f"align has {len(aligns)} entries for {columns} columns")

        table = self._doc.add_table(rows=1 + len(body), cols=columns)
        table.style = self._doc.styles["Table Grid"]
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        _set_borders(table._tbl)
        table_width = table._tbl.tblPr.find(qn("w:tblW"))
        if table_width is not None:  # fixed layout: the width is the columns' sum
            table_width.set(qn("w:type"), "dxa")
            table_width.set(qn("w:w"), str(sum(widths)))
        for i, width in enumerate(widths):
            table.columns[i].width = Twips(width)
        for r, (row, values) in enumerate(zip(table.rows, [list(headers), *body], strict=True)):
            header = r == 0
            _row_properties(row._tr, header=header)
            for c, (cell, value) in enumerate(zip(row.cells, values, strict=True)):
                cell.width = Twips(widths[c])
                cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
                p = cell.paragraphs[0]
                p.style = self._doc.styles[_TABLE_STYLE]
                p.alignment = _ALIGN["center" if header else aligns[c]]
                cell_face = Face(face.latin, face.east_asian, face.size_pt, bold=header)
                self._add_lines(p, value, cell_face)
        # A paragraph must follow a table; keep it empty and small so it takes no room.
        self._doc.add_paragraph(style=_TABLE_STYLE)
        return table

    def signature(self, organisation: str, date: dt.date | str) -> None:
        """The signing organisation and the date (落款), on the right (7.3.5).

        Chinese: the date four characters in from the right margin and the
        organisation centred over it, where the seal will be pressed. English:
        both right-aligned, four characters in.
        """
        when = date if isinstance(date, str) else format_date(date, self.language)
        face = self.profile.body
        # 7.3.5.4: the signature never stands on a page of its own; it takes the
        # last line of the text along.
        if self._doc.paragraphs and self._doc.paragraphs[-1].text:
            self._doc.paragraphs[-1].paragraph_format.keep_with_next = True
        right = float(SIGNATURE_RIGHT_CHARS)
        org_right = right
        if self.language == "zh-hans":
            org_right = max(0.0, right + (display_width(when) - display_width(organisation)) / 2)
        org = self._plain(organisation, face, WD_ALIGN_PARAGRAPH.RIGHT)
        org.paragraph_format.right_indent = Twips(_pitch_twips(face, org_right))
        org.paragraph_format.space_before = Twips(self.profile.line_twips)
        org.paragraph_format.keep_with_next = True
        day = self._plain(when, face, WD_ALIGN_PARAGRAPH.RIGHT)
        day.paragraph_format.right_indent = Twips(_pitch_twips(face, right))
        self._date = day
        if not self._doc.core_properties.author:
            self._doc.core_properties.author = organisation

    def note(self, text: str) -> Paragraph:
        """A note (附注) in brackets, two characters in, below the date (7.3.6)."""
        if self.language == "zh-hans":
            text = text if text.startswith("（") else f"（{text}）"
        else:
            text = text if text.startswith("(") else f"({text})"
        if self._date is not None and self._doc.paragraphs[-1]._p is self._date._p:
            self._date.paragraph_format.keep_with_next = True  # the note follows the date
        p = self._doc.add_paragraph(style=_NOTE_STYLE)
        self._add_lines(p, text, self.profile.body)
        return p

    def page_break(self) -> None:
        self._doc.add_paragraph(style="Normal").add_run().add_break(WD_BREAK.PAGE)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        self._doc.save(buffer)
        return _with_fallback_fonts(buffer.getvalue(), sorted(self._fonts))

    # --- set-up ---

    def _set_up_page(self) -> None:
        section = self._doc.sections[0]
        section.page_width = Twips(round(PAGE_WIDTH_MM * TWIPS_PER_MM))
        section.page_height = Twips(round(PAGE_HEIGHT_MM * TWIPS_PER_MM))
        section.top_margin = Twips(round(MARGIN_TOP_MM * TWIPS_PER_MM))
        section.bottom_margin = Twips(round(MARGIN_BOTTOM_MM * TWIPS_PER_MM))
        section.left_margin = Twips(round(MARGIN_LEFT_MM * TWIPS_PER_MM))
        section.right_margin = Twips(round(MARGIN_RIGHT_MM * TWIPS_PER_MM))
        section.header_distance = Twips(round(HEADER_DISTANCE_MM * TWIPS_PER_MM))
        section.footer_distance = Twips(round(FOOTER_DISTANCE_MM * TWIPS_PER_MM))
        section.gutter = Twips(0)
        grid = section._sectPr.find(qn("w:docGrid"))
        if grid is None:
            grid = OxmlElement("w:docGrid")
            section._sectPr.append(grid)
        grid.attrib.clear()
        grid.set(qn("w:linePitch"), str(self.profile.line_twips))

    def _set_up_styles(self) -> None:
        p = self.profile
        styles = self._doc.styles
        # The defaults carry the body face too, so that whatever the document
        # does not restyle (and what Word adds later, such as comments) starts
        # from 仿宋 rather than the template's Calibri theme fonts.
        defaults = styles.element.find(qn("w:docDefaults"))
        if defaults is not None:
            styles.element.remove(defaults)
        defaults = OxmlElement("w:docDefaults")
        rpr_default = OxmlElement("w:rPrDefault")
        ppr_default = OxmlElement("w:pPrDefault")
        ppr_default.append(OxmlElement("w:pPr"))
        defaults.append(rpr_default)
        defaults.append(ppr_default)
        styles.element.insert(0, defaults)
        _set_face(_RPrHolder(rpr_default), p.body, p.lang_tag)

        normal = styles["Normal"]
        assert isinstance(normal, ParagraphStyle)
        _clear_style(normal)
        self._style_face(normal, p.body, lang=True)
        fmt = normal.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Twips(p.line_twips)
        fmt.space_before = Twips(0)
        fmt.space_after = Pt(p.space_after_pt)
        fmt.first_line_indent = Twips(_pitch_twips(p.body, p.indent_chars))
        fmt.widow_control = False
        _set_tracking(normal, p.tracking)

        title = styles["Title"]
        assert isinstance(title, ParagraphStyle)
        _clear_style(title)
        self._style_face(title, p.title)
        fmt = title.paragraph_format
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        fmt.first_line_indent = Twips(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Twips(max(p.line_twips, round(p.title.size_pt * 20 * 1.4)))
        fmt.space_after = Twips(p.line_twips)  # 7.3.2: 主送机关 one line below the title
        fmt.keep_with_next = True

        for level, face in enumerate(p.headings, 1):
            heading = styles[f"Heading {level}"]
            assert isinstance(heading, ParagraphStyle)
            _clear_style(heading)
            self._style_face(heading, face)
            fmt = heading.paragraph_format
            fmt.keep_with_next = True
            fmt.space_before = Pt(p.space_after_pt)
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(level - 1))
            heading.element.get_or_add_pPr().append(outline)

        table_text = styles.add_style(_TABLE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(table_text, ParagraphStyle)
        table_text.base_style = normal
        self._style_face(table_text, p.table)
        fmt = table_text.paragraph_format
        fmt.first_line_indent = Twips(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_after = Twips(0)
        fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _set_tracking(table_text, 0)

        note = styles.add_style(_NOTE_STYLE, WD_STYLE_TYPE.PARAGRAPH)
        assert isinstance(note, ParagraphStyle)
        note.base_style = normal
        note.paragraph_format.first_line_indent = Twips(
            _pitch_twips(p.body, NOTE_INDENT_CHARS if self.language == "zh-hans" else 0)
        )

        footer = styles["Footer"]
        assert isinstance(footer, ParagraphStyle)
        _clear_style(footer)
        self._style_face(footer, p.page_number)
        fmt = footer.paragraph_format
        fmt.first_line_indent = Twips(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        fmt.space_after = Twips(0)
        _set_tracking(footer, 0)

    def _set_up_page_numbers(self) -> None:
        """— 1 — in the footer: odd pages one character in from the right, even from the left.

        7.5.2 wants the page number on the outer side, so the document asks for
        separate even and odd footers (settings w:evenAndOddHeaders).
        """
        self._doc.settings.odd_and_even_pages_header_footer = True
        section = self._doc.sections[0]
        face = self.profile.page_number
        offset = Twips(_pitch_twips(face, PAGE_NUMBER_OFFSET_CHARS))
        for footer, alignment in (
            (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
            (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
        ):
            footer.is_linked_to_previous = False
            p = footer.paragraphs[0]
            p.style = self._doc.styles["Footer"]
            p.alignment = alignment
            if alignment == WD_ALIGN_PARAGRAPH.RIGHT:
                p.paragraph_format.right_indent = offset
            else:
                p.paragraph_format.left_indent = offset
            dash = p.add_run(f"{PAGE_NUMBER_DASH} ")
            self._face(dash, face)
            _east_asian_hint(dash)
            _add_field(p, "PAGE", "1", face)
            dash = p.add_run(f" {PAGE_NUMBER_DASH}")
            self._face(dash, face)
            _east_asian_hint(dash)

    # --- small pieces ---

    def _style_face(self, style: ParagraphStyle, face: Face, *, lang: bool = False) -> None:
        _set_face(style.element, face, self.profile.lang_tag if lang else None)
        self._fonts.update((face.latin, face.east_asian))

    def _face(self, run: Run, face: Face) -> None:
        _set_face(run._r, face)
        self._fonts.update((face.latin, face.east_asian))

    def _plain(self, text: str, face: Face, alignment: WD_ALIGN_PARAGRAPH) -> Paragraph:
        p = self._doc.add_paragraph(style="Normal")
        p.alignment = alignment
        p.paragraph_format.first_line_indent = Twips(0)
        self._add_lines(p, text, face)
        return p

    def _add_lines(self, p: Paragraph, text: str, face: Face) -> None:
        """Text with "\\n" as line breaks inside one paragraph, formatted on each run.

        The styles carry the same formatting; writing it on the runs too keeps
        it when a reader pastes the text into a document with other styles.
        """
        for i, line in enumerate(text.split("\n")):
            run = p.add_run()
            if i:
                run.add_break()
            run.add_text(line)
            self._face(run, face)


class _RPrHolder:
    """Lets _set_face write into w:rPrDefault, which has no get_or_add_rPr of its own."""

    def __init__(self, parent: Any) -> None:
        self.parent = parent

    def get_or_add_rPr(self) -> Any:
        rpr = self.parent.find(qn("w:rPr"))
        if rpr is None:
            rpr = OxmlElement("w:rPr")
            self.parent.append(rpr)
        return rpr


def _set_tracking(style: ParagraphStyle, twentieths: int) -> None:
    """Character spacing (w:spacing in w:rPr): negative condenses, 0 undoes a condensed base."""
    rpr = style.element.get_or_add_rPr()
    spacing = rpr.find(qn("w:spacing"))
    if spacing is None:
        spacing = OxmlElement("w:spacing")
        rpr.sz.addprevious(spacing)  # schema order: … color, spacing, w, kern, position, sz
    spacing.set(qn("w:val"), str(twentieths))


_TBLPR_AFTER_BORDERS = ("w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook")


def _set_borders(tbl: Any) -> None:
    """Half-point single rules around and inside the table, written on the table itself.

    Not left to the "Table Grid" style alone: a reader who pastes the table
    into a document that styles "Table Grid" differently keeps the rules.
    """
    tblpr = tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        rule = OxmlElement(f"w:{edge}")
        rule.set(qn("w:val"), "single")
        rule.set(qn("w:sz"), "4")
        rule.set(qn("w:space"), "0")
        rule.set(qn("w:color"), "000000")
        borders.append(rule)
    for tag in _TBLPR_AFTER_BORDERS:  # schema order: … tblInd, tblBorders, shd, tblLayout …
        later = tblpr.find(qn(tag))
        if later is not None:
            later.addprevious(borders)
            return
    tblpr.append(borders)


def _row_properties(tr: Any, *, header: bool) -> None:
    """Rows never split across pages; the header row repeats at the top of each page."""
    trpr = tr.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))
    if header:
        trpr.append(OxmlElement("w:tblHeader"))


_CELL_PADDING_TWIPS = 2 * 108 + 40  # Word's default cell margins, and a little air


def _column_widths(
    headers: Sequence[str],
    body: Sequence[Sequence[str]],
    widths_mm: Sequence[float] | None,
    font_pt: float,
) -> list[int]:
    """Column widths in twips that add up to the type area's width.

    Given widths are scaled to it. Otherwise each column asks for its widest
    line; if all fit, the room left is shared in proportion. If not, the narrow
    columns (ranks, scores, dates) keep their width and the widest ones are cut
    to one common width and wrap: a long name wraps well, a number cut in two
    does not.
    """
    total = round(TEXT_WIDTH_MM * TWIPS_PER_MM)
    if widths_mm is not None:
        if len(widths_mm) != len(headers) or any(w <= 0 for w in widths_mm):
            raise ValueError("widths_mm needs one positive width per column")
        return _share(total, [float(w) for w in widths_mm])
    wanted = []
    for c, header in enumerate(headers):
        lines = [header, *(row[c] for row in body)]
        widest = max(display_width(line) for cell in lines for line in cell.split("\n"))
        wanted.append(max(1.0, widest) * font_pt * 20 + _CELL_PADDING_TWIPS)
    if sum(wanted) <= total:
        return _share(total, wanted)
    # Water-filling: find the cap that makes the capped widths add up to the total.
    room = float(total)
    pending = sorted(wanted)
    cap = room / len(pending)
    while pending and pending[0] <= cap:
        room -= pending.pop(0)
        cap = room / len(pending) if pending else room
    return _share(total, [min(w, cap) for w in wanted])


def _share(total: int, weights: Sequence[float]) -> list[int]:
    """Whole twips in proportion to ``weights``, adding up to exactly ``total``."""
    scale = total / sum(weights)
    widths = [math.floor(w * scale) for w in weights]
    widths[-1] += total - sum(widths)
    return widths


def _default_aligns(
    headers: Sequence[str], body: Sequence[Sequence[str]], widths: Sequence[int], font_pt: float
) -> list[Align]:
    """Centre what fits on one line; a column whose text wraps reads from the left.

    Centred lines of unequal length are hard to read, and a ranking's names
    and remarks are the columns that wrap.
    """
    aligns: list[Align] = []
    for c, width in enumerate(widths):
        room = (width - _CELL_PADDING_TWIPS) / (font_pt * 20)
        wraps = any(display_width(row[c]) > room for row in body)
        aligns.append("left" if wraps else "center")
    return aligns
