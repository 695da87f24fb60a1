"""Hostile and unusual input files: the modules that refuse them cheaply
(_zipguard, _sniff, _cfb, _csv, _sheetfilter, _limits) and the figures of
the corpus cases that must be read (UTF-16 and semicolon CSV, formatted
empty rows). The CLI side of each case is in tests/hostile/corpus_files.py.
"""

from __future__ import annotations

import io
import subprocess
import sys
import time
import tracemalloc
import zipfile

import openpyxl
import pandas as pd
import pytest
from hostile import corpus_files as corpus
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxexcel.errors import SourceError
from cxexcel.tables import (
    _cfb,
    _csv,
    _limits,
    _sheetfilter,
    _sniff,
    _workbook,
    _zipguard,
    read_tables,
)
from cxexcel.tables.sources import RawTable, collect

EXPECTED_HEADER = ["customer_id", "date", "amount"]


def _raw(path) -> RawTable:
    items = list(collect([path]))
    assert len(items) == 1 and isinstance(items[0], RawTable), items
    return items[0]


def _error(path) -> SourceError:
    items = list(collect([path]))
    assert len(items) == 1 and isinstance(items[0], SourceError), items
    return items[0]


# -- CSV ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        corpus.ORDERS_CSV.encode("utf-16"),
        b"\xfe\xff" + corpus.ORDERS_CSV.encode("utf-16-be"),
        b"\xff\xfe" + corpus.ORDERS_CSV.encode("utf-16-le"),
        corpus.ORDERS_CSV.encode("utf-16-le"),
        corpus.ORDERS_CSV.encode("utf-16-be"),
        corpus.ORDERS_CSV.encode("utf-8-sig"),
        corpus.ORDERS_CSV.encode("utf-32"),
        corpus.semicolon_csv(),
        corpus.tab_csv(),
        corpus.ORDERS_CSV.replace("\n", "\r\n").encode("cp1252"),
    ],
    ids=[
        "utf16",
        "utf16be-bom",
        "utf16le-bom",
        "utf16le",
        "utf16be",
        "utf8-bom",
        "utf32",
        "semicolon",
        "tab",
        "crlf",
    ],
)
def test_csv_encodings_and_delimiters_read_the_same_cells(tmp_path, data):
    path = tmp_path / "Orders.csv"
    path.write_bytes(data)
    raw = _raw(path)
    assert raw.header == EXPECTED_HEADER
    assert raw.body.values.tolist() == [
        ["C1", "2024-01-05", "12.5"],
        ["C2", "2024-01-09", "30"],
        ["C1", "2024-02-03", "7"],
    ]


def test_delimiter_is_sniffed_from_the_header_outside_quotes():
    assert _csv._delimiter('"a;b",c,d') == (",", 3)
    assert _csv._delimiter("a;b;c,d") == (";", 3)
    assert _csv._delimiter("a\tb\tc") == ("\t", 3)
    assert _csv._delimiter("single") == (",", 1)


def test_a_huge_single_line_is_refused_after_one_chunk(tmp_path):
    path = tmp_path / "Orders.csv"
    with open(path, "wb") as file:
        for _ in range(64):
            file.write(b"x," * (512 * 1024))  # 64 MiB, no line break
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(SourceError, match="line 1 is longer than 1,048,576 characters"):
        _csv.read_csv(path, "Orders")
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    assert elapsed < 2, elapsed
    assert peak < 32 * 2**20, peak


def test_csv_size_cap_and_line_cap_are_settable(tmp_path, monkeypatch):
    path = tmp_path / "Orders.csv"
    path.write_bytes(corpus.ORDERS_CSV.encode())
    monkeypatch.setenv("CXEXCEL_MAX_CSV_BYTES", "50")
    with pytest.raises(SourceError, match=r"more than the 50 bytes a CSV file may be"):
        _csv.read_csv(path, "Orders")
    monkeypatch.setenv("CXEXCEL_MAX_CSV_BYTES", "1M")
    monkeypatch.setenv("CXEXCEL_MAX_CSV_LINE", "20")
    with pytest.raises(SourceError, match="line 1 is longer than 20 characters"):
        _csv.read_csv(path, "Orders")


def test_ragged_rows_name_the_line_and_the_delimiter(tmp_path):
    path = tmp_path / "Orders.csv"
    path.write_bytes(corpus.semicolon_csv() + b"C3;2024-03-01;1;9\n")
    error = _error(path)
    assert str(error) == (
        "Orders.csv: line 5 has 4 fields but the header has 3 (fields separated by "
        "semicolons); quote the cells that hold a ';', or fix that line"
    )
    assert error.table == "Orders"


# -- limits ----------------------------------------------------------------------------


def test_limits_read_the_environment_with_units(monkeypatch):
    assert _limits.limit("MAX_PART_BYTES") == 512 * 2**20
    for text, value in [("100", 100), ("64K", 65536), ("512m", 512 * 2**20), ("2 GiB", 2**31)]:
        monkeypatch.setenv("CXEXCEL_MAX_PART_BYTES", text)
        assert _limits.limit("MAX_PART_BYTES") == value
    monkeypatch.setenv("CXEXCEL_MAX_PART_BYTES", "big")
    with pytest.raises(SourceError, match="CXEXCEL_MAX_PART_BYTES='big' is not a size"):
        _limits.limit("MAX_PART_BYTES")


def test_sizes_are_shown_in_binary_units():
    assert _limits.show_size(512 * 2**20) == "512 MiB"
    assert _limits.show_size(1536) == "1.5 KiB"
    assert _limits.show_size(10) == "10 bytes"


# -- sniffing ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest", "zip"),
        (b"PK\x05\x06" + b"\0" * 18, "zip"),
        (corpus.PDF, "pdf"),
        (corpus.HTML, "html"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html>", "html"),
        (corpus.XML_2003, "xml-2003"),
        (b'<?xml version="1.0"?><data/>', "xml"),
        (b"PAR1\0\0", "parquet"),
        (b"\x1f\x8b\x08\0", "gzip"),
        (b"{\\rtf1 hello}", "rtf"),
        (corpus.ORDERS_CSV.encode(), "text"),
        (corpus.ORDERS_CSV.encode("utf-16"), "text"),
        (corpus.ORDERS_CSV.encode("utf-16-le"), "text"),
        ("café;naïve\n".encode("cp1252"), "text"),
        (bytes(range(256)), "binary"),
    ],
)
def test_kind_of_head(head, kind):
    assert _sniff.kind_of_head(head).name == kind


@pytest.mark.parametrize(
    ("streams", "kind"),
    [(corpus.ENCRYPTED, "encrypted"), (corpus.XLS, "xls"), (corpus.DOC, "doc"), ({}, "ole")],
)
def test_compound_files_are_told_apart_by_their_streams(tmp_path, streams, kind):
    path = tmp_path / "file.bin"
    path.write_bytes(corpus.compound_file(streams))
    assert _sniff.sniff(path).name == kind


def test_compound_file_directory_over_several_sectors():
    streams = {f"Stream{i}": b"x" for i in range(9)}
    names = _cfb.stream_names(io.BytesIO(corpus.compound_file(streams)))
    assert names == {"Root Entry", *streams}


def test_a_compound_file_whose_directory_loops_is_refused():
    data = bytearray(corpus.compound_file({"Workbook": b"x"}))
    data[512 + 4 : 512 + 8] = (1).to_bytes(4, "little")  # directory sector points at itself
    with pytest.raises(_cfb.NotCompoundFile, match="loops"):
        _cfb.stream_names(io.BytesIO(bytes(data)))


@pytest.mark.slow
def test_real_xls_and_ods_written_by_libreoffice_are_recognised(tmp_path):
    from libreoffice import convert, soffice

    if soffice() is None:
        pytest.skip("LibreOffice is not installed")
    source = tmp_path / "Orders.xlsx"
    source.write_bytes(corpus.workbook_bytes())
    xls = convert([source], "xls", tmp_path / "xls", tmp_path / "profile")[0]
    ods = convert([source], "ods", tmp_path / "ods", tmp_path / "profile")[0]
    assert _sniff.sniff(xls) is _sniff.XLS
    assert "Excel 97-2003 workbook" in str(_error(xls))
    assert "OpenDocument spreadsheet (.ods)" in str(_error(ods))


# -- the zip guard ------------------------------------------------------------------------


def _infos(**fields) -> list[zipfile.ZipInfo]:
    info = zipfile.ZipInfo(fields.pop("name", "xl/worksheets/sheet1.xml"))
    info.file_size = fields.pop("file_size", 1000)
    info.compress_size = fields.pop("compress_size", 100)
    info.header_offset = 0
    return [info]


def test_check_entries_limits(monkeypatch):
    _zipguard.check_entries(_infos(), "b.xlsx")
    with pytest.raises(SourceError, match="would unpack to 600 MiB, more than the 512 MiB"):
        _zipguard.check_entries(_infos(file_size=600 * 2**20, compress_size=10**8), "b.xlsx")
    with pytest.raises(SourceError, match=r"from 1 MiB to 200 MiB \(200:1; the limit is 100:1"):
        _zipguard.check_entries(_infos(file_size=200 * 2**20, compress_size=2**20), "b.xlsx")
    # Small parts may pack well: the ratio applies above RATIO_FLOOR_BYTES.
    _zipguard.check_entries(_infos(file_size=4 * 2**20, compress_size=1000), "b.xlsx")
    monkeypatch.setenv("CXEXCEL_RATIO_FLOOR_BYTES", "1K")
    with pytest.raises(SourceError, match="zip bomb"):
        _zipguard.check_entries(_infos(file_size=4 * 2**20, compress_size=1000), "b.xlsx")


@pytest.mark.parametrize(
    "name", ["../x.xml", "/x.xml", "a/../../x.xml", "C:/x.xml", "a//b.xml", "a/./b.xml", ""]
)
def test_part_names_that_play_path_tricks_are_refused(name):
    with pytest.raises(SourceError, match="refused as unsafe to unpack"):
        _zipguard.check_entries(_infos(name=name), "b.xlsx")


def test_a_lying_directory_stops_the_stream_at_the_declared_size(tmp_path):
    path = tmp_path / "b.xlsx"
    path.write_bytes(corpus.lying_size_book())
    archive = _zipguard.open_zip(path, "b.xlsx")
    with archive, archive.open(corpus.SHEET) as stream:
        with pytest.raises(SourceError, match="damaged or forged"):
            while stream.read(65536):
                pass


def test_capped_stream_refuses_more_bytes_than_declared():
    info = zipfile.ZipInfo("part.xml")
    info.file_size = 10
    stream = _zipguard.CappedStream(io.BytesIO(b"x" * 100), info, "b.xlsx")
    assert stream.read(4) == b"xxxx"
    with pytest.raises(SourceError, match="part part.xml does not match the size"):
        stream.read()


def test_a_good_workbook_passes_the_guard_and_reads(tmp_path):
    path = tmp_path / "b.xlsx"
    path.write_bytes(corpus.workbook_bytes())
    raw = _raw(path)
    assert raw.header == EXPECTED_HEADER
    assert raw.body[2].tolist() == [12.5, 30, 7]


# -- formulas without a saved value ---------------------------------------------------------


def test_a_formula_without_saved_value_names_the_cell(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.formula_book())
    error = _error(path)
    assert str(error) == (
        "book.xlsx: Orders!C2 holds a formula with no saved value; open and save the file "
        "in Excel, or paste values"
    )
    assert (error.table, error.column, error.row, error.cell) == (
        "Orders",
        "amount",
        2,
        "Orders!C2",
    )


def test_formulas_with_saved_values_and_empty_text_results_read(tmp_path):
    rows = (
        b'<row r="1"><c r="A1" t="inlineStr"><is><t>customer_id</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>date</t></is></c>'
        b'<c r="C1" t="inlineStr"><is><t>amount</t></is></c>'
        b'<c r="D1" t="inlineStr"><is><t>comment</t></is></c></row>'
        b'<row r="2"><c r="A2" t="inlineStr"><is><t>C1</t></is></c><c r="B2"><v>45296</v></c>'
        b'<c r="C2"><f>1+1</f><v>2</v></c><c r="D2" t="str"><f>""</f><v></v></c></row>'
    )
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.with_sheet(corpus._sheet_xml(rows)))
    raw = _raw(path)
    assert raw.body.values.tolist() == [["C1", 45296, 2, None]]


def test_a_formula_without_value_in_optional_text_reads_as_empty(tmp_path):
    rows = [["date", "nps", "comment"], [45296, 9, "=1+1"], [45297, 7, "fine"]]
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.workbook_bytes(rows, "Responses"))
    comments = _raw(path).body[2].tolist()
    assert pd.isna(comments[0]) and comments[1] == "fine"
    rows[2][1] = "=3+4"
    path.write_bytes(corpus.workbook_bytes(rows, "Responses"))
    assert "Responses!B3 holds a formula with no saved value" in str(_error(path))


def test_formulas_without_value_in_optional_text_are_noted(tmp_path):
    rows = [["date", "nps", "comment"], [45296, 9, "=1+1"], [45297, 7, "fine"]]
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.workbook_bytes(rows, "Responses"))
    notes: list[str] = []
    read_tables(path, notes=notes)
    assert notes == [
        "book.xlsx: Responses!C2 holds a formula with no saved value and was read as blank; "
        "open and save the file in Excel, or paste values, to keep it"
    ]
    rows += [[45298, 8, "=A2"], [45299, 8, "=A3"]]
    path.write_bytes(corpus.workbook_bytes(rows, "Responses"))
    notes.clear()
    read_tables(path, notes=notes)
    assert notes == [
        "book.xlsx: Responses!C2 and 2 more cells hold formulas with no saved value and were "
        "read as blank; open and save the file in Excel, or paste values, to keep them"
    ]


def test_the_cli_prints_the_note_and_writes_the_workbook(tmp_path):
    rows = [["date", "nps", "comment"], [45296, 9, "=1+1"], [45297, 7, "fine"]]
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.workbook_bytes(rows, "Responses"))
    out = tmp_path / "out.xlsx"
    done = subprocess.run(
        [sys.executable, "-m", "cxexcel", "report", str(path), "-o", str(out)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    formula, thin = done.stderr.splitlines()
    assert formula == (
        "cxexcel: note: book.xlsx: Responses!C2 holds a formula with no saved value and was "
        "read as blank; open and save the file in Excel, or paste values, to keep it"
    )
    # NPS alone is a one-figure workbook: the second note says what would add to it.
    assert thin.startswith("cxexcel: note: only Responses was found; also give: Subscriptions")
    assert out.exists()


def test_missing_values_are_only_checked_in_columns_the_table_reads(tmp_path):
    path = tmp_path / "book.xlsx"
    path.write_bytes(corpus.formula_book("D"))
    assert _raw(path).header == [*EXPECTED_HEADER, "helper"]


# -- empty formatted rows ---------------------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [(0, 1_000_000), (500_000, 500_000)])
def test_a_million_formatted_empty_rows_read_in_seconds(tmp_path, before, after):
    path = tmp_path / "Orders.xlsx"
    path.write_bytes(corpus.formatted_rows_book(before, after))
    start = time.perf_counter()
    raw = _raw(path)
    elapsed = time.perf_counter() - start
    assert raw.place.header_row == before + 1
    assert raw.header == EXPECTED_HEADER
    assert raw.body.values.tolist() == [["C1", 45296, 12.5], ["C2", 45300, 30], ["C1", 45325, 7]]
    assert elapsed < 8, elapsed  # about 2 s; 12 s before the filter


_PREFIX = st.sampled_from(["", "x:"])


@st.composite
def _sheets(draw):
    """Sheet XML with numbered and unnumbered rows, empty formatted rows and cells."""
    prefix = draw(_PREFIX)
    rows, current = [], 0  # current: the row number openpyxl has reached
    for _ in range(draw(st.integers(0, 25))):
        numbered = draw(st.booleans())
        current += draw(st.integers(1, 3)) if numbered else 1
        cells = []
        for column in sorted(draw(st.lists(st.integers(1, 6), max_size=4, unique=True))):
            ref = f' r="{"ABCDEF"[column - 1]}{current}"' if draw(st.booleans()) else ""
            if draw(st.booleans()):
                cells.append(f'<{prefix}c{ref} s="1"/>')
            else:
                value = draw(st.integers(0, 99))
                cells.append(f"<{prefix}c{ref}><{prefix}v>{value}</{prefix}v></{prefix}c>")
        attributes = f' r="{current}"' if numbered else ""
        body = "".join(cells)
        if body or draw(st.booleans()):
            rows.append(f"<{prefix}row{attributes}>{body}</{prefix}row>")
        else:
            rows.append(f'<{prefix}row{attributes} s="1" customFormat="1"/>')
    namespace = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    declaration = f'xmlns:x="{namespace}"' if prefix else f'xmlns="{namespace}"'
    return (
        f"<{prefix}worksheet {declaration}><{prefix}sheetData>{''.join(rows)}"
        f"</{prefix}sheetData></{prefix}worksheet>"
    ).encode()


def _values(rows) -> list[tuple]:
    """Rows with trailing empty cells and trailing empty rows left out."""
    out = [
        tuple(row)[: max([i + 1 for i, v in enumerate(row) if v is not None], default=0)]
        for row in rows
    ]
    while out and not out[-1]:
        out.pop()
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(sheet=_sheets(), chunk=st.sampled_from([64, 256, 1 << 20]))
def test_the_row_filter_keeps_every_value_in_its_cell(sheet, chunk, tmp_path_factory):
    path = tmp_path_factory.mktemp("filter") / "b.xlsx"
    path.write_bytes(corpus.with_sheet(sheet))
    plain = openpyxl.load_workbook(path, read_only=True, data_only=True)
    expected = _values(plain.active.iter_rows(values_only=True))
    plain.close()
    original = _sheetfilter.CHUNK
    _sheetfilter.CHUNK = chunk
    try:
        with _workbook.open_workbook(path) as opened:
            sheet_ = opened.workbook.active
            sheet_.reset_dimensions()
            filtered = _values(sheet_.iter_rows(values_only=True))
    finally:
        _sheetfilter.CHUNK = original
    assert filtered == expected


def test_the_filter_passes_parts_with_comments_through_unchanged():
    data = b'<sheetData><!-- x --><row r="1"/><row r="2"/></sheetData>'
    stream = _sheetfilter.SheetFilter(io.BytesIO(data))
    assert stream.readall() == data
