"""LibreOffice opens every generated workbook, recalculates it and prints it to PDF.

The formulas on the sheets (progress and status on CX Summary, the margin
band on CX Surveys) are written here without cached results (as openpyxl
alone writes them), so the values read back from LibreOffice's recalculated
copy are LibreOffice's own; they must equal what the builder expected, and
every other figure must survive the round trip unchanged. The files the
writer saves carry those results as cached values: they must be the ones
LibreOffice computes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent / "report"))

from libreoffice import convert, soffice  # noqa: E402
from sample_tables import make_tables  # noqa: E402

from cxexcel.report.build import build_report  # noqa: E402
from cxexcel.report.model import Formula, Report  # noqa: E402
from cxexcel.report.openpyxl_writer import render_workbook, write_workbook  # noqa: E402

pytestmark = [
    pytest.mark.slow,
    # LibreOffice writes data-bar extensions that openpyxl reads without (and says so).
    pytest.mark.filterwarnings("ignore:.*extension is not supported:UserWarning"),
    pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed"),
]


def _negative_targets() -> dict:
    """NPS -25 against a target of -30 (met), CSAT 0% against a target of 0 (met)."""
    responses = pd.DataFrame(
        {
            "date": pd.date_range("2024-01-01", periods=4, freq="D"),
            "nps": [3.0, 3.0, 10.0, 8.0],
            "csat": [1.0, 2.0, 2.0, 1.0],
        }
    )
    targets = pd.DataFrame({"metric": ["NPS", "CSAT"], "target": [-30.0, 0.0]})
    return {"Responses": responses, "Targets": targets}


def _variants() -> dict[str, dict]:
    full = make_tables(seed=11)
    return {
        "full": full,
        "surveys-only": {"Responses": full["Responses"], "Targets": full["Targets"]},
        "orders-only": {"Orders": full["Orders"]},
        "subscriptions-spend": {k: full[k] for k in ("Subscriptions", "Spend", "Targets")},
        "negative-targets": _negative_targets(),
    }


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, tuple[Report, Path]]:
    """Every kind of generated workbook: reports of table subsets, and the CLI demo,
    saved without cached formula results (LibreOffice then calculates them)."""
    folder = tmp_path_factory.mktemp("generated")
    out: dict[str, tuple[Report, Path]] = {}
    for name, tables in _variants().items():
        out[name] = _uncached(build_report(tables), folder / f"{name}.xlsx")
    try:
        from cxexcel.sample_data import generate
    except ImportError:
        return out
    out["demo"] = _uncached(build_report(generate()), folder / "demo.xlsx")
    return out


def _uncached(report: Report, path: Path) -> tuple[Report, Path]:
    render_workbook(report).save(path)
    return report, path


@pytest.fixture(scope="module")
def profile(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("libreoffice-profile")


@pytest.fixture(scope="module")
def recalculated(generated, profile, tmp_path_factory) -> dict[str, Path]:
    outdir = tmp_path_factory.mktemp("recalculated")
    paths = [path for _, path in generated.values()]
    converted = convert(paths, "xlsx", outdir, profile)
    return dict(zip(generated, converted, strict=True))


def test_every_file_converts_to_pdf(generated, profile, tmp_path):
    paths = [path for _, path in generated.values()]
    for pdf in convert(paths, "pdf", tmp_path, profile):
        data = pdf.read_bytes()
        assert data.startswith(b"%PDF") and len(data) > 2000, pdf


def test_recalculated_values_match_the_model(generated, recalculated):
    checked_formulas = 0
    for name, (report, _) in generated.items():
        book = openpyxl.load_workbook(recalculated[name], data_only=True)
        assert book.sheetnames == report.sheet_names
        for sheet in report.sheets:
            ws = book[sheet.name]
            for cell in sheet.cells():
                got = ws.cell(cell.row, cell.col).value
                value = cell.value
                where = f"{name}: {sheet.name}!{cell.address}"
                if isinstance(value, Formula):
                    checked_formulas += 1
                    expected = value.expected
                    if expected in ("", None):
                        assert got in ("", None), where
                    elif isinstance(expected, str):
                        assert got == expected, where
                    else:
                        assert got == pytest.approx(expected, rel=1e-9, abs=1e-12), where
                elif isinstance(value, (int, float)) and not isinstance(value, bool):
                    assert got == pytest.approx(value, rel=1e-9, abs=1e-12), where
                elif isinstance(value, str):
                    assert got == value, where
    assert checked_formulas > 40


def test_status_colours_follow_recalculated_progress(generated, recalculated):
    report, _ = generated["full"]
    ws = openpyxl.load_workbook(recalculated["full"], data_only=True)["CX Summary"]
    statuses = {}
    for tile in report.sheet("CX Summary").blocks:
        if getattr(tile, "status", None) is not None:
            progress = ws[tile.progress_address].value
            status = ws.cell(tile.row, tile.status_col).value
            statuses[tile.label] = status
            expected = "green" if progress >= 1 else "amber" if progress >= 0.9 else "red"
            assert status == expected, tile.label
    assert len(statuses) == 10


def test_negative_nps_and_zero_targets_recalculate_green(generated, recalculated):
    report, _ = generated["negative-targets"]
    ws = openpyxl.load_workbook(recalculated["negative-targets"], data_only=True)["CX Summary"]
    sheet = report.sheet("CX Summary")
    nps, csat = sheet.find("NPS"), sheet.find("CSAT")
    assert (nps.value, nps.target, csat.value, csat.target) == (-25.0, -30.0, 0.0, 0.0)
    assert ws[nps.progress_address].value == pytest.approx(75 / 70)
    assert ws[csat.progress_address].value == 1
    assert ws.cell(nps.row, nps.status_col).value == "green"
    assert ws.cell(csat.row, csat.status_col).value == "green"


def test_formula_like_comment_survives_as_text(generated, recalculated):
    ws = openpyxl.load_workbook(recalculated["full"])["CX Surveys"]
    hits = [c for row in ws.iter_rows() for c in row if c.value == '=HYPERLINK("http://x","y")']
    assert hits and all(c.data_type == "s" for c in hits)


def test_cached_formula_results_are_what_libreoffice_computes(generated, recalculated, tmp_path):
    compared = 0
    for name, (report, _) in generated.items():
        written = openpyxl.load_workbook(
            write_workbook(report, tmp_path / f"{name}.xlsx"), data_only=True
        )
        computed = openpyxl.load_workbook(recalculated[name], data_only=True)
        for sheet in report.sheets:
            for cell in sheet.cells():
                if not isinstance(cell.value, Formula):
                    continue
                compared += 1
                cached = written[sheet.name][cell.address].value
                by_libreoffice = computed[sheet.name][cell.address].value
                where = f"{name}: {sheet.name}!{cell.address}"
                if isinstance(by_libreoffice, str) or by_libreoffice is None:
                    assert (cached or "") == (by_libreoffice or ""), where
                else:
                    assert cached == pytest.approx(by_libreoffice, rel=1e-9, abs=1e-12), where
    assert compared > 40
