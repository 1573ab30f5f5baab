"""An uploaded Excel workbook opened without trusting it.

An .xlsx is a zip of XML parts, and what openpyxl builds from them can be far
larger than the file: a 1.2 MB upload of a million value-less cells
(``<c r=".."/>``) took openpyxl's full load 207 s and 8.6 GB, and a 24 kB one
whose header row has a cell in column XFD made every row 16,384 cells wide
(5 GB before the process ran out of memory). So :func:`open_workbook`, before
openpyxl reads a byte:

1. reads at most :attr:`Limits.max_file_bytes` and, for a file that is no
   workbook, says what it is (an old .xls, an encrypted file, a PDF, a web
   page saved as .xls, ...);
2. bounds what the zip unpacks to, as its directory declares it (Python's
   zipfile never inflates a member past its declared size: the CRC check
   fails first): all members together, and each part openpyxl parses whole
   (workbook, styles, relationships) on its own; a part with a DTD is refused
   (Excel never writes one; entities are how XML bombs work);
3. streams each worksheet's XML and counts its cells whether or not they hold
   a value, its rows and merged ranges, against one budget for the whole
   workbook (:attr:`Limits.max_cells`), and each sheet's rows that hold a
   value against ``max_rows``; counts the shared strings against the same
   budget and the cell formats against Excel's own limit;
4. only then loads the workbook in openpyxl's read-only mode, which parses a
   sheet's rows when they are asked for and keeps none of them; merged
   ranges, which read-only mode cannot see, come from step 3
   (:attr:`SheetScan.merges`).

What the caller does next is bounded by those counts; :attr:`Workbook.budget`
also stops the whole reading after :attr:`Limits.max_seconds` of wall time
(the scan checks it at each megabyte, the readers every few hundred rows).

Pure: no database, no settings (:meth:`Limits.from_settings` reads the
values the caller passes). Errors are :class:`WorkbookError` with a code of
:data:`MESSAGES` (English msgids, marked with ``gettext_noop``).
"""

from __future__ import annotations

import codecs
import html
import io
import itertools
import posixpath
import re
import struct
import time
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

import openpyxl
from django.utils.translation import gettext_noop
from openpyxl.utils.cell import range_boundaries

MESSAGES: dict[str, str] = {
    "empty_file": gettext_noop("The file is empty."),
    "file_too_large": gettext_noop(
        "The file is %(size_mb)s MB; at most %(limit_mb)s MB can be read. "
        "Remove other sheets and pictures, or split the list."
    ),
    "unpacked_too_large": gettext_noop(
        "The workbook unpacks to %(size_mb)s MB (an .xlsx file is compressed); at most "
        "%(limit_mb)s MB can be read. Remove pictures and other sheets, or split the list."
    ),
    "part_too_large": gettext_noop(
        "The part %(part)s of the workbook unpacks to %(size_mb)s MB; at most %(limit_mb)s MB "
        "can be read. Open the file in Excel or WPS, save it again and upload it again."
    ),
    "too_many_cells": gettext_noop(
        "The workbook holds %(cells)s cells, rows and merged ranges, empty ones included; at most "
        "%(limit)s can be read. Delete the empty rows and columns around the list (or copy the "
        "list alone into a new workbook) and upload it again."
    ),
    "too_many_strings": gettext_noop(
        "The workbook's table of texts holds %(strings)s entries; at most %(limit)s can be read. "
        "Copy the list alone into a new workbook and upload it again."
    ),
    "too_many_styles": gettext_noop(
        "The workbook defines %(styles)s cell formats; Excel allows at most %(limit)s. "
        "Open the file in Excel or WPS, save it again and upload it again."
    ),
    "too_wide": gettext_noop(
        "The list in “%(sheet)s” spans %(rows)s rows and %(columns)s columns (%(cells)s cells, "
        "empty ones included); at most %(limit)s can be read. Delete what lies below or to the "
        "right of the list and upload it again."
    ),
    "too_slow": gettext_noop(
        "Reading the workbook took longer than %(seconds)s seconds and was stopped; nothing was "
        "imported. Remove other sheets and empty rows, or split the list."
    ),
    "too_many_rows": gettext_noop(
        "The sheet “%(sheet)s” has %(rows)s rows; at most %(limit)s can be read at once. "
        "Split the list into several files."
    ),
    "not_a_workbook": gettext_noop(
        "This file is not an Excel workbook. Save it as .xlsx and upload it again."
    ),
    "wrong_format": gettext_noop(
        "This file is %(format)s, not an Excel workbook. "
        "Open it in Excel or WPS, save it as .xlsx and upload it again."
    ),
    "legacy_xls": gettext_noop(
        "This is an old Excel file (.xls). Open it in Excel or WPS, "
        "save it as .xlsx (Excel Workbook) and upload it again."
    ),
    "encrypted": gettext_noop(
        "The workbook is protected by a password. Open it, remove the password "
        "(File › Info › Protect Workbook), save it and upload it again."
    ),
    "corrupt": gettext_noop(
        "The workbook is damaged or incomplete (perhaps the upload was cut off). "
        "Open it in Excel or WPS, save it again and upload it again."
    ),
    "no_sheet": gettext_noop("The workbook has no worksheet."),
}

MB = 1024 * 1024
MAX_FILE_BYTES = 20 * MB
# A list of a few thousand rows unpacks to a few MB and holds some 50,000
# cells. The defaults leave room for 20,000 rows (the readers' row limit) of
# 50 columns, pictures besides, and keep the worst a file can make of them to
# about 10 s and 250 MB in one worker: a million cells holding values took
# 6 s and 235 MB to read here, 11 s without a <dimension> (openpyxl then
# parses each sheet once more to size it); two million, 21 s.
# DUBAN_IMPORT_MAX_* in the settings override them (docs/operations.md).
MAX_UNPACKED_BYTES = 100 * MB
MAX_CELLS = 1_000_000
MAX_SECONDS = 30.0
# The parts openpyxl parses whole (workbook, styles, relationships, theme):
# a real workbook's are well under 1 MB.
MAX_PART_BYTES = 16 * MB
MAX_MEMBERS = 10_000
MAX_STYLES = 64_000  # Excel's own limit on distinct cell formats
# A row's XML is carried over from one megabyte to the next until it ends;
# longer than this, it is no row Excel or WPS writes (16,384 cells of 1 kB).
MAX_PENDING_BYTES = 16 * MB
CHUNK = 1 << 20

# The wall clock the budget reads (tests move it).
clock: Callable[[], float] = time.monotonic


class WorkbookError(Exception):
    """A file that cannot be read: ``code`` (a key of :data:`MESSAGES`, or of
    the caller's own table) and ``params`` for its message."""

    def __init__(self, code: str, params: dict[str, Any] | None = None) -> None:
        super().__init__(code, params or {})
        self.code = code
        self.params: dict[str, Any] = params or {}


@dataclass(frozen=True)
class Limits:
    max_file_bytes: int = MAX_FILE_BYTES
    max_unpacked_bytes: int = MAX_UNPACKED_BYTES
    max_cells: int = MAX_CELLS
    max_seconds: float = MAX_SECONDS

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        """The limits a deployment set (DUBAN_IMPORT_MAX_UNZIPPED_MB, _CELLS, _SECONDS)."""
        return cls(
            max_unpacked_bytes=settings.DUBAN_IMPORT_MAX_UNZIPPED_BYTES,
            max_cells=settings.DUBAN_IMPORT_MAX_CELLS,
            max_seconds=settings.DUBAN_IMPORT_MAX_SECONDS,
        )


class Budget:
    """The wall time one reading may take; :meth:`check` raises "too_slow" past it."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.deadline = clock() + seconds

    def check(self) -> None:
        if clock() > self.deadline:
            raise WorkbookError("too_slow", {"seconds": f"{self.seconds:g}"})


@dataclass
class SheetScan:
    """What the first pass learnt of one worksheet, from its XML alone."""

    name: str
    path: str
    cells: int = 0  # its <c> (with a value or not), <row> and <mergeCell> elements
    rows: int = 0  # rows holding at least one value
    last_row: int = 0  # the last of them (or of a formula without a value)
    unset_formulas: list[tuple[int, int]] = field(default_factory=list)  # (row, column)
    merges: list[tuple[int, int, int, int]] = field(default_factory=list)  # min_col, min_row, ..


@dataclass
class Workbook:
    """A workbook that passed the checks: openpyxl's read-only ``book``, the
    ``scans`` of its worksheets by name (in workbook order), and the
    ``budget`` of time left for reading it. Close it (or use ``with``)."""

    book: Any
    scans: dict[str, SheetScan]
    budget: Budget
    limits: Limits

    def rows(
        self, ws: Any, *, min_row: int = 1, max_row: int, max_col: int | None = None
    ) -> Iterator[tuple[Any, ...]]:
        """The sheet's rows as values (``ws.iter_rows(..., values_only=True)``),
        within the time budget; what read-only mode finds wrong in the sheet
        only as it parses it (broken XML, a text that is not in the table) is
        a :class:`WorkbookError` ("corrupt") too."""
        if max_row < min_row:
            return
        rows = ws.iter_rows(min_row=min_row, max_row=max_row, max_col=max_col, values_only=True)
        for count in itertools.count(1):
            try:
                values = next(rows)
            except StopIteration:
                return
            except Exception as exc:  # from openpyxl's parser: ParseError, IndexError, ...
                raise WorkbookError("corrupt") from exc
            if count % 256 == 0:
                self.budget.check()
            yield values

    def close(self) -> None:
        self.book.close()

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def message(code: str, params: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """The English msgid for ``code`` and its params, for the UI to translate."""
    return MESSAGES[code], params


def open_workbook(
    source: bytes | bytearray | memoryview | IO[bytes],
    *,
    limits: Limits | None = None,
    max_rows: int | None = None,
    above: int = 0,
) -> Workbook:
    """Check a workbook (its bytes, or a binary file object) and open it in
    openpyxl's read-only mode; raises :class:`WorkbookError`.

    ``max_rows`` bounds the rows holding a value in every sheet (the reader
    may look for its list in any of them), not only the one that will be
    read; ``above`` more are allowed for a title, notes and the header.
    """
    limits = limits or Limits()
    budget = Budget(limits.max_seconds)
    data = read_bytes(source, limits.max_file_bytes)
    archive = _open_archive(data, limits)
    with archive:
        scans = _scan(archive, limits, budget, max_rows, above)
    book = _load(data)
    try:
        budget.check()
    except WorkbookError:
        book.close()
        raise
    return Workbook(book, scans, budget, limits)


# ---------------------------------------------------------------- the file


def read_bytes(
    source: bytes | bytearray | memoryview | IO[bytes], limit: int = MAX_FILE_BYTES
) -> bytes:
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
    else:
        if source.seekable():
            source.seek(0)
        data = source.read(limit + 1)
    if not data:
        raise WorkbookError("empty_file")
    if len(data) > limit:
        raise WorkbookError("file_too_large", {"size_mb": mb(len(data)), "limit_mb": mb(limit)})
    return data


def mb(size: int) -> str:
    return f"{size / MB:.1f}".removesuffix(".0")


_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_END_OF_DIRECTORY = b"PK\x05\x06"


def _utf16(name: str) -> bytes:
    return name.encode("utf-16-le")


def _open_archive(data: bytes, limits: Limits) -> zipfile.ZipFile:
    """The workbook's zip, or the WorkbookError that says what the file is."""
    if data.startswith(_OLE2):
        # An OLE2 compound file: a legacy .xls or .doc, or an encrypted OOXML
        # file (Office wraps those in OLE2 with an EncryptionInfo stream).
        if _utf16("EncryptionInfo") in data or _utf16("EncryptedPackage") in data:
            raise WorkbookError("encrypted")
        if _utf16("Workbook") in data or _utf16("Book") in data:
            raise WorkbookError("legacy_xls")
        if _utf16("WordDocument") in data:
            raise WorkbookError("wrong_format", {"format": "Word (.doc)"})
        raise WorkbookError("not_a_workbook")
    if not data.startswith(b"PK"):
        kind = _sniff_other(data)
        if kind:
            raise WorkbookError("wrong_format", {"format": kind})
        raise WorkbookError("not_a_workbook")
    # The directory's own count of members, before zipfile builds an object
    # for each (a 20 MB zip can name 400,000 empty members).
    end = data.rfind(_END_OF_DIRECTORY, max(0, len(data) - 65_557))
    if end >= 0 and len(data) >= end + 12:
        (members,) = struct.unpack_from("<H", data, end + 10)
        if members > MAX_MEMBERS:  # 0xFFFF, the ZIP64 marker, included
            raise WorkbookError("corrupt")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
        raise WorkbookError("corrupt") from exc
    names = {info.filename for info in infos}
    unpacked = sum(info.file_size for info in infos)
    if unpacked > limits.max_unpacked_bytes:
        archive.close()
        raise WorkbookError(
            "unpacked_too_large",
            {"size_mb": mb(unpacked), "limit_mb": mb(limits.max_unpacked_bytes)},
        )
    if "[Content_Types].xml" not in names or not any(n.startswith("xl/") for n in names):
        archive.close()
        if "word/document.xml" in names:
            raise WorkbookError("wrong_format", {"format": "Word (.docx)"})
        if "ppt/presentation.xml" in names:
            raise WorkbookError("wrong_format", {"format": "PowerPoint (.pptx)"})
        if "content.xml" in names and "mimetype" in names:
            raise WorkbookError("wrong_format", {"format": "OpenDocument (.ods)"})
        raise WorkbookError("not_a_workbook")
    if "xl/workbook.bin" in names:
        archive.close()
        raise WorkbookError("wrong_format", {"format": "Excel Binary (.xlsb)"})
    return archive


def _sniff_other(data: bytes) -> str | None:
    """A name for a common non-workbook upload (to say what to do), or None."""
    head = data[:2048]
    if head.startswith(b"%PDF"):
        return "PDF"
    if head.startswith(b"{\\rtf"):
        return "RTF"
    if b"\x00" in head:
        return None
    for encoding in ("utf-8-sig", "gb18030"):
        try:  # incremental: a character cut at the end of the head is no error
            text = codecs.getincrementaldecoder(encoding)().decode(head)
            break
        except UnicodeDecodeError:
            continue
    else:
        return None
    lowered = text.lstrip().lower()
    if lowered.startswith(("<html", "<!doctype html", "<table")) or "<html" in lowered[:500]:
        # Many systems export "xls" files that are web pages.
        return "HTML"
    if lowered.startswith("<?xml"):
        return "XML"
    lines = [line for line in text.splitlines()[:5] if line.strip()]
    if lines and all("," in line or "\t" in line for line in lines):
        return "CSV"
    return "text"


# ---------------------------------------------------------------- pass 1: the parts' XML

_ATTR = re.compile(rb'([\w:.-]+)\s*=\s*"([^"]*)"')
_SHEET_TAG = re.compile(rb"<(?:\w+:)?sheet\b([^>]*)>")
_REL_TAG = re.compile(rb"<(?:\w+:)?Relationship\b([^>]*)>")
_ROW_ELEMENT = re.compile(rb"<(?:\w+:)?row\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?row>)", re.S)
_CELL_START = re.compile(rb"<(?:\w+:)?c[\s/>]")
_CELL_ELEMENT = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.S)
_HAS_VALUE = re.compile(rb"<(?:\w+:)?v>[^<]|<(?:\w+:)?is>")
_FORMULA = re.compile(rb"<(?:\w+:)?f\b")
_CELL_REF = re.compile(rb"([A-Z]{1,3})(\d+)")
_ROW_NUMBER = re.compile(rb'\br="(\d+)"')
_SHEET_DATA_END = re.compile(rb"</(?:\w+:)?sheetData>|<(?:\w+:)?sheetData\s*/>")
_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([^\"]*)\"")
_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s/>]")
_CELL_FORMAT = re.compile(rb"<(?:\w+:)?xf[\s/>]")
_DTD = b"<!DOCTYPE"


def _attrs(raw: bytes) -> dict[str, str]:
    return {
        key.decode(): html.unescape(value.decode("utf-8", "replace"))
        for key, value in _ATTR.findall(raw)
    }


def _scan(
    archive: zipfile.ZipFile, limits: Limits, budget: Budget, max_rows: int | None, above: int
) -> dict[str, SheetScan]:
    """Every worksheet (by name, in workbook order) with its counts; the
    other XML parts checked for their size, a DTD, and (shared strings,
    styles) their number of entries."""
    try:
        scans = _sheets(archive)
        sheet_paths = {scan.path for scan in scans.values()}
        cells = 0
        for scan in scans.values():
            _scan_sheet(archive, scan, limits, budget, cells)
            cells += scan.cells
            if max_rows is not None and scan.rows > max_rows + above:
                raise WorkbookError(
                    "too_many_rows", {"sheet": scan.name, "rows": scan.rows, "limit": max_rows}
                )
        for info in archive.infolist():
            if info.filename in sheet_paths or not info.filename.endswith((".xml", ".rels")):
                continue  # pictures and other binaries: openpyxl's read-only mode skips them
            _scan_part(archive, info, limits, budget)
    except WorkbookError:
        raise
    except RuntimeError as exc:  # zipfile: "File is encrypted, password required"
        raise WorkbookError("encrypted") from exc
    except Exception as exc:  # missing parts, bad deflate data (zlib.error), bad CRC, ...
        raise WorkbookError("corrupt") from exc
    if not scans:
        raise WorkbookError("no_sheet")
    return scans


def _sheets(archive: zipfile.ZipFile) -> dict[str, SheetScan]:
    workbook_path = _workbook_path(archive)
    workbook_xml = _read_part(archive, workbook_path)
    folder = posixpath.dirname(workbook_path)
    rels_path = posixpath.join(folder, "_rels", posixpath.basename(workbook_path) + ".rels")
    targets: dict[str, str] = {}
    for raw in _REL_TAG.findall(_read_part(archive, rels_path)):
        attrs = _attrs(raw)
        if attrs.get("Type", "").endswith("/worksheet"):
            target = attrs.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else f"{folder}/{target}"
            targets[attrs.get("Id", "")] = posixpath.normpath(path)
    scans: dict[str, SheetScan] = {}
    for raw in _SHEET_TAG.findall(workbook_xml):
        attrs = _attrs(raw)
        rel = next((v for k, v in attrs.items() if k.endswith(":id")), "")
        if rel in targets and targets[rel] in archive.NameToInfo:
            name = attrs.get("name", "")
            scans[name] = SheetScan(name, targets[rel])
    return scans


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    info = archive.getinfo(name)
    if info.file_size > MAX_PART_BYTES:
        raise _part_too_large(info)
    return archive.read(info)


def _part_too_large(info: zipfile.ZipInfo) -> WorkbookError:
    return WorkbookError(
        "part_too_large",
        {"part": info.filename, "size_mb": mb(info.file_size), "limit_mb": mb(MAX_PART_BYTES)},
    )


def _workbook_path(archive: zipfile.ZipFile) -> str:
    """The workbook part named by the package's relationships (xl/workbook.xml)."""
    try:
        rels = _read_part(archive, "_rels/.rels")
    except KeyError:
        return "xl/workbook.xml"
    for raw in _REL_TAG.findall(rels):
        attrs = _attrs(raw)
        if attrs.get("Type", "").endswith("/officeDocument"):
            return attrs.get("Target", "").lstrip("/")
    return "xl/workbook.xml"


def _chunks(archive: zipfile.ZipFile, info: zipfile.ZipInfo, budget: Budget) -> Any:
    """The part's bytes a megabyte at a time, each with the 8 bytes before it
    (so a "<!DOCTYPE" cut in two is still seen); none holds a DTD."""
    previous = b""
    with archive.open(info) as stream:
        while chunk := stream.read(CHUNK):
            budget.check()
            if _DTD in previous[-8:] + chunk[:9] or _DTD in chunk:
                raise WorkbookError("corrupt")
            previous = chunk
            yield chunk


def _scan_part(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, limits: Limits, budget: Budget
) -> None:
    """A part other than a worksheet: parsed whole by openpyxl, so bounded on
    its own, except the shared strings (streamed, but every entry kept in
    memory, so counted); the cell formats counted too."""
    base = posixpath.basename(info.filename)
    counted = {"sharedStrings.xml": _SHARED_STRING, "styles.xml": _CELL_FORMAT}.get(base)
    if base != "sharedStrings.xml" and info.file_size > MAX_PART_BYTES:
        raise _part_too_large(info)
    count, tail = 0, b""
    for chunk in _chunks(archive, info, budget):
        if counted is None:
            continue
        buffer = tail + chunk
        cut = buffer.rfind(b">") + 1  # a tag never straddles the cut
        count += len(counted.findall(buffer, 0, cut))
        tail = buffer[cut:][-MAX_PENDING_BYTES:]  # text without a tag is no entry
    if base == "sharedStrings.xml" and count > limits.max_cells:
        raise WorkbookError("too_many_strings", {"strings": count, "limit": limits.max_cells})
    if base == "styles.xml" and count > MAX_STYLES:
        raise WorkbookError("too_many_styles", {"styles": count, "limit": MAX_STYLES})


def _scan_sheet(
    archive: zipfile.ZipFile, scan: SheetScan, limits: Limits, budget: Budget, before: int
) -> None:
    """Count the sheet's cells, rows and merged ranges (stopping as soon as
    the workbook's budget is spent), the rows holding a value, and find
    formula cells without a cached value. The XML is streamed a megabyte at a
    time; a row is parsed only once it is whole (the unparsed tail is carried
    over), and what follows the sheet's data is parsed up to its last tag."""
    row_number = 0
    tail = b""
    in_data = True
    chunks = _chunks(archive, archive.getinfo(scan.path), budget)
    while True:
        chunk = next(chunks, b"")
        buffer = tail + chunk
        consumed = 0
        if in_data:
            for match in _ROW_ELEMENT.finditer(buffer):
                consumed = match.end()
                scan.cells += 1  # the row itself: openpyxl builds one for it too
                number = _ROW_NUMBER.search(match[1])
                row_number = int(number[1]) if number else row_number + 1
                content = match[2]
                if not content:
                    continue
                if _HAS_VALUE.search(content):
                    scan.rows += 1
                    scan.last_row = row_number
                if _FORMULA.search(content):
                    _note_unset_formulas(content, row_number, scan)
            scan.cells += len(_CELL_START.findall(buffer, 0, consumed))
            if end := _SHEET_DATA_END.search(buffer, consumed):
                in_data, consumed = False, end.end()
        if not in_data:
            cut = len(buffer) if not chunk else max(consumed, buffer.rfind(b">") + 1)
            for ref in _MERGE.findall(buffer, consumed, cut):
                scan.merges.append(_bounds(ref))
                scan.cells += 1
            consumed = cut
        tail = buffer[consumed:]
        if before + scan.cells > limits.max_cells:
            raise WorkbookError(
                "too_many_cells",
                {"cells": f"{before + scan.cells:,}", "limit": f"{limits.max_cells:,}"},
            )
        if len(tail) > MAX_PENDING_BYTES:
            raise WorkbookError("corrupt")
        if not chunk:
            return


def _bounds(ref: bytes) -> tuple[int, int, int, int]:
    """(min_col, min_row, max_col, max_row) of a merged range such as "B3:B6"."""
    min_col, min_row, max_col, max_row = range_boundaries(ref.decode("ascii"))
    if None in (min_col, min_row, max_col, max_row):
        raise ValueError(ref)  # a whole row or column ("A:A"): no merge Excel writes
    return min_col, min_row, max_col, max_row  # type: ignore[return-value]


def _note_unset_formulas(content: bytes, row_number: int, scan: SheetScan) -> None:
    for column, (attrs, cell) in enumerate(_CELL_ELEMENT.findall(content), start=1):
        if not cell or not _FORMULA.search(cell) or _HAS_VALUE.search(cell):
            continue
        if b't="str"' in attrs and b"<v" in cell:
            continue  # a formula whose result is the empty string
        ref = _CELL_REF.search(attrs)
        if len(scan.unset_formulas) < 10_000:
            scan.unset_formulas.append((row_number, _column_index(ref[1]) if ref else column))
        # The row must be read even if no cell in it shows a value.
        scan.last_row = max(scan.last_row, row_number)


def _column_index(letters: bytes) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + letter - ord("A") + 1
    return index


# ---------------------------------------------------------------- pass 2: openpyxl


def _load(data: bytes) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Data Validation extension is not supported" etc.
            return openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
    except Exception as exc:  # openpyxl raises anything from KeyError to lxml errors
        raise WorkbookError("corrupt") from exc
