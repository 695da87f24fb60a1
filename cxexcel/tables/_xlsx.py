"""Finding the Excel Tables (ListObjects) of an .xlsx/.xlsm file.

openpyxl's fast read-only mode does not load table definitions, so they are
read here straight from the file's parts (with defusedxml, as the file may
come from anyone).
"""

from __future__ import annotations

import posixpath
import zipfile
from dataclasses import dataclass

from defusedxml import ElementTree

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_DOC_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


@dataclass(frozen=True)
class TablePart:
    """An Excel Table: its name, its range (``B2:F40``) and its header/total rows."""

    name: str
    ref: str
    header_rows: int = 1
    totals_rows: int = 0


@dataclass(frozen=True)
class SheetPart:
    """A worksheet of a workbook file: its part (``xl/worksheets/sheet1.xml``)
    and its Excel Tables."""

    path: str
    tables: list[TablePart]


def table_parts(source) -> dict[str, list[TablePart]]:
    """The Excel Tables of a workbook (a path or an open ZipFile), by sheet name."""
    return {title: sheet.tables for title, sheet in sheet_parts(source).items()}


def sheet_parts(source) -> dict[str, SheetPart]:
    """The worksheets of a workbook (a path or an open ZipFile), by sheet name."""
    if isinstance(source, zipfile.ZipFile):
        return _sheet_parts(source)
    with zipfile.ZipFile(source) as archive:
        return _sheet_parts(archive)


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, SheetPart]:
    names = set(archive.namelist())
    workbook_path = _office_document(archive, names)
    workbook = ElementTree.fromstring(archive.read(workbook_path))
    targets = _relationships(archive, names, workbook_path)
    found: dict[str, SheetPart] = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        sheet_path = targets.get(sheet.get(f"{_DOC_REL}id"), (None, None))[1]
        if sheet_path is None:
            continue
        parts = []
        for kind, table_path in _relationships(archive, names, sheet_path).values():
            if not kind.endswith("/table") or table_path not in names:
                continue
            table = ElementTree.fromstring(archive.read(table_path))
            parts.append(
                TablePart(
                    name=table.get("displayName") or table.get("name") or "",
                    ref=table.get("ref") or "",
                    header_rows=int(table.get("headerRowCount", "1")),
                    totals_rows=int(table.get("totalsRowCount", "0")),
                )
            )
        found[sheet.get("name")] = SheetPart(sheet_path, parts)
    return found


def _office_document(archive: zipfile.ZipFile, names: set[str]) -> str:
    for kind, target in _relationships(archive, names, "").values():
        if kind.endswith("/officeDocument"):
            return target
    return "xl/workbook.xml"


def _relationships(archive: zipfile.ZipFile, names: set[str], part: str) -> dict:
    """A part's relationships: id -> (type, resolved part path)."""
    folder, file = posixpath.split(part)
    rels_path = posixpath.join(folder, "_rels", f"{file}.rels")
    if rels_path not in names:
        return {}
    rels = ElementTree.fromstring(archive.read(rels_path))
    result = {}
    for rel in rels.iter(f"{_REL}Relationship"):
        target = rel.get("Target") or ""
        if rel.get("TargetMode") == "External":
            continue
        if target.startswith("/"):
            resolved = target.lstrip("/")
        else:
            resolved = posixpath.normpath(posixpath.join(folder, target))
        result[rel.get("Id")] = (rel.get("Type") or "", resolved)
    return result
