"""Excel's 1900 date system exactly, both ways, and values a user can act on.

Serial numbers: 1 is 1900-01-01, 59 is 1900-02-28, 60 is Excel's
fictitious 1900-02-29 (refused), 61 is 1900-03-01, 109574 is 2199-12-31.
Numbers beyond 1e15, Engagement parts above their whole and bad
``scales=`` arguments are refused with messages naming table, column and
row (or the argument).
"""

from __future__ import annotations

import datetime as dt
import importlib
import zipfile

import numpy as np
import openpyxl
import pandas as pd
import pytest
from xlwings.utils import datetime_to_xlserial

from cxexcel import catalog
from cxexcel.errors import CxError, InputError, TableError
from cxexcel.excel import convert
from cxexcel.excel.convert import ExcelError
from cxexcel.tables import SCHEMAS, check_tables, read_tables

# The module, not the function of that name that cxexcel.tables exports.
validate_module = importlib.import_module("cxexcel.tables.validate")

LEAP = (
    "is 1900-02-29, a date that exists only in Excel's 1900 date system; "
    "use 59 (1900-02-28) or 61 (1900-03-01)"
)
SERIAL_RANGE = "Excel serial numbers run from 1 (1900-01-01) to 109574 (2199-12-31)"

# serial -> the date Excel shows for it
EXCEL_DATES = [
    (1, dt.datetime(1900, 1, 1)),
    (2, dt.datetime(1900, 1, 2)),
    (31, dt.datetime(1900, 1, 31)),
    (32, dt.datetime(1900, 2, 1)),
    (59, dt.datetime(1900, 2, 28)),
    (61, dt.datetime(1900, 3, 1)),
    (62, dt.datetime(1900, 3, 2)),
    (366, dt.datetime(1900, 12, 31)),
    (367, dt.datetime(1901, 1, 1)),
    (45292, dt.datetime(2024, 1, 1)),
    (45322, dt.datetime(2024, 1, 31)),
    (109574, dt.datetime(2199, 12, 31)),
]


def _one_error(*sources, **options) -> TableError:
    [error] = check_tables(*sources, **options)
    return error


# -- functions: serial numbers in ------------------------------------------------


@pytest.mark.parametrize(("serial", "date"), EXCEL_DATES)
def test_serial_numbers_read_as_excel_shows_them(serial, date):
    assert convert.serial_to_datetime(serial) == date
    assert convert.argument(serial, "dates", "date") == date
    assert convert.argument(float(serial) + 0.25, "dates") == date + dt.timedelta(hours=6)


def test_a_fraction_below_60_is_a_time_of_that_day():
    assert convert.serial_to_datetime(59.75) == dt.datetime(1900, 2, 28, 18)
    assert convert.serial_to_datetime(1.5) == dt.datetime(1900, 1, 1, 12)
    assert convert.serial_to_datetime(109574.5) == dt.datetime(2199, 12, 31, 12)


@pytest.mark.parametrize("serial", [60, 60.0, 60.5, np.float64(60.99)])
def test_serial_60_is_refused_as_excels_fictitious_leap_day(serial):
    with pytest.raises(ExcelError) as raised:
        convert.argument([[45292], [serial]], "dates", "date")
    assert raised.value.code == "#VALUE!"
    shown = "60" if float(serial) == 60 else f"{float(serial):g}"
    assert raised.value.message == f"date: {shown} at item 2 {LEAP}"
    with pytest.raises(InputError) as raised:
        convert.serial_to_datetime(serial)
    assert str(raised.value) == f"serial: {shown} {LEAP}"


@pytest.mark.parametrize(
    ("serial", "shown"),
    [(0, "0"), (0.999, "0.999"), (-1, "-1"), (109575, "109575"), (2958465, "2958465")],
)
def test_serial_numbers_outside_the_dates_are_refused(serial, shown):
    with pytest.raises(ExcelError) as raised:
        convert.argument(serial, "dates", "end_date")
    assert raised.value.message == f"end_date: {shown} is not a date ({SERIAL_RANGE})"
    with pytest.raises(InputError):
        convert.serial_to_datetime(serial)
    with pytest.raises(InputError):
        convert.serial_to_datetime(float("nan"))


# -- functions: dates out ---------------------------------------------------------


@pytest.mark.parametrize(("serial", "date"), EXCEL_DATES)
def test_dates_become_the_serial_number_excel_shows_them_as(serial, date):
    assert convert.datetime_to_serial(date) == serial
    assert convert.datetime_to_serial(date.date()) == serial
    assert convert.datetime_to_serial(pd.Timestamp(date)) == serial
    noon = date + dt.timedelta(hours=12)
    assert convert.datetime_to_serial(noon) == serial + 0.5


def test_every_day_of_early_1900_makes_the_round_trip():
    day = dt.datetime(1900, 1, 1)
    serials = []
    while day <= dt.datetime(1900, 3, 1):
        serial = convert.datetime_to_serial(day)
        assert convert.serial_to_datetime(serial) == day
        serials.append(serial)
        day += dt.timedelta(days=1)
    assert serials == [*range(1, 60), 61]  # no day is 60


def test_serials_make_the_round_trip_through_datetimes():
    for serial in [*range(1, 60), *range(61, 400), 45292.25, 45322.75, 109574]:
        assert convert.datetime_to_serial(convert.serial_to_datetime(serial)) == serial
    modern = dt.datetime(2024, 2, 29, 13, 45)
    assert convert.serial_to_datetime(convert.datetime_to_serial(modern)) == modern


def test_a_time_zone_is_dropped_on_the_way_out():
    aware = pd.Timestamp("2024-01-01 06:00", tz="America/New_York")
    assert convert.datetime_to_serial(aware) == 45292.25


@pytest.mark.parametrize("date", [dt.datetime(1899, 12, 31), dt.date(2200, 1, 1)])
def test_dates_excel_cannot_hold_are_refused_on_the_way_out(date):
    with pytest.raises(InputError) as raised:
        convert.datetime_to_serial(date)
    assert "outside Excel's dates (1900-01-01 to 2199-12-31)" in str(raised.value)


def test_xlwings_office_js_route_is_exact_from_march_1900_on():
    # What the Office.js engine (xlwings Server, Lite) computes for a datetime:
    # right from 1900-03-01, one too many before. That is why call() hands
    # earlier dates over as serial numbers.
    assert datetime_to_xlserial(dt.datetime(2024, 1, 1)) == 45292
    assert datetime_to_xlserial(dt.datetime(1900, 3, 1)) == 61
    assert datetime_to_xlserial(dt.datetime(1900, 1, 1)) == 2  # Excel: 1


def test_mrr_movements_with_serial_months_1_and_32_gives_months_1_and_32():
    entry = catalog.get("MRR_MOVEMENTS")
    header, january, february = convert.call(
        entry, ([["a"], ["a"]], [[1], [32]], [[10], [12]], convert.OMITTED)
    )
    assert header == [
        "month",
        "starting_mrr",
        "new",
        "expansion",
        "contraction",
        "churned",
        "reactivation",
        "ending_mrr",
    ]
    assert january == [1.0, 0.0, 10.0, 0.0, 0.0, 0.0, 0.0, 10.0]
    assert february == [32.0, 10.0, 0.0, 2.0, 0.0, 0.0, 0.0, 12.0]


def test_a_column_with_any_date_before_march_1900_is_all_serial_numbers():
    entry = catalog.get("MRR_MOVEMENTS")
    rows = convert.call(entry, ([["a"], ["a"]], [[59], [61]], [[10], [12]], convert.OMITTED))
    assert [row[0] for row in rows[1:]] == [32.0, 61.0]  # February and March 1900


def test_modern_months_stay_dates_for_excel_to_format():
    entry = catalog.get("MRR_MOVEMENTS")
    rows = convert.call(entry, ([["a"], ["a"]], [[45292], [45323]], [[10], [12]], convert.OMITTED))
    months = [row[0] for row in rows[1:]]
    assert months == [pd.Timestamp(2024, 1, 1), pd.Timestamp(2024, 2, 1)]
    assert [datetime_to_xlserial(m.to_pydatetime()) for m in months] == [45292, 45323]


def test_cohorts_in_early_1900_come_back_as_their_serial_numbers():
    entry = catalog.get("COHORTS")
    rows = convert.call(entry, ([["a"], ["a"], ["b"]], [[1], [32], [33]], convert.OMITTED))
    assert rows[0][:2] == ["cohort", "size"]
    assert [row[:2] for row in rows[1:]] == [[1.0, 1], [32.0, 1]]


def test_early_dates_become_serials_in_every_result_shape():
    early = convert._early_dates_as_serials
    frame = pd.DataFrame(
        {"month": pd.to_datetime(["1900-01-01", None, "2024-01-01"]), "x": [1.0, 2.0, 3.0]}
    )
    out = early(frame)
    assert out["month"].tolist()[0] == 1.0 and out["month"].tolist()[2] == 45292.0
    assert pd.isna(out["month"].tolist()[1])
    assert frame["month"].dtype.kind == "M"  # the core's frame is not changed
    assert early(pd.Series(pd.to_datetime(["1900-02-28"]))).tolist() == [59.0]
    array = np.array(["1900-01-02", "1900-03-01"], dtype="datetime64[ns]").reshape(1, 2)
    assert early(array).tolist() == [[2.0, 61.0]]
    assert early(dt.datetime(1900, 1, 31)) == 31.0
    modern = pd.DataFrame({"month": pd.to_datetime(["2024-01-01"])})
    assert early(modern) is modern
    assert early(0.5) == 0.5 and early("text") == "text"


def test_convert_and_validate_word_the_leap_day_alike():
    assert convert.LEAP_DAY_MESSAGE == validate_module.LEAP_DAY_MESSAGE == LEAP


# -- tables: serial numbers in CSV, xlsx and DataFrames ----------------------------


def _responses_csv(tmp_path, dates):
    path = tmp_path / "Responses.csv"
    path.write_text("date,nps\n" + "".join(f"{d},9\n" for d in dates), encoding="utf-8")
    return path


def test_csv_serial_numbers_read_as_excel_shows_them(tmp_path):
    serials = [s for s, _ in EXCEL_DATES]
    path = _responses_csv(tmp_path, serials)
    dates = read_tables(path)["Responses"]["date"].tolist()
    assert dates == [pd.Timestamp(d) for _, d in EXCEL_DATES]


def test_serial_month_numbers_are_months_of_1900():
    frame = pd.DataFrame({"customer_id": ["a", "a"], "month": [1, 32], "mrr": [10, 12]})
    months = read_tables({"Subscriptions": frame})["Subscriptions"]["month"].tolist()
    assert months == [pd.Timestamp(1900, 1, 1), pd.Timestamp(1900, 2, 1)]


def test_csv_serial_60_names_the_row_and_the_leap_day(tmp_path):
    path = _responses_csv(tmp_path, [45292, 59, 60, 61])
    error = _one_error(path)
    assert str(error) == f'Responses.csv row 4, column date: "60" {LEAP}'
    assert (error.table, error.column, error.row) == ("Responses", "date", 4)


@pytest.mark.parametrize(
    ("serial", "shown"), [(0, "0"), (0.5, "0.5"), (109575, "109575"), (2958466, "2958466")]
)
def test_csv_serials_outside_the_dates_say_what_the_range_is(tmp_path, serial, shown):
    error = _one_error(_responses_csv(tmp_path, [45292, serial]))
    assert str(error) == (
        f'Responses.csv row 3, column date: "{shown}" is not a date ({SERIAL_RANGE})'
    )


@pytest.mark.parametrize(
    ("cell", "shown"),
    [
        ("1899-12-31", '"1899-12-31"'),
        ("2200-01-01", '"2200-01-01"'),
        ("2300-06-01", '"2300-06-01"'),
        ("9999-12-31 10:00", '"9999-12-31 10:00"'),
        (dt.date(1899, 12, 31), "1899-12-31"),
        (dt.datetime(2300, 1, 1, 5), "2300-01-01T05:00:00"),
    ],
)
def test_dates_outside_1900_to_2199_say_so(cell, shown):
    frame = pd.DataFrame({"date": ["2024-01-01", cell], "nps": [9, 9]}, dtype=object)
    error = _one_error({"Responses": frame})
    assert str(error) == (
        f"Responses (DataFrame) row 2, column date: {shown} is outside Excel's dates "
        "(date must be a date from 1900-01-01 to 2199-12-31)"
    )


def test_the_last_moment_of_2199_is_a_date():
    frame = pd.DataFrame({"date": [109574.99999, "2199-12-31 23:59:59.5"], "nps": [9, 9]})
    dates = read_tables({"Responses": frame})["Responses"]["date"]
    assert (dates.dt.date == dt.date(2199, 12, 31)).all()


def test_vectorised_and_per_cell_serials_agree(monkeypatch):
    column = SCHEMAS["Responses"].column("date")
    values = np.array([1, 2.5, 59, 60, 61, 0, "2024-01-01", None, 109574], dtype=object)

    def run():
        blank = validate_module._blank_mask(pd.Series(values, dtype=object))
        series, problems = validate_module._convert(column, values, blank)
        return series, [mask.tolist() for mask, _ in problems]

    fast = run()
    monkeypatch.setattr(validate_module, "_FAST", False)
    slow = run()
    pd.testing.assert_series_equal(fast[0], slow[0])
    assert fast[1] == slow[1]
    numbers_only = np.array([1, 2.5, 59, 61], dtype=object)
    blank = np.zeros(4, dtype=bool)
    series, _ = validate_module._convert(column, numbers_only, blank)
    assert series.tolist() == [
        pd.Timestamp(1900, 1, 1),
        pd.Timestamp(1900, 1, 2, 12),
        pd.Timestamp(1900, 2, 28),
        pd.Timestamp(1900, 3, 1),
    ]


def _xlsx(tmp_path, rows, number_format=None):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Responses"
    for row in rows:
        ws.append(row)
    if number_format:
        for (cell,) in ws.iter_rows(min_row=2, max_col=1):
            cell.number_format = number_format
    path = tmp_path / "book.xlsx"
    wb.save(path)
    return path


def _sheet_xml(path) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode()


def test_xlsx_number_cells_are_serials_as_excel_shows_them(tmp_path):
    path = _xlsx(tmp_path, [["date", "nps"], [1, 9], [59, 9], [61, 9]])
    dates = read_tables(path)["Responses"]["date"].tolist()
    assert dates == [pd.Timestamp(1900, 1, 1), pd.Timestamp(1900, 2, 28), pd.Timestamp(1900, 3, 1)]


def test_xlsx_number_cell_60_is_refused_with_its_address(tmp_path):
    path = _xlsx(tmp_path, [["date", "nps"], [45292, 9], [60, 9]])
    assert str(_one_error(path)) == f"Responses!A3: 60 {LEAP}"


def test_xlsx_date_cells_of_early_1900_are_written_and_read_as_excel_shows_them(tmp_path):
    # openpyxl writes a datetime as the serial Excel uses (1900-01-01 is 1) and
    # reads a date-formatted serial back the same way; cxexcel's report writer
    # hands openpyxl datetimes, so its early dates are right too.
    days = [dt.datetime(1900, 1, 1), dt.datetime(1900, 2, 28), dt.datetime(1900, 3, 1)]
    path = _xlsx(tmp_path, [["date", "nps"], *([d, 9] for d in days)], "yyyy-mm-dd")
    xml = _sheet_xml(path)
    assert "<v>1</v>" in xml and "<v>59</v>" in xml and "<v>61</v>" in xml
    assert read_tables(path)["Responses"]["date"].tolist() == [pd.Timestamp(d) for d in days]


def test_xlsx_date_formatted_cell_60_is_refused(tmp_path):
    # openpyxl alone reads a date-formatted 60 as 1900-02-28, like 59; the sheet
    # filter takes the format off so the validator sees the serial.
    path = _xlsx(tmp_path, [["date", "nps"], [45292, 9], [60, 9]], "yyyy-mm-dd")
    assert "<v>60</v>" in _sheet_xml(path)
    assert str(_one_error(path)) == f"Responses!A3: 60 {LEAP}"


def test_xlsx_date_formatted_60_and_a_half_is_refused(tmp_path):
    path = _xlsx(tmp_path, [["date", "nps"], [60.5, 9]], "yyyy-mm-dd hh:mm")
    assert str(_one_error(path)) == f"Responses!A2: 60.5 {LEAP}"


def test_xlsx_date_formatted_59_and_61_still_read_as_dates(tmp_path):
    path = _xlsx(tmp_path, [["date", "nps"], [59, 9], [61, 9], [45292, 9]], "yyyy-mm-dd")
    assert read_tables(path)["Responses"]["date"].tolist() == [
        pd.Timestamp(1900, 2, 28),
        pd.Timestamp(1900, 3, 1),
        pd.Timestamp(2024, 1, 1),
    ]


def test_xlsx_formatted_60_in_other_columns_and_text_60_read_unchanged(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Subscriptions"
    ws.append(["customer_id", "month", "mrr"])
    ws.append(["60", dt.datetime(2024, 1, 1), 60])  # text "60" is a shared string
    ws.append(["C2", dt.datetime(2024, 1, 1), 60.25])
    for row in ws.iter_rows(min_row=2, min_col=2, max_col=3):
        row[0].number_format = "yyyy-mm"
        row[1].number_format = '"$"#,##0.00'
    path = tmp_path / "book.xlsx"
    wb.save(path)
    table = read_tables(path)["Subscriptions"]
    assert table["customer_id"].tolist() == ["60", "C2"]
    assert table["mrr"].tolist() == [60.0, 60.25]


def test_xlsx_formula_with_a_saved_date_60_is_refused(tmp_path):
    path = _xlsx(tmp_path, [["date", "nps"], [45292, 9], [61, 9]], "yyyy-mm-dd")
    with zipfile.ZipFile(path) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    parts["xl/worksheets/sheet1.xml"] = xml.replace(
        "<v>61</v>", "<f>A2-45232</f><v>60</v>"
    ).encode()
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    assert str(_one_error(path)) == f"Responses!A3: 60 {LEAP}"


# -- values too large for sums ------------------------------------------------------


def _workbook_file(tmp_path, title, rows):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    path = tmp_path / f"{title}.xlsx"
    wb.save(path)
    return path


def test_an_mrr_that_would_overflow_a_sum_names_the_cell(tmp_path):
    rows = [["customer_id", "month", "mrr"]]
    rows += [[f"C{i}", "2024-01", 10.0] for i in range(3)] + [["C9", "2024-01", 1.7e308]]
    error = _one_error(_workbook_file(tmp_path, "Subscriptions", rows))
    assert str(error) == "Subscriptions!C5: 1.7e+308 is too large (mrr must be below 1e15)"
    assert (error.table, error.column, error.row, error.cell) == (
        "Subscriptions",
        "mrr",
        5,
        "Subscriptions!C5",
    )


@pytest.mark.parametrize(
    ("table", "header", "row", "message"),
    [
        (
            "Orders",
            "customer_id,date,amount",
            "C1,2024-01-02,1e308",
            'Orders.csv row 3, column amount: "1e308" is too large (amount must be below 1e15)',
        ),
        (
            "Orders",
            "customer_id,date,amount",
            "C1,2024-01-02,1e309",
            'Orders.csv row 3, column amount: "1e309" is too large (amount must be below 1e15)',
        ),
        (
            "Orders",
            "customer_id,date,amount",
            "C1,2024-01-02,-1e309",
            'Orders.csv row 3, column amount: "-1e309" is negative '
            "(amount must be a number 0 or more)",
        ),
        (
            "Spend",
            "month,sales_marketing_cost,new_customers",
            "2024-02,1e15,3",
            'Spend.csv row 3, column sales_marketing_cost: "1e15" is too large '
            "(sales_marketing_cost must be below 1e15)",
        ),
        (
            "Spend",
            "month,sales_marketing_cost,new_customers",
            "2024-02,10,99999999999999999999",
            'Spend.csv row 3, column new_customers: "99999999999999999999" is too large '
            "(new_customers must be below 1e15)",
        ),
        (
            "Targets",
            "metric,target",
            "CLV,-1e300",
            'Targets.csv row 3, column target: "-1e300" is too large '
            "(target must be between -1e15 and 1e15)",
        ),
    ],
)
def test_numbers_beyond_1e15_are_refused_naming_the_cell(tmp_path, table, header, row, message):
    first = {
        "Orders": "C0,2024-01-01,5",
        "Spend": "2024-01,5,1",
        "Targets": "NPS,40",
    }[table]
    path = tmp_path / f"{table}.csv"
    path.write_text(f"{header}\n{first}\n{row}\n", encoding="utf-8")
    assert str(_one_error(path)) == message


def test_numbers_just_below_the_limit_are_read():
    frame = pd.DataFrame(
        {"customer_id": ["a", "b"], "month": ["2024-01", "2024-01"], "mrr": [999999999999999, 0.5]}
    )
    mrr = read_tables({"Subscriptions": frame})["Subscriptions"]["mrr"].tolist()
    assert mrr == [999999999999999.0, 0.5]


def test_infinity_and_nan_text_are_not_numbers():
    frame = pd.DataFrame({"metric": ["NPS", "CSAT"], "target": ["40", "inf"]})
    assert str(_one_error({"Targets": frame})) == (
        'Targets (DataFrame) row 2, column target: "inf" is not a number (target must be a number)'
    )


# -- Engagement: parts above their whole ---------------------------------------------


def _engagement(**columns):
    n = len(next(iter(columns.values())))
    dates = pd.date_range("2024-01-01", periods=n).strftime("%Y-%m-%d")
    return {"Engagement": pd.DataFrame({"date": dates, **columns})}


def test_opens_above_delivered_name_the_first_row_and_count_the_others():
    delivered = [100] * 8
    opens = [10, 20, 30, 40, 50, 120, 101, 300]
    error = _one_error(_engagement(emails_delivered=delivered, opens=opens))
    assert str(error) == (
        "Engagement (DataFrame) row 6, column opens (and 2 more rows): opens 120 is more than "
        "emails_delivered 100 (opens must be at most emails_delivered in each row)"
    )
    assert (error.table, error.column, error.row) == ("Engagement", "opens", 6)


def test_a_part_above_its_whole_in_a_workbook_names_the_cell(tmp_path):
    rows = [["date", "emails_delivered", "opens", "clicks"]]
    rows += [[f"2024-01-0{d}", 100, 30, 5] for d in range(1, 6)]
    rows[5][3] = 101
    error = _one_error(_workbook_file(tmp_path, "Engagement", rows))
    assert str(error) == (
        "Engagement!D6: clicks 101 is more than emails_delivered 100 "
        "(clicks must be at most emails_delivered in each row)"
    )
    assert error.cell == "Engagement!D6"


def test_dau_above_mau_is_refused_with_one_more_row():
    error = _one_error(_engagement(dau=[5, 50, 60], mau=[10, 40, 50]))
    assert str(error).startswith("Engagement (DataFrame) row 2, column dau (and 1 more row): ")
    assert "dau 50 is more than mau 40" in str(error)


def test_clicks_may_exceed_opens_and_blank_wholes_are_not_compared():
    tables = _engagement(
        emails_delivered=[100, None, 100],
        opens=[10, 500, None],
        clicks=[20, 700, 30],
        dau=[5, 7, None],
        mau=[None, 10, 10],
    )
    table = read_tables(tables)["Engagement"]
    assert table["clicks"].tolist() == [20.0, 700.0, 30.0]


def test_every_broken_engagement_rule_is_listed():
    errors = check_tables(
        _engagement(dau=[50], mau=[40], emails_delivered=[10], opens=[11], clicks=[12])
    )
    assert [e.column for e in errors] == ["dau", "opens", "clicks"]


def test_a_bad_cell_in_a_pair_gives_one_error_not_two():
    errors = check_tables(_engagement(emails_delivered=[100, "lots"], opens=[120, 5]))
    assert [e.column for e in errors] == ["emails_delivered"]


# -- scales= ---------------------------------------------------------------------------

FRAME = {"Responses": pd.DataFrame({"date": ["2024-01-01"], "csat": [9]})}


@pytest.mark.parametrize(
    ("scales", "message"),
    [
        (
            "csat",
            "scales: must map score columns to (low, high), e.g. {\"csat\": (1, 10)}; got 'csat'",
        ),
        ([("csat", (1, 10))], "scales: must map score columns to (low, high)"),
        ({"mrr": (1, 10)}, "scales: 'mrr' is not a score column (nps, csat or ces)"),
        ({"satisfaction": (1, 10)}, "scales: 'satisfaction' is not a score column"),
        ({3: (1, 10)}, "scales: 3 is not a score column"),
        (
            {"csat": (10, 1)},
            "scales: csat must be (low, high) with low below high, e.g. (1, 10); got (10, 1)",
        ),
        ({"csat": (5, 5)}, "scales: csat must be (low, high) with low below high"),
        ({"csat": ("1", "10")}, "scales: csat must be two whole numbers (low, high)"),
        ({"csat": (1, 7.5)}, "scales: csat must be two whole numbers (low, high)"),
        ({"csat": (1, float("nan"))}, "scales: csat must be two whole numbers (low, high)"),
        ({"csat": (1, float("inf"))}, "scales: csat must be two whole numbers (low, high)"),
        ({"csat": (False, True)}, "scales: csat must be two whole numbers (low, high)"),
        ({"csat": 10}, "scales: csat must be (low, high), e.g. (1, 10); got 10"),
        ({"csat": "1-10"}, "scales: csat must be (low, high), e.g. (1, 10); got '1-10'"),
        ({"csat": (1, 5, 10)}, "scales: csat must be (low, high), e.g. (1, 10); got (1, 5, 10)"),
        ({"csat": (1, 10), "CSAT": (1, 7)}, "scales: 'csat' and 'CSAT' both set csat"),
    ],
)
def test_bad_scales_are_input_errors_naming_the_argument(scales, message):
    for function in (read_tables, check_tables):
        with pytest.raises(InputError) as raised:
            function(FRAME, scales=scales)
        assert str(raised.value).startswith(message)
        assert isinstance(raised.value, CxError)
        assert raised.value.excel_code == "#VALUE!"


def test_good_scales_are_taken_whatever_the_spelling():
    for scales in ({"csat": (1, 10)}, {"CSAT ": [1.0, 10.0]}, {"csat": np.array([1, 10])}):
        table = read_tables(FRAME, scales=scales)["Responses"]
        assert table["csat"].tolist() == [9.0]
    assert SCHEMAS["Responses"].column("csat").scale == (1, 5)  # the default is unchanged
    assert "csat must be a whole number 1-5" in str(_one_error(FRAME, scales={}))
