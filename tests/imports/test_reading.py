"""Lenient, explicit parsing: decimal commas, encodings, the date formats
exporting tools write, comment lines."""

from __future__ import annotations

import pandas as pd
import pytest

from cxexcel.errors import InputError, SourceError, TableError
from cxexcel.tables import read_tables

ORDERS = "customer_id;date;amount\n"


def _orders(tmp_path, body: str, encoding="utf-8", header=ORDERS, **options):
    path = tmp_path / "Orders.csv"
    path.write_bytes((header + body).encode(encoding))
    return read_tables(path, **options)["Orders"]


def test_decimal_comma_in_semicolon_csv(tmp_path):
    table = _orders(tmp_path, "C1;2024-01-04;12,5\nC2;2024-01-05;1.234,50\nC3;2024-01-06;7\n")
    assert table["amount"].tolist() == [12.5, 1234.5, 7.0]


def test_dots_stay_decimal_points_without_a_decimal_comma_in_the_column(tmp_path):
    table = _orders(tmp_path, "C1;2024-01-04;1.500\nC2;2024-01-05;2.25\n")
    assert table["amount"].tolist() == [1.5, 2.25]


def test_a_comma_in_a_comma_separated_file_is_no_decimal_mark(tmp_path):
    with pytest.raises(TableError, match='"12,5" is not a number'):
        _orders(tmp_path, 'C1,2024-01-04,"12,5"\n', header="customer_id,date,amount\n")


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("utf-16", b""), ("cp1252", b"")],
)
def test_encodings_read_without_a_setting(tmp_path, encoding, prefix):
    path = tmp_path / "Orders.csv"
    path.write_bytes(prefix + "customer_id,date,amount\nCafé Noël,2024-01-04,5\n".encode(encoding))
    assert read_tables(path)["Orders"]["customer_id"].tolist() == ["Café Noël"]


def test_other_encodings_by_a_setting(tmp_path, monkeypatch):
    path = tmp_path / "Orders.csv"
    path.write_bytes("customer_id,date,amount\nカフェ,2024-01-04,5\n".encode("shift_jis"))
    monkeypatch.setenv("CXEXCEL_CSV_ENCODING", "shift_jis")
    assert read_tables(path)["Orders"]["customer_id"].tolist() == ["カフェ"]
    monkeypatch.setenv("CXEXCEL_CSV_ENCODING", "no-such-codec")
    with pytest.raises(SourceError, match="'no-such-codec' is not one Python knows"):
        read_tables(path)


@pytest.mark.parametrize(
    ("text", "expected", "dates"),
    [
        ("2024-01-04T23:30:00-05:00", "2024-01-04 23:30", None),
        ("2024-01-04 10:00:00 +0100", "2024-01-04 10:00", None),
        ("2024-01-04T10:00:00Z", "2024-01-04 10:00", None),
        ("20240104", "2024-01-04 00:00", None),
        ("Jan 04, 2024 10:00 am", "2024-01-04 10:00", None),
        ("Jan 04, 2024 01:30 PM", "2024-01-04 13:30", None),
        ("4 January 2024", "2024-01-04 00:00", None),
        ("January 4, 2024", "2024-01-04 00:00", None),
        ("04-Jan-2024", "2024-01-04 00:00", None),
        ("03/04/2024", "2024-04-03 00:00", "day-first"),
        ("03/04/2024", "2024-03-04 00:00", "month-first"),
        ("03/04/2024 10:00:23 PM", "2024-03-04 22:00", "month-first"),
        ("31.01.2024 08:15", "2024-01-31 08:15", "day-first"),
        ("1704362400", "2024-01-04 10:00", "unix"),
        ("1704362400000", "2024-01-04 10:00", "unix-ms"),
        ("04.01.24", "2024-01-04 00:00", "%d.%m.%y"),
    ],
)
def test_dates_as_tools_write_them(tmp_path, text, expected, dates):
    table = _orders(tmp_path, f'C1;"{text}";5\n', dates=dates)
    assert table["date"].dt.strftime("%Y-%m-%d %H:%M").tolist() == [expected]


def test_numeric_day_month_dates_need_a_setting(tmp_path):
    with pytest.raises(TableError, match='"03/04/2024" is not a date'):
        _orders(tmp_path, "C1;03/04/2024;5\n")


def test_a_bad_dates_setting_names_the_argument(tmp_path):
    with pytest.raises(InputError, match="dates"):
        _orders(tmp_path, "C1;2024-01-04;5\n", dates="sideways")


def test_unix_numbers_in_a_dataframe(tmp_path):
    frame = pd.DataFrame({"customer_id": ["C1"], "date": [1704362400], "amount": [5]})
    table = read_tables({"Orders": frame}, dates="unix")["Orders"]
    assert str(table["date"].iloc[0]) == "2024-01-04 10:00:00"


def test_comment_lines_before_the_header_are_skipped_and_rows_still_named(tmp_path):
    path = tmp_path / "Engagement.csv"
    path.write_text("# Report\n# Property: web\n#\n\ndate,dau\n20240101,5\n20240102,x\n")
    with pytest.raises(TableError, match="Engagement.csv row 7, column dau"):
        read_tables(path)


def test_a_first_column_named_hash_is_a_header_not_a_comment(tmp_path):
    path = tmp_path / "Orders.csv"
    path.write_text("#,customer_id,date,amount\n1,C1,2024-01-04,5\n")
    assert read_tables(path)["Orders"]["amount"].tolist() == [5.0]


def test_decimal_comma_in_a_mixed_column(tmp_path):
    frame = pd.DataFrame(
        {"customer_id": ["C1", "C2"], "date": ["2024-01-04"] * 2, "amount": ["12,5", 3]}
    )
    from cxexcel.tables.reading import Reading
    from cxexcel.tables.schema import SCHEMAS
    from cxexcel.tables.sources import FilePlace, RawTable
    from cxexcel.tables.validate import validate

    body = frame.astype(object)
    body.columns = range(3)
    raw = RawTable(
        "Orders",
        list(frame.columns),
        body,
        FilePlace("Orders", "x", 1, None, "x"),
        reading=Reading(decimal=","),
    )
    clean, problems = validate(raw, SCHEMAS["Orders"])
    assert problems == [] and clean["amount"].tolist() == [12.5, 3.0]
