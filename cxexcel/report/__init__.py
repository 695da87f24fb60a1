"""Metric sheets: a builder that describes them and writers that render them.

``build_report(tables)`` turns validated input tables into a
:class:`~cxexcel.report.model.Report`; ``write_workbook(report, path)``
renders it to an .xlsx file with openpyxl. The xlwings writer renders the
same report into an open workbook.
"""

from __future__ import annotations

from .model import Report, Sheet

__all__ = ["Report", "Sheet", "build_report", "write_workbook"]


def __getattr__(name: str):
    # Imported on first use so that reading the model needs neither the
    # metric core nor openpyxl.
    if name == "build_report":
        from .build import build_report

        return build_report
    if name == "write_workbook":
        from .openpyxl_writer import write_workbook

        return write_workbook
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
