"""Reading and validating the input tables (cxexcel.tables)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os

import numpy as np
import openpyxl
import pandas as pd
import pytest
from openpyxl.worksheet.table import Table, TableStyleInfo

from cxexcel.errors import SourceError, TableError
from cxexcel.tables import SCHEMAS, TARGET_METRICS, check_tables, read_tables

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

RESPONSES = [
    ["Date", "NPS", "CSAT", "Customer ID", "Segment", "Comment"],
    [dt.datetime(2024, 1, 5), 9, 5, "C1", "SMB", "Great"],
    [dt.datetime(2024, 1, 6), 3, 2, 1002, "Enterprise", '=HYPERLINK("http://x","y")'],
    [dt.datetime(2024, 2, 1), 10, None, "C3", None, None],
]
ORDERS = [
    ["customer_id", "date", "amount"],
    ["C1", dt.datetime(2024, 1, 5), 12.5],
    ["C2", dt.datetime(2024, 1, 9), 30],
]


def _sha(path) -> str:
    return hashlib.sha256(open(path, "rb").read()).hexdigest()


def _sheet(wb, title, rows, table=None, origin="A1"):
    ws = wb.create_sheet(title)
    first = openpyxl.utils.cell.coordinate_to_tuple(origin)
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            cell = ws.cell(first[0] + r, first[1] + c)
            cell.value = value
            if isinstance(value, str) and value.startswith("="):
                cell.data_type = "s"
    if table:
        last = openpyxl.utils.get_column_letter(first[1] + len(rows[0]) - 1)
        ref = f"{origin}:{last}{first[0] + len(rows) - 1}"
        t = Table(displayName=table, ref=ref)
        t.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
        ws.add_table(t)
    return ws


def _workbook(*sheets) -> openpyxl.Workbook:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for args in sheets:
        _sheet(wb, *args)
    return wb


def _save(wb, path):
    wb.save(path)
    return path


def _write_csv(path, rows):
    pd.DataFrame(rows[1:], columns=rows[0]).to_csv(path, index=False)
    return path


def _one_error(*sources) -> TableError:
    errors = check_tables(*sources)
    assert len(errors) == 1, errors
    with pytest.raises(TableError) as raised:
        read_tables(*sources)
    assert str(raised.value) == str(errors[0])
    return errors[0]


# -- the schemas ----------------------------------------------------------------


def test_schemas_cover_the_six_tables_with_their_required_columns():
    assert list(SCHEMAS) == [
        "Responses",
        "Subscriptions",
        "Orders",
        "Spend",
        "Engagement",
        "Targets",
        "BillingSubscriptions",
        "InvoiceLines",
        "Rates",
        "Coupons",
    ]
    assert SCHEMAS["Responses"].required == ["date"]
    assert SCHEMAS["Responses"].one_of == ("nps", "csat", "ces")
    assert SCHEMAS["Subscriptions"].required == ["customer_id", "month", "mrr"]
    assert SCHEMAS["Orders"].required == ["customer_id", "date", "amount"]
    assert SCHEMAS["Spend"].required == ["month", "sales_marketing_cost", "new_customers"]
    assert SCHEMAS["Engagement"].required == ["date"]
    assert SCHEMAS["Targets"].required == ["metric", "target"]
    scales = {c.name: c.scale for c in SCHEMAS["Responses"].columns if c.kind == "score"}
    assert scales == {"nps": (0, 10), "csat": (1, 5), "ces": (1, 7)}


def test_openpyxl_parses_untrusted_xml_with_defusedxml():
    assert openpyxl.DEFUSEDXML is True


# -- sources --------------------------------------------------------------------


def _check_responses(frame: pd.DataFrame):
    assert list(frame.columns) == SCHEMAS["Responses"].column_names
    assert frame["date"].dtype == "datetime64[ns]"
    assert frame["date"].tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-01-06"),
        pd.Timestamp("2024-02-01"),
    ]
    assert frame["nps"].dtype == np.float64
    assert frame["nps"].tolist() == [9.0, 3.0, 10.0]
    assert frame["csat"].tolist()[:2] == [5.0, 2.0] and np.isnan(frame["csat"][2])
    assert frame["ces"].isna().all()  # absent optional column: all blank
    assert pd.api.types.is_string_dtype(frame["customer_id"])
    assert frame["customer_id"].tolist() == ["C1", "1002", "C3"]
    assert frame["segment"].tolist()[:2] == ["SMB", "Enterprise"]
    assert pd.isna(frame["segment"][2])
    assert frame["comment"][1] == '=HYPERLINK("http://x","y")'


def test_xlsx_with_excel_tables_on_other_sheets_and_offsets(tmp_path):
    wb = _workbook(
        ("Survey data", RESPONSES, "Responses", "C4"),
        ("Sheet2", ORDERS, "tblOrders"),  # not a table name: ignored
    )
    path = _save(wb, tmp_path / "book.xlsx")
    tables = read_tables(path)
    assert list(tables) == ["Responses"]
    _check_responses(tables["Responses"])


def test_xlsx_with_plain_sheets(tmp_path):
    wb = _workbook(("responses", RESPONSES), ("ORDERS", ORDERS), ("Notes", [["free text"]]))
    tables = read_tables(_save(wb, tmp_path / "book.xlsx"))
    assert list(tables) == ["Responses", "Orders"]
    _check_responses(tables["Responses"])
    assert tables["Orders"]["amount"].tolist() == [12.5, 30.0]


def test_excel_table_wins_over_a_sheet_of_the_same_name(tmp_path):
    wrong = [["date", "nps"], [dt.datetime(2020, 1, 1), 0]]
    wb = _workbook(("Responses", wrong), ("Data", RESPONSES, "Responses", "B2"))
    tables = read_tables(_save(wb, tmp_path / "book.xlsx"))
    _check_responses(tables["Responses"])


def test_a_sheet_holding_one_excel_table_reads_that_table(tmp_path):
    rows = [["Report title"], [], *RESPONSES]
    wb = _workbook(("Responses", RESPONSES, "Table1", "B3"))
    ws = wb["Responses"]
    ws["A1"] = rows[0][0]
    _check_responses(read_tables(_save(wb, tmp_path / "b.xlsx"))["Responses"])


def test_xlsm_and_openpyxl_workbook_object(tmp_path):
    wb = _workbook(("Data", RESPONSES, "Responses"))
    _check_responses(read_tables(wb)["Responses"])
    path = _save(wb, tmp_path / "book.xlsm")
    _check_responses(read_tables(path)["Responses"])


def test_csv_and_parquet_files_and_folders(tmp_path):
    frame = pd.DataFrame(RESPONSES[1:], columns=RESPONSES[0])
    frame["Date"] = frame["Date"].dt.strftime("%Y-%m-%d")
    frame.to_csv(tmp_path / "RESPONSES.csv", index=False)
    _check_responses(read_tables(tmp_path / "RESPONSES.csv")["Responses"])

    folder = tmp_path / "folder"
    folder.mkdir()
    pq = pd.DataFrame(RESPONSES[1:], columns=RESPONSES[0])
    pq["Customer ID"] = pq["Customer ID"].astype(str)
    pq.to_parquet(folder / "Responses.parquet")
    _write_csv(folder / "orders.csv", ORDERS)
    (folder / "readme.txt").write_text("ignored")
    (folder / "other.csv").write_text("a,b\n1,2\n")
    tables = read_tables(folder)
    assert list(tables) == ["Responses", "Orders"]
    _check_responses(tables["Responses"])
    assert tables["Orders"]["date"].tolist() == [
        pd.Timestamp("2024-01-05"),
        pd.Timestamp("2024-01-09"),
    ]


def test_dict_of_dataframes():
    frame = pd.DataFrame(RESPONSES[1:], columns=RESPONSES[0])
    tables = read_tables({"responses": frame, "unrelated": pd.DataFrame({"x": [1]})})
    _check_responses(tables["Responses"])


def test_several_sources_combine_and_a_table_twice_is_an_error(tmp_path):
    wb = _workbook(("Responses", RESPONSES))
    orders = _write_csv(tmp_path / "Orders.csv", ORDERS)
    assert list(read_tables(wb, orders)) == ["Responses", "Orders"]
    twice = tmp_path / "twice"
    twice.mkdir()
    _write_csv(twice / "Orders.csv", ORDERS)
    pd.DataFrame(ORDERS[1:], columns=ORDERS[0]).to_parquet(twice / "orders.parquet")
    error = _one_error(twice)
    assert error.table == "Orders"
    assert "found twice" in str(error)


# -- the remote xlwings Book ------------------------------------------------------


def _remote_payload(sheets):
    import xlwings as xw

    return {
        "client": "Office.js",
        "version": xw.__version__,
        "book": {"name": "Book1.xlsx", "active_sheet_index": 0, "selection": "A1"},
        "names": [],
        "sheets": [
            {
                "name": name,
                "values": values,
                "pictures": [],
                "tables": tables,
            }
            for name, values, tables in sheets
        ],
    }


def _remote_table(name, rng, header, body):
    return {
        "name": name,
        "range_address": rng,
        "header_row_range_address": header,
        "data_body_range_address": body,
        "total_row_range_address": None,
        "show_headers": True,
        "show_totals": False,
        "table_style": "TableStyleMedium2",
        "show_autofilter": True,
    }


def test_remote_xlwings_book_from_office_js_json():
    import xlwings as xw

    # As Excel sends it: values anchored at A1, blanks as "", date-formatted
    # cells as ISO strings, unformatted dates as serial numbers.
    values = [
        ["", "", "", "", "", "", ""],
        ["", "date", "NPS", "csat", "customer id", "segment", "comment"],
        ["", "2024-01-05T00:00:00.000Z", 9, 5, "C1", "SMB", "Great"],
        ["", 45297, 3, 2, 1002, "Enterprise", '=HYPERLINK("http://x","y")'],
        ["", "2024-02-01T00:00:00.000Z", 10, "", "C3", "", ""],
    ]
    targets = [["Metric", "Target"], ["nps", 40], ["CLV:CAC", 3], ["churn", 0.02]]
    payload = _remote_payload(
        [
            ("Survey", values, [_remote_table("Responses", "B2:G5", "B2:G2", "B3:G5")]),
            ("Targets", targets, []),
        ]
    )
    book = xw.Book(json=payload)
    tables = read_tables(book)
    _check_responses(tables["Responses"])
    assert tables["Targets"]["metric"].tolist() == ["NPS", "CLV:CAC", "Churn"]
    assert tables["Targets"]["target"].tolist() == [40.0, 3.0, 0.02]
    assert book.json()["actions"] == []  # reading queues nothing for Excel


def test_remote_book_errors_name_the_cell():
    import xlwings as xw

    values = [["date", "nps"], ["2024-01-05T00:00:00.000Z", 9], ["2024-01-06T00:00:00.000Z", "ten"]]
    book = xw.Book(
        json=_remote_payload(
            [("Data", values, [_remote_table("Responses", "A1:B3", "A1:B1", "A2:B3")])]
        )
    )
    error = _one_error(book)
    assert (
        str(error)
        == 'Data!B3 (table Responses): "ten" is not a score (nps must be a whole number 0-10)'
    )
    assert (error.table, error.column, error.row, error.cell) == ("Responses", "nps", 3, "Data!B3")


# -- headers ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header", ["customer_id", "Customer ID", "customerid", "CUSTOMER  id", "customer-id"]
)
def test_column_names_match_ignoring_case_and_spaces(header):
    frame = pd.DataFrame({header: ["a"], " Month ": ["2024-03-17"], "MRR": [10], "extra": ["x"]})
    table = read_tables({"Subscriptions": frame})["Subscriptions"]
    assert list(table.columns)[:3] == ["customer_id", "month", "mrr"]
    assert list(table.columns) == SCHEMAS["Subscriptions"].column_names
    assert table["month"].tolist() == [pd.Timestamp("2024-03-01")]


# -- values -----------------------------------------------------------------------


def test_dates_from_serials_datetimes_iso_text_and_months_to_the_first():
    frame = pd.DataFrame(
        {
            "date": [
                45292,
                45292.5,
                dt.date(2024, 1, 2),
                pd.Timestamp("2024-01-03 10:00"),
                "2024-01-04",
                " 2024-01-05T06:00:00Z ",
            ],
        }
    )
    frame["nps"] = 5
    dates = read_tables({"Responses": frame})["Responses"]["date"].tolist()
    assert dates == [
        pd.Timestamp("2024-01-01"),
        pd.Timestamp("2024-01-01 12:00"),
        pd.Timestamp("2024-01-02"),
        pd.Timestamp("2024-01-03 10:00"),
        pd.Timestamp("2024-01-04"),
        pd.Timestamp("2024-01-05 06:00"),
    ]
    spend = pd.DataFrame(
        {
            "month": ["2024-02", 45337, dt.datetime(2024, 4, 30)],
            "sales_marketing_cost": [1, 2, 3],
            "new_customers": [1, 2, 3],
        }
    )
    months = read_tables({"Spend": spend})["Spend"]["month"].tolist()
    assert months == [
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-02-01"),
        pd.Timestamp("2024-04-01"),
    ]


def test_blank_rows_dropped_blank_optional_cells_allowed(tmp_path):
    rows = [ORDERS[0], ORDERS[1], [None, None, None], ["", " ", None], ORDERS[2]]
    wb = _workbook(("Orders", rows))
    orders = read_tables(wb)["Orders"]
    assert orders["customer_id"].tolist() == ["C1", "C2"]
    assert orders.index.tolist() == [0, 1]


def test_numeric_text_is_read_as_numbers_in_csv(tmp_path):
    path = tmp_path / "Engagement.csv"
    path.write_text(
        "Date,DAU,MAU,avg session minutes\n2024-01-01, 10 ,100,\n2024-01-02,12,101,7.5\n"
    )
    table = read_tables(path)["Engagement"]
    assert table["dau"].tolist() == [10.0, 12.0]
    assert np.isnan(table["avg_session_minutes"][0]) and table["avg_session_minutes"][1] == 7.5
    assert table["opens"].isna().all()


def test_csat_scale_can_be_changed():
    frame = pd.DataFrame({"date": ["2024-01-01"], "csat": [9]})
    assert "csat must be a whole number 1-5" in str(_one_error({"Responses": frame}))
    table = read_tables({"Responses": frame}, scales={"csat": (1, 10)})["Responses"]
    assert table["csat"].tolist() == [9.0]
    with pytest.raises(ValueError):
        read_tables({"Responses": frame}, scales={"mrr": (1, 10)})


def test_target_metric_names_match_case_insensitively():
    frame = pd.DataFrame(
        {"Metric": [m.lower() for m in TARGET_METRICS], "Target": range(len(TARGET_METRICS))}
    )
    assert read_tables({"Targets": frame})["Targets"]["metric"].tolist() == list(TARGET_METRICS)


# -- errors -----------------------------------------------------------------------


def test_error_text_in_a_score_column_names_the_cell(tmp_path):
    rows = (
        [["date", "x", "nps"]]
        + [[dt.datetime(2024, 1, 1), None, 5]] * 212
        + [[dt.datetime(2024, 1, 1), None, "ten"]]
    )
    wb = _workbook(("Responses", rows))
    error = _one_error(wb)
    assert str(error) == 'Responses!C214: "ten" is not a score (nps must be a whole number 0-10)'
    assert (error.table, error.column, error.row, error.cell) == (
        "Responses",
        "nps",
        214,
        "Responses!C214",
    )


def test_error_in_csv_names_file_row_and_column(tmp_path):
    lines = ["Date,NPS"] + ["2024-01-01,5"] * 212 + ["2024-01-01,ten"]
    path = tmp_path / "Responses.csv"
    path.write_text("\n".join(lines) + "\n")
    error = _one_error(path)
    assert (
        str(error)
        == 'Responses.csv row 214, column NPS: "ten" is not a score (nps must be a whole number 0-10)'
    )
    assert (error.table, error.column, error.row, error.cell) == ("Responses", "nps", 214, None)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (11, "11 is not a score (nps must be a whole number 0-10)"),
        (-1, "-1 is not a score (nps must be a whole number 0-10)"),
        (7.5, "7.5 is not a score (nps must be a whole number 0-10)"),
        (True, "TRUE is not a score (nps must be a whole number 0-10)"),
    ],
)
def test_out_of_scale_scores(value, message):
    wb = _workbook(
        (
            "Responses",
            [["date", "nps"], [dt.datetime(2024, 1, 1), 5], [dt.datetime(2024, 1, 2), value]],
        )
    )
    assert str(_one_error(wb)) == f"Responses!B3: {message}"


def test_missing_required_column():
    wb = _workbook(("Orders", [["Customer", "date", "amount"], ["C1", dt.datetime(2024, 1, 1), 5]]))
    error = _one_error(wb)
    assert (
        str(error)
        == 'Orders: missing required column "customer_id" (columns found: Customer, date, amount)'
    )
    assert (error.table, error.column, error.row) == ("Orders", "customer_id", None)


def test_responses_need_a_score_column():
    error = _one_error({"Responses": pd.DataFrame({"date": ["2024-01-01"], "comment": ["hi"]})})
    assert 'needs at least one of the columns "nps", "csat", "ces"' in str(error)


def test_text_in_a_number_column():
    wb = _workbook(
        ("Spend", [["month", "sales marketing cost", "new customers"], ["2024-01", "lots", 3]])
    )
    assert (
        str(_one_error(wb))
        == 'Spend!B2: "lots" is not a number (sales_marketing_cost must be a number 0 or more)'
    )


def test_negative_counts_and_amounts_and_fractional_counts():
    rows = [
        ["month", "sales_marketing_cost", "new_customers", "retention_cost"],
        ["2024-01", 5, -3, -1],
        ["2024-02", 5, 2.5, 1],
    ]
    errors = [str(e) for e in check_tables(_workbook(("Spend", rows)))]
    assert errors == [
        "Spend!C2: -3 is negative (new_customers must be a whole number 0 or more)",
        "Spend!D2: -1 is negative (retention_cost must be a number 0 or more)",
    ]
    rows = [rows[0], ["2024-02", 5, 2.5, 1]]
    assert str(_one_error(_workbook(("Spend", rows)))) == (
        "Spend!C2: 2.5 is not a whole number (new_customers must be a whole number 0 or more)"
    )


def test_unparseable_date():
    wb = _workbook(("Orders", [ORDERS[0], ["C1", "31/01/2024", 5]]))
    error = _one_error(wb)
    assert (
        str(error)
        == 'Orders!B2: "31/01/2024" is not a date (date must be a date such as 2024-01-31)'
    )
    assert error.column == "date"


def test_empty_required_cell():
    wb = _workbook(("Orders", [ORDERS[0], ["C1", dt.datetime(2024, 1, 1), None]]))
    assert str(_one_error(wb)) == "Orders!C2: empty cell (amount is required)"


def test_duplicate_header_after_normalisation():
    wb = _workbook(
        (
            "Orders",
            [
                ["customer_id", "date", "amount", "Customer ID"],
                ["C1", dt.datetime(2024, 1, 1), 5, "C1"],
            ],
        )
    )
    error = _one_error(wb)
    assert str(error).startswith(
        'Orders!D1: duplicate column "Customer ID" (the same column as Orders!A1'
    )
    assert (error.column, error.row, error.cell) == ("customer_id", 1, "Orders!D1")


def test_header_only_table_is_empty():
    error = _one_error(_workbook(("Orders", [ORDERS[0], [None, None, None]])))
    assert str(error) == "Orders: the table has a header but no data rows"
    assert error.table == "Orders"


def test_unknown_and_duplicate_targets():
    frame = pd.DataFrame({"metric": ["NPS", "NSP", "nps"], "target": [40, 1, 50]})
    errors = [str(e) for e in check_tables({"Targets": frame})]
    assert len(errors) == 1
    assert errors[0].startswith('Targets (DataFrame) row 2, column metric: "NSP" is not a KPI name')


def test_check_tables_lists_every_problem_first_row_per_column(tmp_path):
    rows = [
        ["date", "nps", "csat"],
        ["soon", "ten", 9],
        ["later", "eleven", 9],
    ]
    wb = _workbook(("Responses", rows), ("Orders", [ORDERS[0]]))
    errors = check_tables(wb, tmp_path / "missing.csv")
    messages = [str(e) for e in errors]
    assert messages == [
        f"{tmp_path / 'missing.csv'}: no such file or folder",
        'Responses!A2: "soon" is not a date (date must be a date such as 2024-01-31)',
        'Responses!B2: "ten" is not a score (nps must be a whole number 0-10)',
        "Responses!C2: 9 is not a score (csat must be a whole number 1-5)",
        "Orders: the table has a header but no data rows",
    ]
    assert isinstance(errors[0], SourceError)
    assert check_tables(_workbook(("Orders", ORDERS))) == []


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("broken.xlsx", b"not a zip", "broken.xlsx: cannot be read as an Excel workbook"),
        ("Orders.parquet", b"not parquet", "Orders.parquet: cannot be read as Parquet"),
        ("Orders.csv", b"", "Orders.csv: the file is empty"),
        ("data.txt", b"x", "data.txt: not a table file"),
        ("customers.csv", b"a\n1\n", "customers.csv: the file name names no input table"),
    ],
)
def test_unreadable_files_are_source_errors(tmp_path, name, content, expected):
    path = tmp_path / name
    path.write_bytes(content)
    before = _sha(path)
    with pytest.raises(SourceError) as raised:
        read_tables(path)
    assert str(raised.value).startswith(expected)
    assert _sha(path) == before


def test_unsupported_source_object():
    with pytest.raises(SourceError, match="cannot read tables from int"):
        read_tables(42)


# -- reading never changes the input ----------------------------------------------------


def test_reading_leaves_files_byte_identical(tmp_path):
    good = _save(
        _workbook(("Data", RESPONSES, "Responses"), ("Orders", ORDERS)), tmp_path / "good.xlsx"
    )
    bad = _save(_workbook(("Orders", [ORDERS[0], ["C1", "never", -1]])), tmp_path / "bad.xlsx")
    csv = _write_csv(tmp_path / "Orders.csv", [ORDERS[0], ["C1", "2024-01-01", "x"]])
    hashes = {p: _sha(p) for p in (good, bad, csv)}
    mtimes = {p: os.stat(p).st_mtime_ns for p in hashes}
    read_tables(good)
    assert check_tables(bad) and check_tables(csv)
    for path in (bad, csv):
        with pytest.raises(TableError):
            read_tables(path)
    assert {p: _sha(p) for p in hashes} == hashes
    assert {p: os.stat(p).st_mtime_ns for p in hashes} == mtimes


# -- speed --------------------------------------------------------------------------


def test_100k_rows_validate_quickly(tmp_path):
    import time

    n = 100_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame(
        {
            "Date": pd.date_range("2024-01-01", periods=n, freq="5min").strftime("%Y-%m-%d %H:%M"),
            "NPS": rng.integers(0, 11, n),
            "CSAT": rng.integers(1, 6, n),
            "Customer ID": [f"C{i % 5000}" for i in range(n)],
            "Segment": rng.choice(["SMB", "Mid-Market", "Enterprise"], n),
        }
    )
    path = tmp_path / "Responses.csv"
    frame.to_csv(path, index=False)
    start = time.perf_counter()
    table = read_tables(path)["Responses"]
    elapsed = time.perf_counter() - start
    assert len(table) == n
    assert elapsed < 10, elapsed


# -- Excel Table details ------------------------------------------------------------


def test_totals_row_is_left_out(tmp_path):
    rows = [*ORDERS, ["Total", None, 42.5]]
    wb = _workbook(("Data", rows, "Orders"))
    wb["Data"].tables["Orders"].totalsRowCount = 1
    orders = read_tables(_save(wb, tmp_path / "b.xlsx"))["Orders"]
    assert orders["customer_id"].tolist() == ["C1", "C2"]


def test_excel_table_without_header_row_is_an_error(tmp_path):
    wb = _workbook(("Data", ORDERS[1:], "Orders"))
    wb["Data"].tables["Orders"].headerRowCount = 0
    error = _one_error(_save(wb, tmp_path / "b.xlsx"))
    assert str(error) == (
        "Orders (sheet Data): the Excel Table has no header row; turn on its header row"
    )


def test_sheet_named_like_a_table_with_several_excel_tables_is_an_error(tmp_path):
    wb = _workbook(("Responses", RESPONSES, "Table1"))
    _sheet_rows = [["x"], [1]]
    ws = wb["Responses"]
    for r, row in enumerate(_sheet_rows, start=10):
        ws.cell(r, 1).value = row[0]
    ws.add_table(Table(displayName="Table2", ref="A10:A11"))
    error = _one_error(_save(wb, tmp_path / "b.xlsx"))
    assert str(error) == (
        'Responses: sheet Responses holds several Excel Tables (Table1, Table2); name the one to read "Responses"'
    )


def test_a_sheet_holding_another_input_table_is_not_read_as_this_one(tmp_path):
    # Sheet "Responses" holds the Excel Table "Orders": that is Orders, not Responses.
    wb = _workbook(("Responses", ORDERS, "Orders"))
    path = _save(wb, tmp_path / "b.xlsx")
    assert check_tables(path) == []
    assert list(read_tables(path)) == ["Orders"]


def test_remote_book_totals_row_and_plain_sheet_offsets():
    import xlwings as xw

    values = [
        ["customer_id", "date", "amount"],
        ["C1", "2024-01-05T00:00:00.000Z", 12.5],
        ["C2", 45300, 30],
        ["Total", "", 42.5],
    ]
    table = _remote_table("Orders", "A1:C4", "A1:C1", "A2:C3")
    table["show_totals"], table["total_row_range_address"] = True, "A4:C4"
    spend = [
        ["", "", ""],
        ["", "", ""],
        ["month", "sales marketing cost", "new customers"],
        ["2024-01", 100, "x"],
    ]
    book = xw.Book(json=_remote_payload([("Data", values, [table]), ("Spend", spend, [])]))
    errors = check_tables(book)
    assert [str(e) for e in errors] == [
        'Spend!C4: "x" is not a number (new_customers must be a whole number 0 or more)'
    ]
    book = xw.Book(json=_remote_payload([("Data", values, [table])]))
    assert read_tables(book)["Orders"]["amount"].tolist() == [12.5, 30.0]


def test_remote_table_without_headers_is_an_error():
    import xlwings as xw

    table = _remote_table("Orders", "A1:C2", None, "A1:C2")
    table["show_headers"] = False
    values = [["C1", "2024-01-05T00:00:00.000Z", 12.5], ["C2", 45300, 30]]
    book = xw.Book(json=_remote_payload([("Data", values, [table])]))
    assert "has no header row" in str(_one_error(book))


def test_importing_tables_leaves_xlwings_unloaded():
    import subprocess
    import sys

    code = "import sys, cxexcel.tables; print('xlwings' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        ("\ufeffCustomer ID,Date,Amount\nCafé,2024-01-01,5\n", "utf-8"),
        ("customer_id,date,amount\nCafé,2024-01-01,5\n", "cp1252"),
    ],
)
def test_csv_as_excel_saves_it(tmp_path, data, encoding):
    path = tmp_path / "Orders.csv"
    path.write_bytes(data.encode(encoding))
    orders = read_tables(path)["Orders"]
    assert orders["customer_id"].tolist() == ["Café"]
    assert orders["amount"].tolist() == [5.0]


def test_parquet_errors_count_rows_from_one(tmp_path):
    path = tmp_path / "Orders.parquet"
    pd.DataFrame(
        {"customer_id": ["a", "b", "c"], "date": ["2024-01-01"] * 3, "amount": [1.0, 2.0, -5.0]}
    ).to_parquet(path)
    assert str(_one_error(path)) == (
        "Orders.parquet row 3, column amount: -5 is negative (amount must be a number 0 or more)"
    )


def test_empty_sheet_named_like_a_table(tmp_path):
    wb = _workbook(("Targets", []), ("Orders", ORDERS))
    error = _one_error(_save(wb, tmp_path / "b.xlsx"))
    assert str(error) == "Targets: the table is empty (no header row and no data)"


def _replace_part(path, part, data: bytes):
    import zipfile

    with zipfile.ZipFile(path) as source:
        items = [(info, source.read(info.filename)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w") as target:
        for info, content in items:
            target.writestr(info, data if info.filename == part else content)


BOMB = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol2;</t></is></c></row></sheetData>
</worksheet>"""


@pytest.mark.parametrize(
    "content", [b"<worksheet><sheetData><row>", BOMB], ids=["damaged", "entity-bomb"]
)
def test_damaged_or_hostile_sheet_xml_is_a_source_error(tmp_path, content):
    path = _save(_workbook(("Orders", ORDERS)), tmp_path / "b.xlsx")
    _replace_part(path, "xl/worksheets/sheet1.xml", content)
    before = _sha(path)
    error = _one_error(path)
    assert isinstance(error, SourceError)
    assert str(error).startswith("b.xlsx: cannot be read as an Excel workbook")
    assert "\n" not in str(error)
    if content is BOMB:
        assert "refused for safety: EntitiesForbidden" in str(error)
    assert _sha(path) == before


# -- the vectorised validation agrees with the per-cell reference ---------------------

import importlib  # noqa: E402

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_validate = importlib.import_module("cxexcel.tables.validate")

_TEXT_CELLS = st.one_of(
    st.sampled_from(["", " ", "\t", "\u3000", " 12 ", "7", "-3", "2.5", "1e3", "ten", "nan"]),
    st.sampled_from(["inf", "2024-01-31", " 2024-02-01T06:00:00Z ", "2024-13-01", "C1", "NPS"]),
    st.sampled_from(["007", "-0", "99999999999999999999", "\x00", " a\x00 ", "\x1c x \x1f"]),
    st.text(max_size=6),
)
_NUMBER_CELLS = st.one_of(
    st.integers(-(2**70), 2**70),
    st.integers(-3, 12),
    st.integers(2**53, 2**63),
    st.integers(-(2**63), -(2**53)),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0.5, -0.0, 3.0, 45292.5, 1e20, 2**53 + 1, -(2**60) - 1]),
    st.builds(np.int64, st.integers(-(2**63), 2**63 - 1)),
    st.builds(np.float32, st.floats(-1e6, 1e6, width=32)),
)
_DATE_CELLS = st.one_of(
    st.dates(dt.date(1899, 1, 1), dt.date(2300, 1, 1)),
    st.datetimes(dt.datetime(1899, 1, 1), dt.datetime(2300, 1, 1)),
    st.builds(pd.Timestamp, st.datetimes(dt.datetime(1990, 1, 1), dt.datetime(2100, 1, 1))),
)
_BLANK_CELLS = st.sampled_from([None, np.nan, pd.NaT, ""])
_ANY_CELL = st.one_of(_TEXT_CELLS, _NUMBER_CELLS, _DATE_CELLS, _BLANK_CELLS, st.booleans())


def _column(n):
    """A messy column: mostly of one kind of cell (with blanks), sometimes of all kinds."""
    return st.sampled_from([_TEXT_CELLS, _NUMBER_CELLS, _DATE_CELLS, _ANY_CELL]).flatmap(
        lambda cells: st.lists(st.one_of(cells, _BLANK_CELLS), min_size=n, max_size=n)
    )


@st.composite
def _messy_tables(draw):
    n = draw(st.integers(1, 8))
    tables = {}
    for name in draw(st.lists(st.sampled_from(list(SCHEMAS)), min_size=1, max_size=3)):
        schema = SCHEMAS[name]
        columns = {c.name: draw(_column(n)) for c in schema.columns if draw(st.booleans())}
        columns.setdefault(schema.columns[0].name, draw(_column(n)))
        tables[name] = pd.DataFrame(columns, dtype=object)
    return tables


_KINDS = {c.kind: c for schema in SCHEMAS.values() for c in schema.columns}


@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.sampled_from(sorted(_KINDS)), st.integers(1, 10).flatmap(_column))
def test_each_conversion_matches_the_per_cell_reference(monkeypatch, kind, cells):
    column = _KINDS[kind]
    values = np.array(cells + [None], dtype=object)[:-1]

    def convert():
        blank = _validate._blank_mask(pd.Series(values, dtype=object))
        series, problems = _validate._convert(column, values, blank)
        masks = [mask.tolist() for mask, _ in problems]
        shown = [[message(v) for v in values[mask]] for mask, message in problems]
        return blank.tolist(), series, masks, shown

    fast = convert()
    monkeypatch.setattr(_validate, "_FAST", False)
    slow = convert()
    monkeypatch.setattr(_validate, "_FAST", True)
    assert fast[0] == slow[0] and fast[2:] == slow[2:]
    pd.testing.assert_series_equal(fast[1], slow[1], check_exact=True)


def _outcome(*sources):
    errors = [(str(e), type(e), e.table, e.column, e.row, e.cell) for e in check_tables(*sources)]
    try:
        tables = read_tables(*sources)
    except TableError as error:
        return errors, str(error)
    return errors, tables


def _same_as_reference(monkeypatch, *sources):
    fast = _outcome(*sources)
    monkeypatch.setattr(_validate, "_FAST", False)
    try:
        slow = _outcome(*sources)
    finally:
        monkeypatch.setattr(_validate, "_FAST", True)
    assert fast[0] == slow[0]
    if isinstance(slow[1], str):
        assert fast[1] == slow[1]
        return
    assert fast[1].keys() == slow[1].keys()
    for name, frame in slow[1].items():
        pd.testing.assert_frame_equal(fast[1][name], frame, check_exact=True)


@settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(_messy_tables())
def test_vectorised_validation_matches_the_per_cell_reference(monkeypatch, tables):
    _same_as_reference(monkeypatch, tables)


@settings(
    max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
def test_vectorised_validation_matches_the_reference_on_csv_files(monkeypatch, tmp_path, data):
    n = data.draw(st.integers(1, 6))
    name = data.draw(st.sampled_from(["Responses", "Orders", "Engagement"]))
    schema = SCHEMAS[name]
    text = st.one_of(_TEXT_CELLS, st.integers(-5, 12).map(str), st.sampled_from(["2024-01-05"]))
    columns = {c.name: data.draw(st.lists(text, min_size=n, max_size=n)) for c in schema.columns}
    path = tmp_path / f"{name}.csv"
    try:
        pd.DataFrame(columns).to_csv(path, index=False, encoding="utf-8")
    except UnicodeEncodeError:  # a lone surrogate
        return
    _same_as_reference(monkeypatch, path)


def test_big_columns_take_the_vectorised_path_and_match_the_reference(monkeypatch):
    n = 20_000
    rng = np.random.default_rng(5)
    responses = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=n, freq="h"),
            "nps": rng.integers(0, 11, n),
            "csat": np.where(rng.random(n) < 0.1, np.nan, rng.integers(1, 6, n)),
            "customer_id": rng.integers(0, 500, n),
            "segment": rng.choice(np.array(["SMB", " Enterprise ", "", None], dtype=object), n),
            "comment": np.where(rng.random(n) < 0.5, "  ok ", None),
        }
    )
    texts = responses.astype(str).replace({"nan": "", "None": "", "NaT": ""})
    _same_as_reference(monkeypatch, {"Responses": responses})
    _same_as_reference(monkeypatch, {"Responses": texts})
    bad = texts.copy()
    bad.loc[n - 3, "nps"] = "eleven"
    bad.loc[n - 2, "date"] = "someday"
    _same_as_reference(monkeypatch, {"Responses": bad})


def test_arrow_strips_exactly_the_whitespace_python_strips():
    chars = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    cells = np.array([f"{c}a{c}" for c in chars] + chars + ["", "  ", " \x00 "], dtype=object)
    stripped = _validate._strip(cells).to_pylist()
    assert stripped == [cell.strip() for cell in cells]
    assert _validate._strip(np.array(["\ud800"], dtype=object)) is None


def test_a_utc_offset_keeps_the_written_date_and_month():
    offset = dt.timezone(dt.timedelta(hours=-5))
    frame = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "date": [
                "2024-01-31T23:30:00-05:00",
                dt.datetime(2024, 1, 31, 23, 0, tzinfo=offset),
                "2024-02-01Z",
                "2024-01-31 23:59:59.5+0100",
            ],
            "amount": [1, 2, 3, 4],
        }
    )
    dates = read_tables({"Orders": frame})["Orders"]["date"]
    assert list(dates.dt.strftime("%Y-%m-%d %H:%M")) == [
        "2024-01-31 23:30",
        "2024-01-31 23:00",
        "2024-02-01 00:00",
        "2024-01-31 23:59",
    ]


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # Offsets pandas keeps (an hour alone; a time without minutes) beside
        # a date without one: pandas refuses the column as a whole.
        (
            ["2024-01-31", "2024-02-01T02:00+05", "2024-01-31T10Z"],
            ["2024-01-31 00:00", "2024-02-01 02:00", "2024-01-31 10:00"],
        ),
        # Different offsets of that kind.
        (
            ["2024-02-01T02:00+05", "2024-02-01T03:30-08", "2024-01-31T23Z"],
            ["2024-02-01 02:00", "2024-02-01 03:30", "2024-01-31 23:00"],
        ),
        # One such offset throughout: pandas reads the column, converted to UTC
        # (2024-01-31 21:00 for the first) unless the offset is dropped.
        (
            ["2024-02-01T02:00+05", "2024-02-01T03:30+05"],
            ["2024-02-01 02:00", "2024-02-01 03:30"],
        ),
    ],
)
def test_offsets_pandas_keeps_are_dropped_too(tmp_path, cells, expected):
    (tmp_path / "Responses.csv").write_text(
        "date,nps\n" + "".join(f"{cell},{i}\n" for i, cell in enumerate(cells)), encoding="utf-8"
    )
    dates = read_tables(tmp_path)["Responses"]["date"]
    assert list(dates.dt.strftime("%Y-%m-%d %H:%M")) == expected


def test_a_bad_date_beside_kept_offsets_is_named(tmp_path):
    (tmp_path / "Responses.csv").write_text(
        "date,nps\n2024-01-31,9\n2024-01-31T10Z,7\nsoon,5\n", encoding="utf-8"
    )
    with pytest.raises(TableError) as raised:
        read_tables(tmp_path)
    assert str(raised.value) == (
        'Responses.csv row 4, column date: "soon" is not a date '
        "(date must be a date such as 2024-01-31)"
    )


_KEPT_OFFSET_FORMS = [
    "2024-02-01",
    "2024-02-01T02:00+05",
    "2024-02-01T10Z",
    "2024-02-01 10 +05",
    "2024-02-01T10:00:00.25-03",
    "2024-02-01T10:00+05:30",
    "2024-02-01T10+0530",
    "2024-02-01T10:00:00+05",
    "2024-02-29T23-11",
    "1969-12-31T23Z",
    "2024-13-01T10Z",
    "2024-02-01T25Z",
    "nope",
    # Offsets and spaces pandas refuses: still not dates once the rest is dropped.
    "2024-02-01T10+24",
    "2024-02-01T10+99:00",
    "2024-02-01T10+00:60",
    "2024-02-01T10+0575",
    "2024-02-01T10\x1cZ",
    "2024-02-01T10\xa0Z",
    "2024-02-01T10\u3000+05",
    "2024-02-01T10+\u0660\u0665",
    "2024-02-01T10\t+05",
]


@pytest.mark.parametrize("extra", [[], ["été"]], ids=["ascii", "not-ascii"])
def test_kept_offsets_are_read_in_bulk_as_cell_by_cell(monkeypatch, extra):
    # A column mixing offsets pandas keeps with plain dates is read in one
    # call (a million such cells read one by one took about a minute), and
    # reads as each cell alone does.
    validate = _validate
    cells = pd.Series(_KEPT_OFFSET_FORMS * 3 + extra, dtype=object)
    local, _ = validate._offsets_dropped(cells, None)
    alone = [validate._wall_clock(validate._iso(value)) for value in local]
    calls = []
    monkeypatch.setattr(validate, "_wall_clock", lambda stamp: calls.append(stamp))
    bulk = validate._iso_dates(local)
    assert calls == []
    assert [None if pd.isna(value) else value for value in bulk] == [
        None if pd.isna(value) else np.datetime64(value, "ns") for value in alone
    ]
    assert bulk[1] == np.datetime64("2024-02-01T02:00", "ns")
