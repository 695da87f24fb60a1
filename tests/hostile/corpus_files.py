"""Hostile files for the corpus: zip bombs and forged zips, files that are
not what their name says (.xls, .ods, encrypted, CSV/HTML/PDF as .xlsx),
CSV encodings, delimiters and oversized lines, formulas without a saved
value, and sheets formatted to their last row.

Every file is generated here (no binary blobs are committed): workbooks
with openpyxl, forged zips by patching the zip's directory, OLE2 compound
files with the small writer ``compound_file``. The builders are also used
by tests/test_hostile_files.py.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import struct
import warnings
import zipfile
from pathlib import Path

import openpyxl

from .harness import Case

ORDERS = [
    ["customer_id", "date", "amount"],
    ["C1", dt.datetime(2024, 1, 5), 12.5],
    ["C2", dt.datetime(2024, 1, 9), 30],
    ["C1", dt.datetime(2024, 2, 3), 7],
]
ORDERS_CSV = "customer_id,date,amount\nC1,2024-01-05,12.5\nC2,2024-01-09,30\nC1,2024-02-03,7\n"
SHEET = "xl/worksheets/sheet1.xml"
MiB = 1 << 20

# -- workbooks -------------------------------------------------------------------


def workbook_bytes(rows=ORDERS, title: str = "Orders") -> bytes:
    """A real .xlsx (written by openpyxl) holding ``rows`` on sheet ``title``."""
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = title
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parts_of(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def zip_bytes(parts, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A zip of ``parts`` (a dict or a list of (name, bytes), duplicates allowed)."""
    items = parts.items() if isinstance(parts, dict) else parts
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # zipfile warns about duplicate names
        with zipfile.ZipFile(buffer, "w", method) as archive:
            for name, data in items:
                archive.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data, method)
    return buffer.getvalue()


def with_sheet(sheet_xml: bytes, rows=ORDERS) -> bytes:
    """A workbook whose first sheet's XML is ``sheet_xml``."""
    parts = parts_of(workbook_bytes(rows))
    parts[SHEET] = sheet_xml
    return zip_bytes(parts)


def _sheet_xml(rows_xml: bytes) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>'
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<dimension ref="A1:C4"/><sheetData>' + rows_xml + b"</sheetData></worksheet>"
    )


def _cell(ref: str, value) -> bytes:
    if isinstance(value, str):
        return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'.encode()
    return f'<c r="{ref}"><v>{value}</v></c>'.encode()


def orders_rows_xml(first_row: int = 1) -> bytes:
    """The Orders table as sheet rows starting at ``first_row`` (dates as serials)."""
    rows = [
        ["customer_id", "date", "amount"],
        ["C1", 45296, 12.5],
        ["C2", 45300, 30],
        ["C1", 45325, 7],
    ]
    out = []
    for offset, row in enumerate(rows):
        number = first_row + offset
        cells = b"".join(_cell(f"{c}{number}", v) for c, v in zip("ABC", row, strict=True))
        out.append(f'<row r="{number}">'.encode() + cells + b"</row>")
    return b"".join(out)


def formatted_empty_rows(first: int, count: int) -> bytes:
    """``count`` rows from ``first`` on that hold a format and no value."""
    return b"".join(
        b'<row r="%d" spans="1:3" s="1" customFormat="1"><c r="A%d" s="1"/><c r="B%d" s="1"/></row>'
        % (r, r, r)
        for r in range(first, first + count)
    )


def formatted_rows_book(before: int, after: int) -> bytes:
    """The Orders table with ``before`` formatted empty rows above it and
    ``after`` below, the dimension claiming A1:C4."""
    xml = _sheet_xml(
        formatted_empty_rows(1, before)
        + orders_rows_xml(before + 1)
        + formatted_empty_rows(before + 5, after)
    )
    return with_sheet(xml)


def formula_book(column: str = "C") -> bytes:
    """Orders whose ``column`` holds formulas never calculated (as openpyxl writes them)."""
    rows = [list(row) for row in ORDERS]
    index = "ABCD".index(column)
    for number, row in enumerate(rows[1:], start=2):
        while len(row) <= index:
            row.append(None)
        row[index] = f"=1+{number}"
    if index == 3:
        rows[0].append("helper")
    return workbook_bytes(rows)


# -- forged zips -------------------------------------------------------------------


def patch_directory(data: bytes, name: str, **fields) -> bytes:
    """``data`` (a zip) with central-directory fields of member ``name``
    replaced: ``crc``, ``compress_size``, ``file_size``, ``offset``, ``flags``."""
    layout = {"flags": (8, "<H"), "crc": (16, "<I"), "compress_size": (20, "<I")}
    layout |= {"file_size": (24, "<I"), "offset": (42, "<I")}
    out = bytearray(data)
    encoded = name.encode()
    at = out.find(b"PK\x01\x02")
    while at >= 0:
        (length,) = struct.unpack_from("<H", out, at + 28)
        if bytes(out[at + 46 : at + 46 + length]) == encoded:
            for key, value in fields.items():
                offset, form = layout[key]
                struct.pack_into(form, out, at + offset, value)
            return bytes(out)
        at = out.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


def patch_entry_count(data: bytes, count: int) -> bytes:
    out = bytearray(data)
    at = out.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", out, at + 8, count, count)
    return bytes(out)


def bomb_part(size: int, block: bytes = b"<row/>" * 1000) -> bytes:
    """A deflate-compressible sheet of ``size`` bytes (most of it one repeated block)."""
    head = _sheet_xml(b"")[: -len(b"</sheetData></worksheet>")]
    body = block * (size // len(block) + 1)
    return head + body[: max(size - len(head) - 24, 0)] + b"</sheetData></worksheet>"


def big_bomb(size: int) -> bytes:
    """A workbook whose sheet unpacks to ``size`` bytes, compressed as it is
    streamed (so the test does not hold ``size`` bytes)."""
    parts = parts_of(workbook_bytes())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            if name != SHEET:
                archive.writestr(name, data)
        info = zipfile.ZipInfo(SHEET, (2024, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as sheet:
            sheet.write(_sheet_xml(b"")[: -len(b"</sheetData></worksheet>")])
            block = b"<row/>" * (MiB // 6)
            written = 0
            while written < size:
                sheet.write(block)
                written += len(block)
            sheet.write(b"</sheetData></worksheet>")
    return buffer.getvalue()


def lying_size_book() -> bytes:
    """A workbook whose directory says its sheet unpacks to 200 bytes while
    it unpacks to 20 MiB: the stream must stop at the declared size."""
    data = with_sheet(bomb_part(20 * MiB, b"<row/>" * 100))
    return patch_directory(data, SHEET, file_size=200)


def overlapping_book() -> bytes:
    """Two directory entries that point at the same packed bytes."""
    parts = parts_of(workbook_bytes())
    parts["xl/media/copy.xml"] = b"x" * 1000
    data = zip_bytes(parts)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        offset = archive.getinfo(SHEET).header_offset
    return patch_directory(data, "xl/media/copy.xml", offset=offset)


def many_entries_book(count: int) -> bytes:
    parts = list(parts_of(workbook_bytes()).items())
    parts += [(f"customXml/item{i}.xml", b"<a/>") for i in range(count)]
    return zip_bytes(parts, zipfile.ZIP_STORED)


def renamed_part_book(bad_name: str) -> bytes:
    parts = list(parts_of(workbook_bytes()).items())
    parts.append((bad_name, b"<x/>"))
    return zip_bytes(parts)


def ods_bytes() -> bytes:
    """A minimal OpenDocument spreadsheet: ``mimetype`` first, stored."""
    return zip_bytes(
        [
            ("mimetype", b"application/vnd.oasis.opendocument.spreadsheet"),
            ("content.xml", b"<office:document-content/>"),
            ("META-INF/manifest.xml", b"<manifest:manifest/>"),
        ],
        zipfile.ZIP_STORED,
    )


def xlsb_bytes() -> bytes:
    parts = parts_of(workbook_bytes())
    parts.pop("xl/workbook.xml")
    parts["xl/workbook.bin"] = b"\x83\x01\x00"
    return zip_bytes(parts)


def docx_bytes() -> bytes:
    return zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<w:document/>"})


# -- OLE2 compound files --------------------------------------------------------------


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A minimal OLE2 compound file (version 3, 512-byte sectors) holding
    ``streams``, each stored in regular sectors (padded to 4 KiB)."""
    sector = 512
    end, free, fat_sector = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
    names = list(streams)
    entries = 1 + len(names)
    directory_sectors = -(-entries // 4)
    fat = [fat_sector]
    first_directory = len(fat)
    fat += [first_directory + i + 1 for i in range(directory_sectors - 1)] + [end]
    starts, blobs = [], []
    for name in names:
        data = streams[name].ljust(4096, b"\x00")
        count = -(-len(data) // sector)
        start = len(fat)
        fat += [start + i + 1 for i in range(count - 1)] + [end]
        starts.append((start, len(streams[name])))
        blobs.append(data.ljust(count * sector, b"\x00"))
    assert len(fat) <= sector // 4, "one FAT sector only"
    header = bytearray(sector)
    header[0:8] = bytes.fromhex("D0CF11E0A1B11AE1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIII", header, 0x28, 0, 1, first_directory, 0, 4096, end, 0, end, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *([free] * 108))
    directory = bytearray()
    rows = [("Root Entry", 5, end, 0, 1 if names else free)]
    for index, (start, size) in enumerate(starts):
        sibling = index + 2 if index + 1 < len(names) else free
        rows.append((names[index], 2, start, size, free, sibling))
    for row in rows:
        name, kind, start, size = row[:4]
        child = row[4] if kind == 5 else free
        right = row[5] if kind == 2 else free
        entry = bytearray(128)
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", entry, 64, len(encoded), kind, 1, free, right, child)
        struct.pack_into("<IQ", entry, 116, start, size)
        directory += entry
    directory = bytes(directory).ljust(directory_sectors * sector, b"\x00")
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat).ljust(sector, b"\xff")
    return bytes(header) + fat_bytes + directory + b"".join(blobs)


ENCRYPTED = {"EncryptionInfo": b"\x04\x00\x04\x00" + b"\x00" * 200, "EncryptedPackage": b"x" * 5000}
XLS = {"Workbook": b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 100, "SummaryInformation": b""}
DOC = {"WordDocument": b"\xec\xa5" + b"\x00" * 100}

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = (
    b"<html><head><meta charset='utf-8'></head><body><table><tr><td>customer_id</td>"
    b"<td>date</td><td>amount</td></tr></table></body></html>"
)
XML_2003 = (
    b'<?xml version="1.0"?>\n<?mso-application progid="Excel.Sheet"?>\n'
    b'<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet"><Worksheet/></Workbook>'
)

# -- CSV -------------------------------------------------------------------------------


def semicolon_csv() -> bytes:
    return ORDERS_CSV.replace(",", ";").encode()


def tab_csv() -> bytes:
    return ORDERS_CSV.replace(",", "\t").encode()


# -- the cases ---------------------------------------------------------------------------


def _file(name: str, data) -> callable:
    """A ``make`` writing one file ``name`` (bytes, or a function giving them)."""

    def make(folder: Path) -> list[Path]:
        path = folder / name
        path.write_bytes(data() if callable(data) else data)
        return [path]

    return make


def _folder(files: dict[str, object]) -> callable:
    """A ``make`` writing a folder ``data`` holding ``files``."""

    def make(folder: Path) -> list[Path]:
        target = folder / "data"
        target.mkdir()
        for name, data in files.items():
            (target / name).write_bytes(data() if callable(data) else data)
        return [target]

    return make


def _case(id, name, data, code, message, env=None) -> Case:
    return Case(id, _file(name, data), code, message, env=env)


_ZIP_LIMITS = {"CXEXCEL_MAX_ZIP_ENTRIES": "40"}

CASES = [
    # zip bombs of several shapes
    _case("bomb-ratio", "Orders.xlsx", lambda: with_sheet(bomb_part(24 * MiB)), 2, "zip bomb"),
    _case(
        "bomb-declared-2gib",
        "Orders.xlsx",
        lambda: patch_directory(workbook_bytes(), SHEET, file_size=2**31),
        2,
        "would unpack to 2 GiB",
    ),
    _case(
        "bomb-small-limit",
        "Orders.xlsx",
        lambda: with_sheet(bomb_part(3 * MiB)),
        2,
        "more than the 1 MiB allowed for one part",
        {"CXEXCEL_MAX_PART_BYTES": "1M"},
    ),
    _case(
        "bomb-total",
        "Orders.xlsx",
        lambda: patch_directory(
            patch_directory(workbook_bytes(), SHEET, file_size=400 * MiB),
            "xl/styles.xml",
            file_size=400 * MiB,
        ),
        2,
        "more than 700 MiB together",
        {"CXEXCEL_MAX_UNZIPPED_BYTES": "700M", "CXEXCEL_MAX_ZIP_RATIO": "1000000000"},
    ),
    _case(
        "bomb-600mib-real",
        "Orders.xlsx",
        lambda: big_bomb(600 * MiB),
        2,
        "more than the 512 MiB allowed",
    ),
    _case("bomb-overlapping", "Orders.xlsx", overlapping_book, 2, "overlapping entries"),
    _case(
        "bomb-ratio-shared-strings",
        "Orders.xlsx",
        lambda: zip_bytes(
            {
                **parts_of(workbook_bytes()),
                "xl/sharedStrings.xml": bomb_part(30 * MiB, b"<si/>" * 500),
            }
        ),
        2,
        "xl/sharedStrings.xml",
    ),
    # forged or damaged zips
    _case("zip-lying-size", "Orders.xlsx", lying_size_book, 2, "damaged or forged"),
    _case(
        "zip-bad-crc",
        "Orders.xlsx",
        lambda: patch_directory(workbook_bytes(), SHEET, crc=1),
        2,
        "damaged or forged",
    ),
    _case(
        "zip-many-entries",
        "Orders.xlsx",
        lambda: many_entries_book(60),
        2,
        "more than the 40 a workbook may have",
        _ZIP_LIMITS,
    ),
    _case("zip-20k-entries", "Orders.xlsx", lambda: many_entries_book(20_000), 2, "20,0"),
    _case(
        "zip-forged-entry-count",
        "Orders.xlsx",
        lambda: patch_entry_count(workbook_bytes(), 65_000),
        2,
        "65,000 parts",
    ),
    _case(
        "zip-duplicate-name",
        "Orders.xlsx",
        lambda: zip_bytes([*parts_of(workbook_bytes()).items(), (SHEET, b"<x/>")]),
        2,
        "two parts named",
    ),
    _case(
        "zip-duplicate-name-case",
        "Orders.xlsx",
        lambda: renamed_part_book("XL/Worksheets/Sheet1.xml"),
        2,
        "two parts named",
    ),
    _case(
        "zip-dotdot",
        "Orders.xlsx",
        lambda: renamed_part_book("../../etc/passwd"),
        2,
        "points outside the workbook",
    ),
    _case(
        "zip-absolute",
        "Orders.xlsx",
        lambda: renamed_part_book("/etc/passwd"),
        2,
        "points outside the workbook",
    ),
    _case(
        "zip-nested-dotdot",
        "Orders.xlsx",
        lambda: renamed_part_book("xl/../../x.xml"),
        2,
        "points outside the workbook",
    ),
    _case(
        "zip-dot-segment",
        "Orders.xlsx",
        lambda: renamed_part_book("xl/./worksheets/s.xml"),
        2,
        "non-standard way",
    ),
    _case(
        "zip-drive-letter",
        "Orders.xlsx",
        lambda: renamed_part_book("C:/evil.xml"),
        2,
        "points outside",
    ),
    _case(
        "zip-encrypted-entry",
        "Orders.xlsx",
        lambda: patch_directory(workbook_bytes(), SHEET, flags=1),
        2,
        "zip password",
    ),
    _case("zip-truncated", "Orders.xlsx", lambda: workbook_bytes()[:3000], 2, "incomplete zip"),
    _case("zip-empty", "Orders.xlsx", lambda: zip_bytes({}), 2, "empty zip"),
    _case(
        "zip-corrupt-deflate",
        "Orders.xlsx",
        lambda: _corrupt_member(workbook_bytes(), SHEET),
        2,
        "Orders.xlsx",
    ),
    _case(
        "zip-without-workbook",
        "Orders.xlsx",
        lambda: zip_bytes({"a.txt": b"hello"}),
        2,
        "holds no Excel workbook",
    ),
    # files that are not what their name says
    _case("empty-xlsx", "Orders.xlsx", b"", 2, "empty file (0 bytes)"),
    _case(
        "random-bytes-xlsx", "Orders.xlsx", bytes(range(256)) * 40, 2, "match no spreadsheet format"
    ),
    _case(
        "encrypted-xlsx",
        "Orders.xlsx",
        lambda: compound_file(ENCRYPTED),
        2,
        "password-protected (encrypted)",
    ),
    _case("xls-as-xlsx", "Orders.xlsx", lambda: compound_file(XLS), 2, "Excel 97-2003"),
    _case("doc-as-xlsx", "Orders.xlsx", lambda: compound_file(DOC), 2, "Word 97-2003"),
    _case(
        "damaged-ole-as-xlsx",
        "Orders.xlsx",
        bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 100,
        2,
        "OLE2 compound file",
    ),
    _case(
        "xls-direct",
        "Orders.xls",
        lambda: compound_file(XLS),
        2,
        "save it as Excel Workbook (.xlsx)",
    ),
    _case("xlsx-named-xls", "Orders.xls", workbook_bytes, 2, "rename it to .xlsx"),
    _case("html-named-xls", "Orders.xls", HTML, 2, "web page (HTML)"),
    _case("ods-direct", "Orders.ods", ods_bytes, 2, "OpenDocument spreadsheet"),
    _case("ods-as-xlsx", "Orders.xlsx", ods_bytes, 2, "OpenDocument spreadsheet"),
    _case("xlsb-as-xlsx", "Orders.xlsx", xlsb_bytes, 2, ".xlsb"),
    _case("docx-as-xlsx", "Orders.xlsx", docx_bytes, 2, "Word document (.docx)"),
    _case("csv-as-xlsx", "Orders.xlsx", ORDERS_CSV.encode(), 2, "give it a .csv ending"),
    _case("html-as-xlsx", "Orders.xlsx", HTML, 2, "web page (HTML)"),
    _case("pdf-as-xlsx", "Orders.xlsx", PDF, 2, "PDF document"),
    _case("xml2003-as-xlsx", "Orders.xlsx", XML_2003, 2, "Excel 2003 XML"),
    _case("parquet-as-xlsx", "Orders.xlsx", b"PAR1" + b"\0" * 100, 2, "Parquet file"),
    _case("gzip-as-xlsx", "Orders.xlsx", b"\x1f\x8b\x08" + b"\0" * 20, 2, "gzip-compressed"),
    _case("xlsx-as-csv", "Orders.csv", workbook_bytes, 2, "give it an .xlsx ending"),
    _case("pdf-as-csv", "Orders.csv", PDF, 2, "cannot be read as CSV: it is a PDF"),
    _case("xls-as-csv", "Orders.csv", lambda: compound_file(XLS), 2, "Excel 97-2003"),
    Case(
        "folder-with-xls",
        _folder({"Orders.csv": ORDERS_CSV.encode(), "Legacy.xls": lambda: compound_file(XLS)}),
        2,
        "Legacy.xls: cannot be read as a spreadsheet: it is an Excel 97-2003",
    ),
    Case(
        "folder-with-ods",
        _folder({"Orders.csv": ORDERS_CSV.encode(), "Spend.ods": ods_bytes}),
        2,
        "Spend.ods",
    ),
    Case(
        "folder-with-bomb",
        _folder({"book.xlsx": lambda: with_sheet(bomb_part(24 * MiB))}),
        2,
        "zip bomb",
    ),
    # CSV: sizes, lines, encodings, delimiters
    _case(
        "csv-huge-line",
        "Orders.csv",
        b"customer_id,date,amount\n" + b"x" * 5000,
        2,
        "line 2 is longer than 1,000 characters",
        {"CXEXCEL_MAX_CSV_LINE": "1000"},
    ),
    _case(
        "csv-single-line-no-breaks",
        "Orders.csv",
        b"a," * 3000,
        2,
        "line 1 is longer",
        {"CXEXCEL_MAX_CSV_LINE": "4K"},
    ),
    _case(
        "csv-too-big",
        "Orders.csv",
        (ORDERS_CSV * 400).encode(),
        2,
        "more than the 10 KiB a CSV file may be",
        {"CXEXCEL_MAX_CSV_BYTES": "10K"},
    ),
    _case(
        "csv-nul-bytes",
        "Orders.csv",
        ORDERS_CSV.encode() + b"C3,2024-03-01,\x00\x00\n",
        2,
        "line 5 holds a NUL character",
    ),
    _case(
        "csv-bad-bytes",
        "Orders.csv",
        b"customer_id,date,amount\n\x81\x8d,2024-01-01,1\n",
        2,
        "neither UTF-8 nor Windows-1252",
    ),
    _case(
        "csv-ragged-semicolons",
        "Orders.csv",
        semicolon_csv() + b"C3;2024-03-01;1;extra\n",
        2,
        "separated by semicolons",
    ),
    _case(
        "csv-too-many-columns",
        "Orders.csv",
        ("customer_id,date,amount," + ",".join(f"x{i}" for i in range(300)) + "\n").encode(),
        2,
        "303 columns",
        {"CXEXCEL_MAX_COLUMNS": "100"},
    ),
    _case(
        "csv-header-only", "Orders.csv", b"customer_id,date,amount\n", 2, "header but no data rows"
    ),
    _case("csv-empty", "Orders.csv", b"", 2, "the file is empty"),
    _case("csv-bom-only", "Orders.csv", b"\xef\xbb\xbf", 2, "the file is empty"),
    _case(
        "csv-bad-limit-setting",
        "Orders.csv",
        ORDERS_CSV.encode(),
        2,
        "is not a size",
        {"CXEXCEL_MAX_CSV_BYTES": "lots"},
    ),
    _case("csv-utf16-le-bom", "Orders.csv", ORDERS_CSV.encode("utf-16"), 0, ""),
    _case("csv-utf16-be-bom", "Orders.csv", b"\xfe\xff" + ORDERS_CSV.encode("utf-16-be"), 0, ""),
    _case("csv-utf16-le-no-bom", "Orders.csv", ORDERS_CSV.encode("utf-16-le"), 0, ""),
    _case("csv-utf8-bom", "Orders.csv", ORDERS_CSV.encode("utf-8-sig"), 0, ""),
    _case("csv-semicolon", "Orders.csv", semicolon_csv(), 0, ""),
    _case("csv-tab", "Orders.csv", tab_csv(), 0, ""),
    # workbooks: formulas, formatted rows, wide sheets
    _case(
        "formula-without-value",
        "Orders.xlsx",
        formula_book,
        2,
        "Orders!C2 holds a formula with no saved value",
    ),
    _case("formula-in-ignored-column", "Orders.xlsx", lambda: formula_book("D"), 0, ""),
    _case("formatted-rows-after", "Orders.xlsx", lambda: formatted_rows_book(0, 300_000), 0, ""),
    _case(
        "formatted-rows-around", "Orders.xlsx", lambda: formatted_rows_book(150_000, 150_000), 0, ""
    ),
    _case(
        "wide-sheet-16384-columns",
        "Orders.xlsx",
        lambda: workbook_bytes([ORDERS[0] + [f"x{i}" for i in range(16_381)], *ORDERS[1:]]),
        0,
        "",
    ),
    _case(
        "header-only-sheet",
        "Orders.xlsx",
        lambda: workbook_bytes(ORDERS[:1]),
        2,
        "header but no data rows",
    ),
    _case(
        "sheet-xml-garbage",
        "Orders.xlsx",
        lambda: with_sheet(b"\x00\x01garbage"),
        2,
        "cannot be read as an Excel workbook",
    ),
]


def _corrupt_member(data: bytes, name: str) -> bytes:
    """``data`` with the packed bytes of member ``name`` overwritten by noise."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    out = bytearray(data)
    middle = start + info.compress_size // 3
    out[middle : middle + 40] = bytes(range(7, 47))
    return bytes(out)


assert len({case.id for case in CASES}) == len(CASES)
assert all(re.fullmatch(r"[a-z0-9-]+", case.id) for case in CASES)
