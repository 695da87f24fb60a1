"""The openpyxl writer: text stays text, formulas stay formulas, writes are atomic."""

from __future__ import annotations

import datetime as dt
import os
import pathlib
import re
import stat
import zipfile
from xml.etree import ElementTree

import openpyxl
import pandas as pd
import pytest

from cxexcel.report import model
from cxexcel.report.build import build_report
from cxexcel.report.model import (
    Cell,
    CellRange,
    CellValueRule,
    Chart,
    ChartSeries,
    ColorScale,
    Column,
    DataBar,
    Formula,
    Report,
    Sheet,
    Table,
)
from cxexcel.report.openpyxl_writer import render_workbook, write_workbook

DANGEROUS = ['=HYPERLINK("http://x","y")', "+1", "-2+3", "@SUM(A1)", "=1+1"]


def sheet_xml(path, index: int = 1) -> str:
    with zipfile.ZipFile(path) as archive:
        return archive.read(f"xl/worksheets/sheet{index}.xml").decode()


NS = {"m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main"}


def cell_xml_text(path, ref: str, index: int = 1) -> tuple[str, str, bool]:
    """(cell type attribute, its text, whether it has a formula) from the sheet XML."""
    root = ElementTree.fromstring(sheet_xml(path, index))
    cell = root.find(f".//m:c[@r='{ref}']", NS)
    kind = cell.get("t")
    has_formula = cell.find("m:f", NS) is not None
    if kind == "inlineStr":
        return kind, "".join(t.text or "" for t in cell.iterfind(".//m:t", NS)), has_formula
    if kind == "s":
        with zipfile.ZipFile(path) as archive:
            strings = ElementTree.fromstring(archive.read("xl/sharedStrings.xml"))
        item = strings.findall("m:si", NS)[int(cell.find("m:v", NS).text)]
        return kind, "".join(t.text or "" for t in item.iterfind(".//m:t", NS)), has_formula
    return kind, cell.findtext("m:v", "", NS), has_formula


def small_report() -> Report:
    table = Table(
        3,
        1,
        (Column("Month", model.MONTH), Column("Value", model.PERCENT), Column("Note")),
        tuple(
            (dt.datetime(2024, m, 1), m / 10, DANGEROUS[m % len(DANGEROUS)]) for m in range(1, 6)
        ),
    )
    sheet = Sheet(
        "CX Test",
        blocks=(
            Cell(1, 1, "Title", None, model.TITLE),
            table,
            Cell(10, 2, Formula("=SUM(B4:B8)", 1.5), model.PERCENT),
            Cell(11, 1, "=not a formula"),
        ),
        conditional_formats=(
            DataBar(table.data_range("Value")),
            ColorScale(table.data_range("Value")),
            CellValueRule(table.data_range("Note"), "equal", ("+1",), "FFC7CE"),
            CellValueRule(table.data_range("Value"), "between", (0.1, 0.3), "C6EFCE"),
        ),
        charts=(
            Chart(
                "stacked_column",
                "Values",
                table.data_range("Month"),
                (ChartSeries("Value", table.data_range("Value"), table.header_cell("Value")),),
                anchor=(3, 6),
                x_title="Month",
                y_title="Share",
                y_number_format="0%",
            ),
        ),
        freeze=(4, 2),
        column_widths={1: 14.0, 3: 40.0},
        tab_color="1F3864",
        landscape=True,
        fit_to_width=True,
    )
    return Report((sheet,))


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path):
    path = write_workbook(small_report(), tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(path)["CX Test"]
    notes = [ws.cell(r, 3).value for r in range(4, 9)]
    assert notes == [DANGEROUS[m % len(DANGEROUS)] for m in range(1, 6)]
    for r in range(4, 9):
        assert ws.cell(r, 3).data_type == "s"
    assert ws["A11"].value == "=not a formula" and ws["A11"].data_type == "s"
    assert ws["B10"].data_type == "f" and ws["B10"].value == "=SUM(B4:B8)"

    xml = sheet_xml(path)
    formulas = re.findall(r"<f>(.*?)</f>", xml)
    assert formulas == ["SUM(B4:B8)"]
    for r in range(4, 9):
        kind, text, has_formula = cell_xml_text(path, f"C{r}")
        assert kind in ("s", "inlineStr") and not has_formula
        assert text == ws.cell(r, 3).value
    assert 'quotePrefix="1"' in zipfile.ZipFile(path).read("xl/styles.xml").decode()


def test_formats_settings_conditional_formats_and_chart(tmp_path):
    path = write_workbook(small_report(), tmp_path / "out.xlsx")
    ws = openpyxl.load_workbook(path)["CX Test"]
    assert ws["A4"].number_format == "mmm yyyy"
    assert ws["A4"].value == dt.datetime(2024, 1, 1)
    assert ws["B4"].number_format == "0.0%"
    assert ws["A3"].font.bold and ws["A3"].fill.fgColor.rgb.endswith("1F3864")
    assert ws.freeze_panes == "B4"
    assert ws.column_dimensions["C"].width == 40.0
    assert ws.sheet_properties.tabColor.rgb.endswith("1F3864")
    assert ws.page_setup.orientation == "landscape"
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert (ws.page_setup.fitToWidth, ws.page_setup.fitToHeight) == (1, 0)
    kinds = sorted(rule.type for cf in ws.conditional_formatting for rule in cf.rules)
    assert kinds == ["cellIs", "cellIs", "colorScale", "dataBar"]
    operators = sorted(
        (rule.operator, tuple(rule.formula))
        for cf in ws.conditional_formatting
        for rule in cf.rules
        if rule.type == "cellIs"
    )
    assert operators == [("between", ("0.1", "0.3")), ("equal", ('"+1"',))]
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert re.search(r'<grouping val="stacked"\s*/>', chart)
    assert "'CX Test'!$B$4:$B$8" in chart and "'CX Test'!$A$4:$A$8" in chart
    assert "'CX Test'!$B$3" in chart  # series name from the header cell


def test_write_is_atomic_and_keeps_the_old_file_on_failure(tmp_path, monkeypatch):
    target = tmp_path / "out.xlsx"
    target.write_bytes(b"old contents")

    def broken_write(self, data):
        with open(self, "wb") as handle:
            handle.write(data[:10])
        raise OSError("disk full")

    monkeypatch.setattr(pathlib.Path, "write_bytes", broken_write)
    with pytest.raises(OSError, match="disk full"):
        write_workbook(small_report(), target)
    assert target.read_bytes() == b"old contents"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.xlsx"]


def test_written_file_gets_ordinary_permissions(tmp_path):
    mask = os.umask(0o022)
    try:
        path = write_workbook(small_report(), tmp_path / "out.xlsx")
    finally:
        os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def test_control_characters_are_dropped_and_long_text_cut():
    sheet = Sheet("CX T", blocks=(Cell(1, 1, "a\x00b\x07c"), Cell(2, 1, "x" * 40000)))
    ws = render_workbook(Report((sheet,)))["CX T"]
    assert ws["A1"].value == "abc"
    assert len(ws["A2"].value) == 32767


def test_empty_report_still_makes_a_valid_workbook(tmp_path):
    path = write_workbook(build_report({}), tmp_path / "empty.xlsx")
    assert openpyxl.load_workbook(path).sheetnames == ["CX Summary"]


def test_cell_ranges_and_rules_in_the_model():
    assert CellRange(2, 1, 2, 1).address == "A2"
    assert CellRange(2, 27, 9, 28).absolute("It's") == "'It''s'!$AA$2:$AB$9"
    with pytest.raises(ValueError):
        Formula("SUM(A1)")
    with pytest.raises(ValueError):
        Table(1, 1, (Column("a"),), ((1, 2),))
    with pytest.raises(ValueError):
        CellValueRule(CellRange(1, 1, 1, 1), "between", (1,), "FFFFFF")
    with pytest.raises(ValueError):
        Sheet("CX bad/name")
    assert model.looks_like_formula("-5") and not model.looks_like_formula("5-")
    assert model.column_letter(702) == "ZZ" and model.column_letter(703) == "AAA"


def test_every_formula_carries_its_result_for_readers_that_do_not_calculate(tables, tmp_path):
    report = build_report(tables)
    path = write_workbook(report, tmp_path / "report.xlsx")
    formulas = openpyxl.load_workbook(path)
    values = openpyxl.load_workbook(path, data_only=True)
    found = 0
    for sheet in report.sheets:
        for cell in sheet.cells():
            if not isinstance(cell.value, Formula):
                continue
            found += 1
            assert formulas[sheet.name][cell.address].value == cell.value.text
            cached = values[sheet.name][cell.address].value
            expected = cell.value.expected
            if isinstance(expected, str):
                assert (cached or "") == expected, cell.address
            else:
                assert cached == pytest.approx(expected), cell.address
    assert found > 40
    frame = pd.read_excel(path, sheet_name="CX Summary", header=3, engine="openpyxl")
    with_target = frame[frame["Target"].notna()]
    assert len(with_target) >= 10
    assert with_target["Progress"].notna().all()
    assert set(with_target["Status"]) <= {"green", "amber", "red"}


def test_formula_results_by_type_in_the_sheet_xml(tmp_path):
    path = write_workbook(small_report(), tmp_path / "small.xlsx")
    root = ElementTree.fromstring(sheet_xml(path))
    cell = root.find(".//m:c[@r='B10']", NS)
    assert cell.findtext("m:f", "", NS) == "SUM(B4:B8)"
    assert cell.findtext("m:v", "", NS) == "1.5" and cell.get("t") is None
    text = Sheet("CX Test", blocks=(Cell(1, 1, Formula('=IF(1,"a<b","")', "a<b")),))
    path = write_workbook(Report((text,)), tmp_path / "text.xlsx")
    cell = ElementTree.fromstring(sheet_xml(path)).find(".//m:c[@r='A1']", NS)
    assert (cell.get("t"), cell.findtext("m:v", "", NS)) == ("str", "a<b")


def test_print_titles_and_category_labels_below_the_plot(tmp_path):
    sheet = small_report().sheets[0]
    report = Report((Sheet(**{**sheet.__dict__, "print_title_rows": (3, 3)}),))
    path = write_workbook(report, tmp_path / "titles.xlsx")
    ws = openpyxl.load_workbook(path)["CX Test"]
    assert ws.print_title_rows == "$3:$3"
    with zipfile.ZipFile(path) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
    assert '<tickLblPos val="low"' in chart.split("<valAx>")[0]


def test_movement_colours_and_a_survival_axis_from_0_to_100_percent(tables, tmp_path):
    path = write_workbook(build_report(tables), tmp_path / "report.xlsx")
    with zipfile.ZipFile(path) as archive:
        charts = [
            archive.read(name).decode()
            for name in archive.namelist()
            if name.startswith("xl/charts/chart")
        ]
    (movements,) = [c for c in charts if "MRR movements" in c]
    for color in ("70AD47", "C00000"):  # expansion green, churned red
        assert f'<a:srgbClr val="{color}"' in movements
    (survival,) = [c for c in charts if "Kaplan-Meier" in c]
    value_axis = survival.split("<valAx>")[1]
    assert '<min val="0"' in value_axis and '<max val="1"' in value_axis
    assert survival.count('<a:prstDash val="dash"') == 2  # the band's edges
