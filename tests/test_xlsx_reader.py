"""The python-calamine reader of workbook files (``_calamine``) against the
openpyxl reader it replaces: on generated workbooks of every kind both must
give the same RawTables (headers, bodies cell for cell and type for type,
places, notes) and the same errors, word for word; what calamine cannot be
trusted with must go to openpyxl (``Unsure``) and still read the same.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import threading
import warnings
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel
from openpyxl.worksheet.table import Table

from cxexcel.errors import SourceError, TableError
from cxexcel.tables import _calamine, _workbook, check_tables, read_tables, sources
from cxexcel.tables.sources import RawTable

# openpyxl warns about the odd cells some cases hold (both readers, alike).
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"


# -- comparing the two readers ---------------------------------------------------------


def _key(value):
    """A value with its type, comparable (NaN equal to NaN, a Timestamp's unit kept)."""
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    if isinstance(value, pd.Timestamp):
        return (pd.Timestamp, value.isoformat(), value.unit)
    if value is pd.NaT:
        return ("NaT",)
    return (type(value), value)


def _same(new: list, old: list) -> None:
    assert len(new) == len(old), (new, old)
    for a, b in zip(new, old, strict=True):
        assert type(a) is type(b), (a, b)
        if isinstance(a, RawTable):
            assert (a.name, a.place, a.notes, a.parquet) == (b.name, b.place, b.notes, b.parquet)
            assert [_key(v) for v in a.header] == [_key(v) for v in b.header]
            assert a.body.shape == b.body.shape
            assert a.body.index.equals(b.body.index)
            assert list(a.body.columns) == list(b.body.columns)
            assert list(a.body.dtypes) == list(b.body.dtypes)
            rows_a = [[_key(v) for v in row] for row in a.body.itertuples(index=False)]
            rows_b = [[_key(v) for v in row] for row in b.body.itertuples(index=False)]
            assert rows_a == rows_b
        else:
            assert str(a) == str(b)
            assert vars(a) == vars(b)


def _warned(read, path):
    """What ``read(path)`` returns and the warnings it gives (each once, as
    Python's default filter shows them)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = read(path)
    return result, {(w.category, str(w.message)) for w in caught}


def _both(path: Path) -> list:
    """The calamine reader's tables of ``path``, checked against openpyxl's."""
    new, new_warnings = _warned(sources._from_calamine, path)
    old, old_warnings = _warned(sources._from_openpyxl_file, path)
    _same(new, old)
    assert new_warnings == old_warnings
    return new


def _outcome(*sources_, **options):
    """check_tables and read_tables of ``sources_``, comparable."""
    errors = [(type(e), str(e), e.table, e.column, e.row, e.cell) for e in check_tables(*sources_)]
    notes: list[str] = []
    try:
        frames = read_tables(*sources_, notes=notes, **options)
    except TableError as error:
        return errors, notes, (type(error), str(error))
    return errors, notes, {name: frame.to_dict("list") for name, frame in frames.items()}


def _public_same(monkeypatch, path: Path):
    """read_tables and check_tables give the same with either reader."""
    monkeypatch.setenv("CXEXCEL_XLSX_READER", "calamine")
    new = _outcome(path)
    monkeypatch.setenv("CXEXCEL_XLSX_READER", "openpyxl")
    old = _outcome(path)
    monkeypatch.delenv("CXEXCEL_XLSX_READER")
    assert repr(new) == repr(old)
    return new


def _falls_back(path: Path) -> str:
    """The calamine reader refuses ``path`` (to openpyxl); the reason."""
    before = set(threading.enumerate())  # other tests may leave threads (Spark's py4j)
    with pytest.raises(_calamine.Unsure) as refused:
        sources._from_calamine(path)
    assert set(threading.enumerate()) <= before  # no calamine thread left running
    return str(refused.value)


# -- workbooks ---------------------------------------------------------------------------


def _save(book: openpyxl.Workbook, path: Path) -> Path:
    book.save(path)
    return path


def _sheet(book, title, rows, origin=(1, 1), formats=None):
    ws = book.create_sheet(title)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            if value is None:
                continue
            cell = ws.cell(origin[0] + r, origin[1] + c)
            cell.value = value
            if formats and c in formats:
                cell.number_format = formats[c]
    return ws


def _book(*sheets) -> openpyxl.Workbook:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for args in sheets:
        _sheet(book, *args)
    return book


def _add_table(ws, name, ref, totals=0, header=1):
    table = Table(displayName=name, ref=ref)
    table.totalsRowCount = totals or None
    table.headerRowCount = header
    ws.add_table(table)


_STYLES = f"""<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="{MAIN}"><numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy\\-mm\\-dd"/>
<numFmt numFmtId="165" formatCode="[h]:mm:ss"/><numFmt numFmtId="166" formatCode="0.00%"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>
<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="8"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>
<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>
<xf numFmtId="0" fontId="0" fillId="1" borderId="0" xfId="0" applyFill="1"/></cellXfs>
<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>"""
#: Styles of _STYLES: 0 general, 1 yyyy-mm-dd, 2 builtin date, 3 date and time,
#: 4 [h]:mm:ss (a timedelta), 5 percent, 6 time, 7 a fill (formatted empty cells).
DATE, BUILTIN_DATE, DATETIME, DURATION, PERCENT, TIME, FILL = range(1, 8)


def _excel_book(
    sheets: dict[str, str],
    strings: list[str] | str = (),
    tables: dict[str, list[tuple[str, str, int, int]]] | None = None,
    styles: str = _STYLES,
    date1904: bool = False,
    head: str = "",
    tail: str = "",
) -> bytes:
    """A workbook as Excel writes it: ``sheets`` maps a title to the rows XML
    of its sheet data; ``strings`` are the shared strings (plain text, or the
    whole <sst> content as a str); ``tables`` maps a title to its Excel
    Tables (name, ref, header rows, totals rows)."""
    tables = tables or {}
    parts: dict[str, str | bytes] = {}
    overrides = [
        (
            "/xl/workbook.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
        ),
        (
            "/xl/styles.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml",
        ),
        (
            "/xl/sharedStrings.xml",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml",
        ),
    ]
    sheet_xml, rels, table_count = [], [], 0
    for i, (title, rows) in enumerate(sheets.items(), start=1):
        sheet_xml.append(f'<sheet name="{title}" sheetId="{i}" r:id="rId{i}"/>')
        rels.append(
            f'<Relationship Id="rId{i}" Type="{REL}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        )
        overrides.append(
            (
                f"/xl/worksheets/sheet{i}.xml",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml",
            )
        )
        parts_ = ""
        sheet_rels = []
        for j, (name, ref, header, totals) in enumerate(tables.get(title, []), start=1):
            table_count += 1
            parts_ += f'<tablePart r:id="rId{j}"/>'
            sheet_rels.append(
                f'<Relationship Id="rId{j}" Type="{REL}/table" Target="../tables/table{table_count}.xml"/>'
            )
            parts[f"xl/tables/table{table_count}.xml"] = (
                f'<table xmlns="{MAIN}" id="{table_count}" name="{name}" displayName="{name}" '
                f'ref="{ref}" headerRowCount="{header}" totalsRowCount="{totals}"/>'
            )
        if sheet_rels:
            parts[f"xl/worksheets/_rels/sheet{i}.xml.rels"] = (
                f'<Relationships xmlns="{PKG}/relationships">{"".join(sheet_rels)}</Relationships>'
            )
        table_parts = (
            f'<tableParts count="{len(sheet_rels)}">{parts_}</tableParts>' if parts_ else ""
        )
        parts[f"xl/worksheets/sheet{i}.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}" '
            'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac">'
            f"{head}<sheetData>{rows}</sheetData>{tail}{table_parts}</worksheet>"
        )
    n = len(sheets)
    rels.append(f'<Relationship Id="rId{n + 1}" Type="{REL}/styles" Target="styles.xml"/>')
    rels.append(
        f'<Relationship Id="rId{n + 2}" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
    )
    pr = '<workbookPr date1904="1"/>' if date1904 else ""
    parts["xl/workbook.xml"] = (
        f'<workbook xmlns="{MAIN}" xmlns:r="{REL}">{pr}<sheets>{"".join(sheet_xml)}</sheets></workbook>'
    )
    parts["xl/_rels/workbook.xml.rels"] = (
        f'<Relationships xmlns="{PKG}/relationships">{"".join(rels)}</Relationships>'
    )
    parts["_rels/.rels"] = (
        f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
        f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
    )
    parts["xl/styles.xml"] = styles
    if isinstance(strings, str):
        sst = strings
    else:
        sst = "".join(f"<si><t{_space(s)}>{_escape(s)}</t></si>" for s in strings)
    parts["xl/sharedStrings.xml"] = f'<sst xmlns="{MAIN}">{sst}</sst>'
    overrides += [
        (f"/{name}", "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml")
        for name in parts
        if name.startswith("xl/tables/")
    ]
    parts["[Content_Types].xml"] = (
        f'<Types xmlns="{PKG}/content-types"><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{t}"/>' for p, t in overrides)
        + "</Types>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _space(text: str) -> str:
    return ' xml:space="preserve"' if text != text.strip() else ""


def _cell(ref: str, value, style: int | None = None, formula: str | None = None) -> str:
    """A cell as Excel writes it; ``value`` is ("s", index), ("str", text),
    ("b", 0/1), ("e", "#N/A"), ("n", "12.5"), ("inline", text) or None."""
    s = f' s="{style}"' if style is not None else ""
    f = f"<f>{_escape(formula)}</f>" if formula is not None else ""
    if value is None:
        return f'<c r="{ref}"{s}>{f}</c>' if f else f'<c r="{ref}"{s}/>'
    kind, text = value
    if kind == "n":
        return f'<c r="{ref}"{s}>{f}<v>{text}</v></c>'
    if kind == "inline":
        return f'<c r="{ref}"{s} t="inlineStr"><is><t{_space(text)}>{_escape(text)}</t></is></c>'
    return f'<c r="{ref}"{s} t="{kind}">{f}<v>{_escape(str(text))}</v></c>'


def _rows(rows: list[list], first: int = 1, col: int = 1, attrs: str = "") -> str:
    out = []
    for r, row in enumerate(rows, start=first):
        cells = "".join(
            _cell(
                f"{openpyxl.utils.get_column_letter(col + c)}{r}",
                *(v if isinstance(v, tuple) and len(v) == 3 else (v,)),
            )
            for c, v in enumerate(row)
            if v != "skip"
        )
        out.append(f'<row r="{r}"{attrs}>{cells}</row>')
    return "".join(out)


def _write(tmp_path: Path, data: bytes, name: str = "book.xlsx") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# -- openpyxl-written workbooks (inline strings, t="n", " />") ------------------------------

EVERY_VALUE = [
    ["date", "nps", "csat", "ces", "customer_id", "segment", "comment"],
    [dt.datetime(2024, 1, 5), 9, 5, 7, "C1", "SMB", "Great"],
    [dt.datetime(2024, 1, 6, 14, 30), 3, 2.0, None, 1002, "Enterprise", '=HYPERLINK("x","y")'],
    [dt.date(2024, 2, 1), 10, None, 1, "C3", None, None],
    [45322, 0, 1, 2, "  spaced  ", "ünïcödé ✓ 日本語 🎉", "x" * 40_000],
    [45322.75, -0.0, 1e20, 1.7e308, 2**60, 12345678901234567890, "line\nbreak\ttab"],
    [dt.datetime(1900, 1, 1), True, False, 0.1, "=1+2", "a & <b> \"c\" 'd'", ""],
    [None, None, None, None, None, None, None],
    [dt.datetime(2199, 12, 31, 23, 59, 59), 7, 3, 4, "#N/A", "TRUE", "  "],
]


def test_every_value_type_written_by_openpyxl(tmp_path, monkeypatch):
    book = _book(("Responses", EVERY_VALUE))
    ws = book["Responses"]
    ws["E9"].data_type = "e"  # the error #N/A, not the text
    ws["G3"].data_type = "s"  # text that looks like a formula
    path = _save(book, tmp_path / "book.xlsx")
    [raw] = _both(path)
    assert raw.body.shape == (8, 7)
    _public_same(monkeypatch, path)


@pytest.mark.parametrize(
    "serial",
    [
        1,
        2,
        31,
        32,
        59,
        60,
        60.25,
        60.999,
        61,
        0,
        0.5,
        0.999999,
        -1,
        -0.5,
        366,
        45292.5,
        45292.0000057870,
        45292.99999999,
        109574,
        109574.99999,
        109575,
        2958465,
        2958466,
        1e300,
    ],
)
@pytest.mark.parametrize(
    "number_format", ["yyyy-mm-dd", "yyyy-mm-dd hh:mm:ss", "hh:mm", "[h]:mm:ss", "0.00"]
)
def test_date_formatted_serials_incl_1900_edges(tmp_path, monkeypatch, serial, number_format):
    rows = [["date", "nps"], [45292, 9], [serial, 8], [dt.datetime(2024, 3, 1), 7]]
    path = _save(_book(("Responses", rows, (1, 1), {0: number_format})), tmp_path / "book.xlsx")
    try:
        if number_format != "0.00":
            from_excel(float(serial), WINDOWS_EPOCH, timedelta=number_format == "[h]:mm:ss")
        beyond = False
    except (OverflowError, ValueError):
        beyond = True
    if beyond:
        _falls_back(path)  # openpyxl warns and reads "#VALUE!": left to it
    else:
        _both(path)
    _public_same(monkeypatch, path)


def test_date1904_workbook(tmp_path, monkeypatch):
    book = _book(
        (
            "Orders",
            [["customer_id", "date", "amount"], ["C1", 0, 1], ["C2", 1.5, 2], ["C3", 45000, 3]],
            (1, 1),
            {1: "yyyy-mm-dd hh:mm"},
        )
    )
    book.epoch = MAC_EPOCH
    path = _save(book, tmp_path / "book.xlsx")
    _both(path)
    _public_same(monkeypatch, path)


def test_times_and_durations(tmp_path, monkeypatch):
    rows = [
        ["date", "nps", "comment"],
        [dt.time(6, 30), 9, dt.timedelta(hours=30)],
        [dt.datetime(2024, 1, 1), 8, dt.timedelta(minutes=5)],
    ]
    path = _save(_book(("Responses", rows)), tmp_path / "book.xlsx")
    _both(path)
    _public_same(monkeypatch, path)


def test_formulas_without_saved_values(tmp_path, monkeypatch):
    rows = [
        ["date", "nps", "comment", "helper"],
        [45296, 9, "=1+1", "=2+2"],
        [45297, "=3+4", "fine", None],
        [45298, 8, "=A2", "=B2"],
    ]
    path = _save(_book(("Responses", rows)), tmp_path / "book.xlsx")
    _both(path)
    outcome = _public_same(monkeypatch, path)
    assert "Responses!B3 holds a formula with no saved value" in outcome[0][0][1]
    rows[2][1] = 7
    path = _save(_book(("Responses", rows)), tmp_path / "book.xlsx")
    [raw] = _both(path)
    assert raw.notes and "Responses!C2 and 1 more cells hold formulas" in raw.notes[0]
    _public_same(monkeypatch, path)


def test_excel_tables_at_offsets_totals_and_no_header(tmp_path, monkeypatch):
    responses = [
        ["Date", "NPS", "Customer ID"],
        [dt.datetime(2024, 1, 5), 9, "C1"],
        [dt.datetime(2024, 1, 6), 3, 1002],
        [None, None, None],
        [dt.datetime(2024, 2, 1), 10, "C3"],
    ]
    orders = [
        ["customer_id", "date", "amount"],
        ["C1", dt.datetime(2024, 1, 5), 12.5],
        ["Total", None, 12.5],
    ]
    book = _book(
        ("Survey data", responses, (4, 3)),
        ("Data", orders, (2, 2)),
        ("Spend", [["month", "x"]], (1, 1)),
    )
    _add_table(book["Survey data"], "Responses", "C4:E8")
    _add_table(book["Data"], "Orders", "B2:D4", totals=1)
    _add_table(book["Spend"], "Spend", "A1:B1", header=0)
    book["Data"]["H20"] = "far away"
    path = _save(book, tmp_path / "book.xlsx")
    found = _both(path)
    assert [getattr(item, "name", None) or item.table for item in found] == [
        "Responses",
        "Orders",
        "Spend",
    ]
    _public_same(monkeypatch, path)


def test_table_range_beyond_the_data_and_sheet_named_like_a_table(tmp_path, monkeypatch):
    rows = [["customer_id", "date", "amount"], ["C1", dt.datetime(2024, 1, 5), 1]]
    book = _book(("Orders", rows), ("Responses", [["date", "nps"], [45292, 9]]))
    _add_table(book["Orders"], "Table1", "A1:C9")  # the only table of sheet Orders: read as Orders
    path = _save(book, tmp_path / "book.xlsx")
    _both(path)
    _public_same(monkeypatch, path)


def test_several_tables_on_a_table_sheet_is_the_same_error(tmp_path, monkeypatch):
    book = _book(("Responses", [["date", "nps"], [45292, 9], [None, None], ["x", "y"], [1, 2]]))
    _add_table(book["Responses"], "Table1", "A1:B2")
    _add_table(book["Responses"], "Table2", "A4:B5")
    path = _save(book, tmp_path / "book.xlsx")
    _both(path)
    _public_same(monkeypatch, path)


def test_formatted_empty_rows_and_cells(tmp_path, monkeypatch):
    from hostile import corpus_files as corpus

    for before, after in [(0, 50), (30, 30), (5, 0)]:
        path = _write(tmp_path, corpus.formatted_rows_book(before, after))
        [raw] = _both(path)
        assert raw.place.header_row == before + 1
    book = _book(("Orders", [["customer_id", "date", "amount"], ["C1", 45296, 12.5]]))
    ws = book["Orders"]
    from openpyxl.styles import PatternFill

    for ref in ("E2", "F5", "A7", "Z1", "B9"):
        ws[ref].fill = PatternFill("solid", fgColor="FF0000")
    path = _save(book, tmp_path / "book.xlsx")
    _both(path)
    _public_same(monkeypatch, path)


# -- Excel-like workbooks (shared strings, styles, cached values) ------------------------------

STRINGS = [
    "date",
    "nps",
    "customer_id",
    "comment",
    "C1",
    "C2",
    "",
    "x005F_y",
    "a_x000D_b",
    "  both  ",
    "AT&T <x>",
    "ünï ✓",
    "e" * 5000,
]


def test_shared_strings_cached_values_and_cell_types(tmp_path, monkeypatch):
    rich = (
        "".join(f"<si><t{_space(s)}>{_escape(s)}</t></si>" for s in STRINGS)
        + '<si><r><t>rich </t></r><r><rPr><b/></rPr><t xml:space="preserve">text </t></r></si>'
        + '<si><t>漢字</t><rPh sb="0" eb="1"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>'
        + "<si/>"
    )
    n = len(STRINGS)
    rows = _rows(
        [
            [("s", 0), ("s", 1), ("s", 2), ("s", 3)],
            [(("n", "45292"), DATE, None), ("n", "9"), ("s", 4), ("s", 7)],
            [(("n", "45293.5"), DATETIME, None), (("n", "8"), None, "4*2"), ("s", 5), ("s", n)],
            [(("n", "60"), DATE, None), ("n", "1.0"), ("s", 6), ("s", n + 1)],
            [(("n", "61"), BUILTIN_DATE, "A3+1"), ("n", "1E1"), ("s", 8), ("s", n + 2)],
            [(("n", "0.25"), TIME, None), (("b", 1), None, "TRUE()"), ("s", 9), ("e", "#N/A")],
            [
                (("n", "1.5"), DURATION, None),
                ("n", "-7"),
                ("s", 10),
                (("e", "#DIV/0!"), None, "1/0"),
            ],
            [
                (("n", "45300"), PERCENT, None),
                ("n", "5"),
                ("s", 11),
                (("str", "computed"), None, 'A1&"x"'),
            ],
            [(("n", "45301"), FILL, None), ("n", "0"), ("s", 12), (("str", ""), None, '""')],
            [(None, FILL, None), ("n", "3"), ("inline", "inline text"), (("n", ""), None, "1+1")],
            [("n", "45302"), ("n", "4"), ("str", "  spaces  "), ("inline", " ")],
        ]
    )
    path = _write(tmp_path, _excel_book({"Responses": rows}, rich))
    [raw] = _both(path)
    assert raw.header == ["date", "nps", "customer_id", "comment"]
    assert raw.notes  # the formula without a value in the comment column
    _public_same(monkeypatch, path)


def test_shared_formulas_row_attributes_and_dynamic_arrays(tmp_path, monkeypatch):
    rows = (
        '<row r="1" spans="1:3" x14ac:dyDescent="0.25"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
        '<row r="2" spans="1:3" s="7" customFormat="1" ht="30" customHeight="1" x14ac:dyDescent="0.25">'
        '<c r="A2" s="1"><f t="shared" ref="A2:A4" si="0">45292+ROW()</f><v>45294</v></c>'
        '<c r="B2" cm="1"><f t="array" ref="B2:B3">SEQUENCE(2)</f><v>1</v></c></row>'
        '<row r="3" hidden="1" ht="15"><c r="A3" s="1"><f t="shared" si="0"/><v>45295</v></c><c r="B3"><v>2</v></c></row>'
        '<row r="4"><c r="A4" s="1"><f t="shared" si="0"/><v>45296</v></c><c r="B4" s="7"/>'
        '<c r="C4"><f>1+1</f></c></row>'
        '<row r="6" s="7" customFormat="1"><c r="A6" s="7"/><c r="B6" s="7"/></row>'
        '<row r="8"/>'
    )
    path = _write(tmp_path, _excel_book({"Responses": rows}, ["date", "nps"]))
    [raw] = _both(path)
    assert raw.body.shape[0] == 3
    _public_same(monkeypatch, path)


def test_excel_tables_with_shared_strings_at_an_offset(tmp_path, monkeypatch):
    rows = _rows(
        [
            [("s", 0), ("s", 1), ("s", 2)],
            [("n", "45292"), ("n", "9"), ("s", 3)],
            [("n", "45293"), ("n", "3"), ("s", 3)],
            ["skip", ("n", "1"), "skip"],
        ],
        first=5,
        col=3,
    )
    tables = {"Data": [("Responses", "C5:E8", 1, 1)]}
    path = _write(
        tmp_path, _excel_book({"Data": rows}, ["date", "nps", "customer_id", "C9"], tables)
    )
    [raw] = _both(path)
    assert (raw.place.header_row, raw.place.first_column) == (5, 3)
    _public_same(monkeypatch, path)


def test_1904_dates_in_an_excel_like_book(tmp_path):
    rows = _rows(
        [
            [("s", 0), ("s", 1)],
            [(("n", "0"), DATE, None), ("n", "1")],
            [(("n", "1.5"), DATETIME, None), ("n", "2")],
            [(("n", "59"), DATE, None), ("n", "3")],
        ]
    )
    _both(_write(tmp_path, _excel_book({"Responses": rows}, ["date", "nps"], date1904=True)))


def test_margins_merged_cells_and_extensions_after_the_data(tmp_path, monkeypatch):
    tail = (
        '<mergeCells count="1"><mergeCell ref="C1:D1"/></mergeCells>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    head = '<dimension ref="A1:B2"/><sheetViews><sheetView workbookViewId="0"/></sheetViews><cols><col min="1" max="2" width="12" customWidth="1"/></cols>'
    rows = _rows([[("s", 0), ("s", 1)], [("n", "45292"), ("n", "9")]])
    path = _write(tmp_path, _excel_book({"Responses": rows}, ["date", "nps"], head=head, tail=tail))
    _both(path)
    _public_same(monkeypatch, path)
    broken = (
        '<pageMargins left="wide" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
    )
    path = _write(tmp_path, _excel_book({"Responses": rows}, ["date", "nps"], tail=broken))
    _falls_back(path)
    _public_same(monkeypatch, path)


# -- random sheets ------------------------------------------------------------------------

_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff")
    | st.sampled_from(list(" \t\n&<>\"'_x0D]é✓🎉")),
    max_size=12,
)
_NUMBER = st.one_of(
    st.integers(-(10**17), 10**17).map(str),
    st.sampled_from(
        [
            "0",
            "-0",
            "1.0",
            "1E3",
            "1.5E1",
            "2.5",
            "-7",
            "60",
            "60.5",
            "59",
            "61",
            "1e-5",
            "1.2345678901234567E-5",
            "45292.5",
            "0.999999",
            "1e300",
            "1e999",
        ]
    ),
    st.floats(-1e7, 1e7, allow_nan=False).map(lambda f: repr(f).replace("inf", "1e999")),
)
_STYLE = st.sampled_from([None, 0, DATE, BUILTIN_DATE, DATETIME, DURATION, PERCENT, TIME, FILL])
_ERRORS = st.sampled_from(["#N/A", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#NULL!"])


@st.composite
def _cells(draw, strings: int):
    kind = draw(
        st.sampled_from(["n", "n", "n", "s", "b", "e", "str", "inline", "empty", "formula"])
    )
    style = draw(_STYLE)
    s = f' s="{style}"' if style is not None else ""
    formula = "<f>1+1</f>" if draw(st.booleans()) and kind not in ("inline", "empty") else ""
    if kind == "n":
        return s, f"{formula}<v>{draw(_NUMBER)}</v>"
    if kind == "s" and strings:
        return s + ' t="s"', f"{formula}<v>{draw(st.integers(0, strings - 1))}</v>"
    if kind == "b":
        return s + ' t="b"', f"{formula}<v>{draw(st.sampled_from('01'))}</v>"
    if kind == "e":
        return s + ' t="e"', f"{formula}<v>{_escape(draw(_ERRORS))}</v>"
    if kind == "str":
        return s + ' t="str"', f"{formula}<v>{_escape(draw(_TEXT))}</v>"
    if kind == "inline":
        text = draw(_TEXT)
        space = _space(text) if draw(st.booleans()) else ""
        return s + ' t="inlineStr"', f"<is><t{space}>{_escape(text)}</t></is>"
    if kind == "formula":
        return s, formula or "<f>2+2</f>"
    return s, None  # empty: a formatted cell, or no value


@st.composite
def _sheets(draw):
    strings = draw(st.lists(_TEXT, max_size=6))
    header = ["date", "nps", "csat", "customer_id", "comment"]
    rows = [
        '<row r="1">'
        + "".join(
            f'<c r="{c}1" t="inlineStr"><is><t>{h}</t></is></c>'
            for c, h in zip("ABCDE", header, strict=True)
        )
        + "</row>"
    ]
    number = 1
    for _ in range(draw(st.integers(0, 12))):
        number += draw(st.integers(1, 3))
        cells = []
        for column in sorted(draw(st.lists(st.integers(1, 7), max_size=6, unique=True))):
            attrs, content = draw(_cells(len(strings)))
            ref = f"{'ABCDEFG'[column - 1]}{number}"
            cells.append(
                f'<c r="{ref}"{attrs}/>'
                if content is None
                else f'<c r="{ref}"{attrs}>{content}</c>'
            )
        if cells or draw(st.booleans()):
            rows.append(f'<row r="{number}">{"".join(cells)}</row>')
        else:
            rows.append(f'<row r="{number}" s="{FILL}" customFormat="1"/>')
    table = draw(st.sampled_from([None, "A1:E4", "B2:D9", "A1:G30"]))
    return "".join(rows), strings, table


@settings(
    max_examples=300,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(sheet=_sheets(), chunk=st.sampled_from([1, 60, 300, 4 << 20]))
def test_random_plain_sheets_read_alike(sheet, chunk, tmp_path_factory):
    rows, strings, table = sheet
    tables = {"Data": [("Responses", table, 1, 0)]} if table else {}
    title = "Data" if table else "Responses"
    path = _write(tmp_path_factory.mktemp("random"), _excel_book({title: rows}, strings, tables))
    original = _calamine._CHUNK
    _calamine._CHUNK = chunk  # rows scanned a few at a time, or all at once
    try:
        _both(path)
    except _calamine.Unsure:
        pass
    finally:
        _calamine._CHUNK = original


@given(
    st.floats(-1e6, 3e6, allow_nan=False)
    | st.integers(-5, 3_000_000).map(float)
    | st.sampled_from(
        [
            1.0,
            59.0,
            59.99999,
            60.0,
            60.5,
            61.0,
            45292.5,
            45292.0000057870,
            1.0000000115740741,
            2899999.99999,
            0.5,
            1e-9,
        ]
    )
)
@settings(max_examples=500, deadline=None)
def test_vectorised_dates_are_from_excel(serial):
    for epoch in (WINDOWS_EPOCH, MAC_EPOCH):
        book = type("Book", (), {"epoch": epoch, "_timedelta_formats": {4}})()
        try:
            expected = [from_excel(serial, epoch), from_excel(serial, epoch, timedelta=True)]
        except (OverflowError, ValueError):
            with pytest.raises(_calamine.Unsure):
                _calamine._dates(np.array([serial, serial]), np.array([0, 4]), book)
            continue
        got, stamps = _calamine._dates(np.array([serial, serial]), np.array([0, 4]), book)
        assert [_key(v) for v in got] == [_key(v) for v in expected]
        if not np.isnat(stamps[0]):
            assert stamps[0].astype(object) == expected[0]


_CELL = st.one_of(
    st.none(),
    st.integers(-(2**65), 2**65),
    st.integers(-3, 3),
    st.floats(allow_nan=False),
    st.booleans(),
    _TEXT,
    st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(9000, 1, 1)),
    st.sampled_from([dt.time(1, 2), dt.timedelta(days=2), dt.date(2024, 1, 1), ""]),
)


@st.composite
def _blocks(draw):
    width = draw(st.integers(1, 4))
    kinds = [
        draw(st.sampled_from(["int", "float", "text", "date", "bool", "any"])) for _ in range(width)
    ]
    pools = {
        "int": st.none() | st.integers(-(2**63), 2**63 - 1),
        "float": st.none() | st.floats(allow_nan=False) | st.integers(-100, 100),
        "text": st.none() | _TEXT,
        "date": st.none() | st.datetimes(dt.datetime(1900, 1, 1), dt.datetime(9000, 1, 1)),
        "bool": st.none() | st.booleans(),
        "any": _CELL,
    }
    rows = draw(st.integers(1, 6))
    return [[draw(pools[k]) for k in kinds] for _ in range(rows)]


@settings(max_examples=400, deadline=None)
@given(_blocks())
def test_fast_body_is_from_records_as_objects(rows):
    block = np.empty((len(rows), len(rows[0])), object)
    block[:] = rows
    dates = np.full(block.shape, np.datetime64("NaT"), "datetime64[us]")
    for (r, c), value in np.ndenumerate(block):
        if type(value) is dt.datetime:
            dates[r, c] = np.datetime64(value, "us")
    fast = sources._objects(block, dates)
    slow = pd.DataFrame.from_records([tuple(row) for row in rows]).astype(object)
    assert list(fast.dtypes) == list(slow.dtypes)
    assert fast.index.equals(slow.index) and list(fast.columns) == list(slow.columns)
    assert [[_key(v) for v in row] for row in fast.itertuples(index=False)] == [
        [_key(v) for v in row] for row in slow.itertuples(index=False)
    ]


@pytest.mark.parametrize(
    "content",
    [
        '<si><t>a</t></si><si><t/></si><si/><si><t xml:space="preserve"> b </t></si>',
        "<si><t>x005F_y x005F_x005F_</t></si><si><t>a_x000D_b&amp;c&lt;</t></si>",
        '<si><r><t>rich </t></r><r><rPr><b/><sz val="11"/></rPr><t>text</t></r></si>',
        '<si><t>漢字</t><rPh sb="0" eb="1"><t>かんじ</t></rPh><phoneticPr fontId="1"/></si>',
        "<si><t>one</t><t>two</t></si><si>loose<t>t</t>tail</si>",
        "<si><t>a<b/>c</t></si>",
        '<si><x:t xmlns:x="urn:other">other ns</x:t></si><si><t>ok</t></si>',
        "<si><si><t>nested</t></si></si><si><t>after</t></si>",
        '<si foo="1"><t>attribute</t></si>',
        '<si><r><rPr><sz val="big"/></rPr><t>bad font</t></r></si>',
        "",
    ],
)
def test_shared_strings_read_as_openpyxl_reads_them(content):
    from openpyxl.reader.strings import read_string_table

    data = f'<?xml version="1.0"?><sst xmlns="{MAIN}">{content}</sst>'.encode()
    try:
        expected = read_string_table(io.BytesIO(data))
    except Exception as error:
        with pytest.raises(type(error)):
            _workbook.shared_strings(data)
        return
    assert _workbook.shared_strings(data) == expected


# -- what calamine is not trusted with: read by openpyxl, with the same outcome ----------------

_GOOD = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
    '<row r="2"><c r="A2" s="1"><v>45292</v></c><c r="B2"><v>9</v></c><c r="C2" t="s"><v>3</v></c></row>'
    '<row r="3"><c r="A3" s="1"><v>45293</v></c><c r="B3"><v>7</v></c>'
    '<c r="C3" t="inlineStr"><is><t>inline</t></is></c></row>'
)
_GOOD_STRINGS = ["date", "nps", "comment", "fine"]

BILLION_LAUGHS = (
    '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)

FALLBACKS = {
    "comment in the rows": ('<row r="2">', '<row r="2"><!-- note -->'),
    "CDATA": ("<t>inline</t>", "<t><![CDATA[in<line>]]></t>"),
    "prefixed cell": (
        '<c r="B2">',
        '<x:c xmlns:x="' + MAIN + '" r="B2">',
        '</c></row><row r="3">',
        '</x:c></row><row r="3">',
    ),
    "cell without r": ('<c r="B2"><v>9</v></c>', "<c><v>9</v></c>"),
    "row without r": ('<row r="3">', "<row>"),
    "cells out of order": (
        '<c r="A3" s="1"><v>45293</v></c><c r="B3"><v>7</v></c>',
        '<c r="B3"><v>7</v></c><c r="A3" s="1"><v>45293</v></c>',
    ),
    "rows out of order": ('<row r="3">', '<row r="1">'),
    "cell in another row": ('<c r="B3">', '<c r="B9">'),
    "attribute twice": ('<row r="3">', '<row r="3" ht="15" ht="16">'),
    "_x000D_ in an inline string": ("<t>inline</t>", "<t>in_x000D_line</t>"),
    "carriage return": ("<t>inline</t>", "<t>in\rline</t>"),
    "character reference": ("<t>inline</t>", "<t>in&#10;line</t>"),
    "ISO date cell": ('<c r="B3"><v>7</v></c>', '<c r="B3" t="d"><v>2024-01-01</v></c>'),
    # calamine reads a sheet with a formula's text (t="str"), and refuses this error.
    "error calamine does not know": (
        '<c r="B3"><v>7</v></c>',
        '<c r="B3" t="e"><v>#SPILL!</v></c>',
        '<c r="C3" t="inlineStr"><is><t>inline</t></is></c>',
        '<c r="C3" t="str"><f>A1</f><v>inline</v></c>',
    ),
    "number with spaces": ("<v>7</v>", "<v> 7 </v>"),
    "number with a leading zero": ("<v>7</v>", "<v>007</v>"),
    "NaN": ("<v>7</v>", "<v>NaN</v>"),
    "boolean 2": ('<c r="B3"><v>7</v></c>', '<c r="B3" t="b"><v>2</v></c>'),
    "index beyond the strings": ('<c r="C2" t="s"><v>3</v></c>', '<c r="C2" t="s"><v>99</v></c>'),
    "inline string in a shared-string cell": (
        '<c r="C2" t="s"><v>3</v></c>',
        '<c r="C2" t="s"><is><t>x</t></is></c>',
    ),
    "space between elements": ("</row><row", "</row>\n  <row"),
    "control character": ("<t>inline</t>", "<t>in\x01line</t>"),
    "not UTF-8": ("<t>inline</t>", "<t>in\xe9line</t>"),
    "bare formula": ('<c r="B3"><v>7</v></c>', '<c r="B3"><f/><v>7</v></c>'),
    "unknown element": ('<c r="B3"><v>7</v></c>', '<c r="B3"><v>7</v><extLst/></c>'),
    "row 0": ('<row r="3">', '<row r="0">'),
    "column beyond XFD": ('<c r="B3">', '<c r="XFE3">'),
    "DTD in the sheet": ("<worksheet ", BILLION_LAUGHS + "<worksheet "),
    "]]> in text": ("<t>inline</t>", "<t>in]]>line</t>"),
    "U+FFFF": ("<t>inline</t>", "<t>in\xef\xbf\xbfline</t>"),
    "undeclared prefix": (
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"',
        'xmlns:y="urn:y"',
        '<row r="2">',
        '<row r="2" x14ac:dyDescent="0.25">',
    ),
    "text after a cell": ('</c><c r="B3">', '</c>x<c r="B3">'),
    "value after a self-closing cell": ('<c r="B2"><v>9</v></c>', '<c r="B2"/><v>9</v></c>'),
    "unknown row attribute": ('<row r="3">', '<row r="3" foo="1">'),
    "row tag spelt otherwise": ("</row>", "</row >"),
}


def _patch(data: bytes, part: str, *replacements: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    text = parts[part].decode("latin-1")
    for old, new in zip(replacements[::2], replacements[1::2], strict=True):
        assert old in text, (old, part)
        text = text.replace(old, new, 1)
    parts[part] = text.encode("latin-1")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_the_good_base_is_read_by_calamine(tmp_path):
    [raw] = _both(_write(tmp_path, _excel_book({"Responses": _GOOD}, _GOOD_STRINGS)))
    assert raw.body.shape == (2, 3)


def test_a_prefix_in_text_needs_no_declaration(tmp_path):
    base = _excel_book({"Responses": _GOOD}, _GOOD_STRINGS)
    data = _patch(
        base,
        "xl/worksheets/sheet1.xml",
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"',
        'xmlns:y="urn:y"',
        "<t>inline</t>",
        "<t>x14ac:dyDescent</t>",
    )
    [raw] = _both(_write(tmp_path, data))
    assert raw.body.iloc[1, 2] == "x14ac:dyDescent"


@pytest.mark.parametrize("at_once", [1 << 18, 2], ids=["one decode", "decodes of two"])
def test_inline_strings_and_errors_are_read_from_the_sheet_data(tmp_path, monkeypatch, at_once):
    """Without a formula's text calamine is not started: inline strings (with
    entities, spaces around them, non-ASCII) and an error calamine does not
    know are read from the scan, as openpyxl reads them."""
    monkeypatch.setattr(_calamine, "_TEXTS_AT_ONCE", at_once)
    texts = [
        "in &amp; out",
        " padded\t",
        "caf\xc3\xa9 &lt;b&gt; &quot;q&quot; &apos;",
        "a\nb",
        "&amp;lt; &amp;amp;",
    ]
    base = _excel_book({"Responses": _GOOD}, _GOOD_STRINGS)
    rows = "".join(
        f'<row r="{4 + i}"><c r="A{4 + i}" s="1"><v>45293</v></c><c r="B{4 + i}"><v>7</v></c>'
        f'<c r="C{4 + i}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c></row>'
        for i, text in enumerate(texts)
    )
    data = _patch(
        base,
        "xl/worksheets/sheet1.xml",
        '<c r="B3"><v>7</v></c>',
        '<c r="B3" t="e"><v>#SPILL!</v></c>',
        "</row></sheetData>",
        "</row>" + rows + "</sheetData>",
    )
    path = _write(tmp_path, data)
    started = []
    monkeypatch.setattr(_calamine.CalamineRead, "_run", lambda self: started.append(self))
    [raw] = _both(path)
    assert started == []
    assert list(raw.body.iloc[:, 2]) == [
        "fine",
        "inline",
        "in & out",
        " padded\t",
        'café <b> "q" \'',
        "a\nb",
        "&lt; &amp;",
    ]
    assert raw.body.iloc[1, 1] == "#SPILL!"


@pytest.mark.parametrize("chunk", [4 << 20, 50], ids=["whole", "rows"])
@pytest.mark.parametrize("case", list(FALLBACKS), ids=list(FALLBACKS))
def test_what_calamine_is_not_trusted_with_is_read_by_openpyxl(tmp_path, monkeypatch, case, chunk):
    monkeypatch.setattr(_calamine, "_CHUNK", chunk)
    base = _excel_book({"Responses": _GOOD}, _GOOD_STRINGS)
    path = _write(tmp_path, _patch(base, "xl/worksheets/sheet1.xml", *FALLBACKS[case]))
    _falls_back(path)
    _public_same(monkeypatch, path)


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        ("xl/sharedStrings.xml", "<sst ", BILLION_LAUGHS + "<sst "),
        ("xl/sharedStrings.xml", "<t>fine</t>", "<t>&lol2;</t>"),
        ("xl/styles.xml", "<styleSheet ", BILLION_LAUGHS + "<styleSheet "),
        (
            "xl/workbook.xml",
            "<workbook ",
            '<!DOCTYPE w [<!ENTITY x SYSTEM "file:///etc/passwd">]><workbook ',
        ),
        ("xl/worksheets/sheet1.xml", "<t>inline</t>", "<t>&lol;</t>"),
        ("xl/sharedStrings.xml", "<t>fine</t>", "<t>fine"),
    ],
    ids=[
        "dtd-shared-strings",
        "entity-shared-strings",
        "dtd-styles",
        "xxe-workbook",
        "undefined-entity",
        "broken-xml",
    ],
)
def test_entity_attacks_are_refused_as_before(tmp_path, monkeypatch, part, old, new):
    base = _excel_book({"Responses": _GOOD}, _GOOD_STRINGS)
    path = _write(tmp_path, _patch(base, part, old, new))
    _falls_back(path)
    errors, _, outcome = _public_same(monkeypatch, path)
    assert errors and errors[0][0] is SourceError
    assert "cannot be read as an Excel workbook" in errors[0][1]
    if "ENTITY" in new:
        assert "refused for safety" in errors[0][1]


def test_a_sparse_sheet_is_left_to_openpyxl_before_calamine_allocates_it(tmp_path, monkeypatch):
    rows = _GOOD + '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    tables = {"Data": [("Responses", "A1:C3", 1, 0)]}
    path = _write(tmp_path, _excel_book({"Data": rows}, _GOOD_STRINGS, tables))
    assert "sparse" in _falls_back(path)
    _public_same(monkeypatch, path)


def test_very_long_rows_and_many_formulas_without_values_go_to_openpyxl(tmp_path, monkeypatch):
    path = _write(tmp_path, _excel_book({"Responses": _GOOD}, _GOOD_STRINGS))
    monkeypatch.setattr(_calamine, "MAX_CARRY", 200)
    assert "long row" in _falls_back(path)
    monkeypatch.undo()
    rows = _GOOD + '<row r="4"><c r="D4"><f>1</f></c><c r="E4"><f>2</f></c></row>'
    path = _write(tmp_path, _excel_book({"Responses": rows}, _GOOD_STRINGS))
    monkeypatch.setattr(_calamine, "MAX_MISSING", 2)
    assert "formulas" in _falls_back(path)


def test_a_damaged_part_is_the_same_error(tmp_path, monkeypatch):
    from hostile import corpus_files as corpus

    for data in (
        corpus.lying_size_book(),
        corpus.patch_directory(corpus.workbook_bytes(), corpus.SHEET, crc=1),
    ):
        path = _write(tmp_path, data, "Orders.xlsx")
        _falls_back(path)
        errors, _, _ = _public_same(monkeypatch, path)
        assert "damaged or forged" in errors[0][1]


def test_the_reader_can_be_chosen(tmp_path, monkeypatch):
    path = _write(tmp_path, _excel_book({"Responses": _GOOD}, _GOOD_STRINGS))

    def refuse(path):
        raise AssertionError("calamine used")

    monkeypatch.setattr(sources, "_from_calamine", refuse)
    monkeypatch.setenv("CXEXCEL_XLSX_READER", "openpyxl")
    assert list(read_tables(path)) == ["Responses"]
    monkeypatch.setenv("CXEXCEL_XLSX_READER", "fast")
    [error] = check_tables(path)
    assert str(error) == "CXEXCEL_XLSX_READER='fast' is not a reader: use calamine or openpyxl"


def test_no_thread_is_left_running(tmp_path):
    path = _write(tmp_path, _excel_book({"Responses": _GOOD}, _GOOD_STRINGS))
    read_tables(path)
    bad = _write(
        tmp_path,
        _patch(
            _excel_book({"Responses": _GOOD}, _GOOD_STRINGS),
            "xl/worksheets/sheet1.xml",
            "<v>7</v>",
            "<v>x7</v>",
        ),
        "bad.xlsx",
    )
    check_tables(bad)
    assert [t.name for t in threading.enumerate() if t.name == "cxexcel-calamine"] == []


def test_openpyxl_s_warnings_come_as_before(tmp_path, monkeypatch):
    tail = (
        '<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        "<x14:dataValidations/></ext></extLst>"
    )
    rows = _GOOD + '<row r="9"><c r="A9" s="1"><v>45300</v></c><c r="B9"><v>5</v></c></row>'
    for tables in (
        {},
        {"Data": [("Responses", "A1:C3", 1, 0)]},
        {"Data": [("Responses", "A1:C9", 1, 0)]},
    ):
        sheets = {("Data" if tables else "Responses"): rows}
        path = _write(tmp_path, _excel_book(sheets, _GOOD_STRINGS, tables, tail=tail))
        _both(path)
        _public_same(monkeypatch, path)
    far = rows + '<row r="12"><c r="E12" s="1"><v>1e300</v></c></row>'
    path = _write(tmp_path, _excel_book({"Responses": far}, _GOOD_STRINGS))
    _falls_back(path)
    _public_same(monkeypatch, path)
