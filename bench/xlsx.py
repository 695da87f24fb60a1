"""Benchmark: reading a 100k-row x 7-column .xlsx input table.

Writes a ``Responses`` workbook as Excel saves one (shared strings, a date
format, a dimension; ``--inline``: as openpyxl writes one, inline strings;
``--times``: each date with a time of day, a serial of up to 17 digits as
Excel writes it) and times, in one run:

- **calamine alone**: ``CalamineWorkbook.from_path(...).get_sheet_by_name(...)
  .to_python()``, the cells and nothing else;
- **cxexcel reader**: the RawTable the validator gets
  (``cxexcel.tables.sources.collect``), read with python-calamine;
- **cxexcel read_tables**: ``cxexcel.tables.read_tables(path)``, the
  validated DataFrame;
- **openpyxl read_tables**: the same with the previous reader
  (``CXEXCEL_XLSX_READER=openpyxl``).

Each is run once to warm up, then ``--repeat`` times, interleaved (the
openpyxl reader fewer times: it takes seconds); the best and the median
are printed, and each one's ratio to calamine alone (best to best).

Run from the project root::

    .venv/bin/python bench/xlsx.py              # 100,000 rows
    .venv/bin/python bench/xlsx.py --rows 20000 --inline
    .venv/bin/python bench/xlsx.py --times
"""

from __future__ import annotations

import argparse
import gc
import io
import os
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG = "http://schemas.openxmlformats.org/package/2006"
HEADER = ["date", "nps", "csat", "ces", "customer_id", "segment", "comment"]
SEGMENTS = ["SMB", "Mid-market", "Enterprise", "Public"]
COMMENTS = [
    "Great support, quick answers",
    "Too expensive for what it does",
    "The new dashboard is confusing",
    "Love the product",
    "Billing was wrong twice",
]


def responses_xlsx(path: Path, rows: int, inline: bool, seed: int = 1, times: bool = False) -> None:
    """A Responses sheet of ``rows`` survey answers: a date (with a time of
    day if ``times``), three scores, a customer id, a segment and (for 30%
    of them) a comment."""
    rng = np.random.default_rng(seed)
    dates = 45292 + rng.integers(0, 730, rows)
    if times:
        dates = [repr(serial) for serial in (dates + rng.random(rows)).tolist()]
    nps, csat, ces = rng.integers(0, 11, rows), rng.integers(1, 6, rows), rng.integers(1, 8, rows)
    customers, segments = rng.integers(0, 5000, rows), rng.integers(0, 4, rows)
    comments = np.where(rng.random(rows) < 0.3, rng.integers(0, len(COMMENTS), rows), -1)
    strings: dict[str, int] = {}

    def text(ref: str, value: str) -> str:
        if inline:
            return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'
        index = strings.setdefault(value, len(strings))
        return f'<c r="{ref}" t="s"><v>{index}</v></c>'

    out = [
        '<row r="1" spans="1:7">'
        + "".join(text(f"{c}1", h) for c, h in zip("ABCDEFG", HEADER, strict=True))
        + "</row>"
    ]
    for i in range(rows):
        r = i + 2
        cells = (
            f'<c r="A{r}" s="1"><v>{dates[i]}</v></c><c r="B{r}"><v>{nps[i]}</v></c>'
            f'<c r="C{r}"><v>{csat[i]}</v></c><c r="D{r}"><v>{ces[i]}</v></c>'
            + text(f"E{r}", f"C{customers[i]}")
            + text(f"F{r}", SEGMENTS[segments[i]])
            + (text(f"G{r}", COMMENTS[comments[i]]) if comments[i] >= 0 else "")
        )
        out.append(f'<row r="{r}" spans="1:7">{cells}</row>')
    sheet = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        f'<worksheet xmlns="{MAIN}" xmlns:r="{REL}"><dimension ref="A1:G{rows + 1}"/>'
        '<sheetViews><sheetView workbookViewId="0"/></sheetViews>'
        f'<sheetFormatPr defaultRowHeight="15"/><sheetData>{"".join(out)}</sheetData>'
        '<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
        "</worksheet>"
    )
    sst = "".join(f"<si><t>{s}</t></si>" for s in strings)
    parts = {
        "[Content_Types].xml": (
            f'<Types xmlns="{PKG}/content-types"><Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/'
            'sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'worksheet+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.spreadsheetml.styles+xml"/><Override PartName="/xl/'
            'sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.'
            'spreadsheetml.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{PKG}/relationships"><Relationship Id="rId1" '
            f'Type="{REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{MAIN}" xmlns:r="{REL}"><sheets>'
            '<sheet name="Responses" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{PKG}/relationships">'
            f'<Relationship Id="rId1" Type="{REL}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{REL}/styles" Target="styles.xml"/>'
            f'<Relationship Id="rId3" Type="{REL}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/styles.xml": (
            f'<styleSheet xmlns="{MAIN}"><numFmts count="1"><numFmt numFmtId="164" '
            'formatCode="yyyy\\-mm\\-dd"/></numFmts><fonts count="1"><font><sz val="11"/>'
            '<name val="Calibri"/></font></fonts><fills count="2"><fill><patternFill '
            'patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border>'
            '</borders><cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" '
            'borderId="0"/></cellStyleXfs><cellXfs count="2"><xf numFmtId="0" fontId="0" '
            'fillId="0" borderId="0" xfId="0"/><xf numFmtId="164" fontId="0" fillId="0" '
            'borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs><cellStyles count="1">'
            '<cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>'
        ),
        "xl/sharedStrings.xml": f'<sst xmlns="{MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{sst}</sst>',
        "xl/worksheets/sheet1.xml": sheet,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def measure(function, times: int) -> list[float]:
    seconds = []
    for _ in range(times):
        gc.collect()
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--openpyxl-repeat", type=int, default=2)
    parser.add_argument("--inline", action="store_true", help="inline strings, as openpyxl writes")
    parser.add_argument("--times", action="store_true", help="dates with a time of day")
    args = parser.parse_args()

    from python_calamine import CalamineWorkbook

    from cxexcel.tables import read_tables
    from cxexcel.tables.sources import collect

    folder = Path(tempfile.mkdtemp(prefix="cxexcel-bench-"))
    path = folder / "responses.xlsx"
    responses_xlsx(path, args.rows, args.inline, times=args.times)
    with zipfile.ZipFile(path) as archive:
        xml = archive.getinfo("xl/worksheets/sheet1.xml").file_size

    def calamine() -> None:
        with CalamineWorkbook.from_path(str(path)) as book:
            book.get_sheet_by_name("Responses").to_python()

    def reader() -> None:
        [raw] = collect([path])
        assert raw.body.shape == (args.rows, 7), raw

    def cxexcel() -> None:
        assert len(read_tables(path)["Responses"]) == args.rows

    def previous() -> None:
        os.environ["CXEXCEL_XLSX_READER"] = "openpyxl"
        try:
            assert len(read_tables(path)["Responses"]) == args.rows
        finally:
            del os.environ["CXEXCEL_XLSX_READER"]

    runs = {
        "calamine alone (to_python)": (calamine, args.repeat),
        "cxexcel reader (the RawTable)": (reader, args.repeat),
        "cxexcel read_tables(path)": (cxexcel, args.repeat),
        "previous openpyxl read_tables": (previous, args.openpyxl_repeat),
    }
    for function, _ in runs.values():
        function()  # warm up: imports, and memory the process touches first
    seconds: dict[str, list[float]] = {name: [] for name in runs}
    for round_ in range(max(times for _, times in runs.values())):
        for name, (function, times) in runs.items():
            if round_ < times:
                seconds[name] += measure(function, 1)
    base = min(seconds["calamine alone (to_python)"])
    kind = (
        "inline strings (as openpyxl writes)" if args.inline else "shared strings (as Excel writes)"
    )
    kind += ", dates with times of day" if args.times else ""
    print(
        f"{args.rows:,} rows x 7 columns, {kind}: {path.stat().st_size / 2**20:.1f} MiB file, "
        f"{xml / 2**20:.1f} MiB sheet XML; python {sys.version.split()[0]}, {os.cpu_count()} CPUs"
    )
    print(f"{'':32s} {'best s':>8s} {'median s':>9s} {'x calamine':>11s}")
    for name, values in seconds.items():
        print(
            f"{name:32s} {min(values):8.3f} {statistics.median(values):9.3f} "
            f"{min(values) / base:10.2f}x"
        )
    path.unlink()
    folder.rmdir()


if __name__ == "__main__":
    main()
