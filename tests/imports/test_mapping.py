"""Mappings: a TOML file, a dict, a workbook's Mapping sheet."""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pytest

from cxexcel.cli import main
from cxexcel.errors import InputError, TableError
from cxexcel.tables import read_tables

EXPORT = (
    "Submitted,Q1 score,Happy?,Why,Status,Who\n"
    "04/01/2024,9,Very happy,great,complete,a@x\n"
    "05/01/2024,3,Unhappy,slow,complete,b@x\n"
    "06/01/2024,10,Happy,,test,c@x\n"
)
TOML = """
dates = "day-first"

[[table]]
source = "survey-*.csv"
table = "Responses"
columns = { date = "Submitted", nps = "Q1 score", csat = "Happy?", comment = "Why", customer_id = "Who" }
values.csat = { "Very happy" = 5, "Happy" = 4, "Unhappy" = 2 }
drop = { Status = ["test"] }

[[table]]
source = "payments.csv"
table = "Orders"
columns = { customer_id = "payer", date = "paid", amount = "cents" }
units = { amount = "cents" }
"""


@pytest.fixture
def folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "survey-jan.csv").write_text(EXPORT)
    (tmp_path / "in" / "payments.csv").write_text("payer,paid,cents\nA,2024-01-02,1250\n")
    (tmp_path / "map.toml").write_text(TOML)
    return tmp_path


def test_a_toml_mapping_names_tables_columns_values_dates_units_and_filters(folder):
    notes: list[str] = []
    tables = read_tables(folder / "in", mapping=folder / "map.toml", notes=notes)
    responses = tables["Responses"]
    assert responses["nps"].tolist() == [9.0, 3.0]
    assert responses["csat"].tolist() == [5.0, 2.0]
    assert responses["date"].dt.strftime("%Y-%m-%d").tolist() == ["2024-01-04", "2024-01-05"]
    assert tables["Orders"]["amount"].tolist() == [12.5]
    assert "survey-jan.csv: mapping map.toml -> Responses, 2 rows (1 row filtered out)" in notes


def test_the_same_mapping_as_a_dict():
    import tomllib

    config = tomllib.loads(TOML)
    config["table"][0]["source"] = "survey"
    frame = __import__("pandas").read_csv(__import__("io").StringIO(EXPORT), dtype=str)
    tables = read_tables({"survey": frame}, mapping=config)
    assert tables["Responses"]["csat"].tolist() == [5.0, 2.0]


def test_a_bad_cell_is_named_in_the_export(folder):
    (folder / "in" / "survey-jan.csv").write_text(EXPORT.replace("Unhappy", "Meh"))
    with pytest.raises(
        TableError, match=r'survey-jan.csv row 3, column Happy\?: "Meh" is not a score'
    ):
        read_tables(folder / "in", mapping=folder / "map.toml")


def test_a_mapping_naming_a_missing_header_or_table_says_so(folder):
    (folder / "bad.toml").write_text(TOML.replace('"Q1 score"', '"Q9"'))
    with pytest.raises(TableError, match='maps "Q9" to Responses.nps, but there is no such column'):
        read_tables(folder / "in", mapping=folder / "bad.toml")
    (folder / "bad.toml").write_text('[[table]]\nsource = "x"\ntable = "Nope"\n')
    with pytest.raises(InputError, match="'Nope' is not one of Responses"):
        read_tables(folder / "in", mapping=folder / "bad.toml")


def test_a_mapping_sheet_in_a_workbook(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Survey export"
    for row in EXPORT.strip().splitlines():
        sheet.append(row.split(","))
    mapping = book.create_sheet("Mapping")
    mapping.append(["source", "table", "column", "header", "dates", "value", "becomes"])
    mapping.append(["Survey export", "Responses", "date", "Submitted", "day-first", None, None])
    mapping.append(["Survey export", "Responses", "nps", "Q1 score", None, None, None])
    mapping.append(["Survey export", "Responses", "csat", "Happy?", None, "Very happy", 5])
    mapping.append(["Survey export", "Responses", "csat", None, None, "Unhappy", 2])
    mapping.append(["Survey export", "Responses", "csat", None, None, "Happy", 4])
    path = tmp_path / "book.xlsx"
    book.save(path)
    responses = read_tables(path)["Responses"]
    assert responses["csat"].tolist() == [5.0, 2.0, 4.0]
    assert responses["date"].dt.day.tolist() == [4, 5, 6]


def test_cli_map_option(folder, capsys):
    out = folder / "out.xlsx"
    code = main(["report", str(folder / "in"), "--map", str(folder / "map.toml"), "-o", str(out)])
    assert code == 0, capsys.readouterr().err
    assert out.exists()


def test_a_mapping_sheet_through_an_xlwings_book():
    """The ribbon's route: the remote Book of xlwings Server."""
    sys.path.insert(0, str(Path(__file__).parent.parent / "excel"))
    from remote_book import book_payload, plain_sheet, remote_book

    grid = [row.split(",") for row in EXPORT.strip().splitlines()]
    rules = [
        ["source", "table", "column", "header", "dates", "value", "becomes"],
        ["Survey export", "Responses", "date", "Submitted", "day-first", None, None],
        ["Survey export", "Responses", "nps", "Q1 score", None, None, None],
    ]
    book = remote_book(
        book_payload(plain_sheet("Survey export", grid), plain_sheet("Mapping", rules))
    )
    notes: list[str] = []
    responses = read_tables(book, notes=notes)["Responses"]
    assert responses["nps"].tolist() == [9.0, 3.0, 10.0]
    assert responses["date"].dt.day.tolist() == [4, 5, 6]
    assert notes == ["Survey export: mapping Book1.xlsx (sheet Mapping) -> Responses, 3 rows"]


def test_a_mapping_sets_a_files_encoding(tmp_path):
    (tmp_path / "ventes.csv").write_bytes(
        "client;jour;montant\nZoë €;2024-01-04;12,5\n".encode("iso-8859-15")
    )
    (tmp_path / "map.toml").write_text(
        '[[table]]\nsource = "ventes.csv"\ntable = "Orders"\nencoding = "iso-8859-15"\n'
        'columns = { customer_id = "client", date = "jour", amount = "montant" }\n'
    )
    orders = read_tables(tmp_path / "ventes.csv", mapping=tmp_path / "map.toml")["Orders"]
    assert orders["customer_id"].tolist() == ["Zoë €"] and orders["amount"].tolist() == [12.5]
