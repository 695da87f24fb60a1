"""The add-in's own routes, included by xlwings-server (``router``).

- ``/cx/custom-functions-code.js``: xlwings' custom-functions JavaScript
  with one change: an HTTP 400 answer carrying ``excel_error`` becomes that
  Excel error (``#DIV/0!``, ``#N/A`` ...) instead of always ``#VALUE!``.
  The manifest and the task pane load this URL instead of xlwings' own.
- ``/cx/help``: the function reference, made from the catalogue (the
  manifest's support link).

The JavaScript change is a text patch of xlwings-server's file; the anchors
are checked when this module is imported, so an xlwings-server whose code
no longer matches stops the server instead of silently losing the errors.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from xlwings_server.config import PACKAGE_DIR, settings
from xlwings_server.routers.xlwings import custom_functions_code

from cxexcel import catalog

router = APIRouter(prefix=f"{settings.app_path}/cx")

_ERRORS_JS = (
    Path(__file__).resolve().parents[1] / "static" / "js" / "cx-excel-errors.js"
).read_text()

# (stock text, replacement): each stock text must occur exactly once.
_PATCHES = (
    ("return showError(errMsg);", "return showError(errMsg, data && data.excel_error);"),
    ("function showError(errorMessage) {", "function xlwingsShowError(errorMessage) {"),
)


def patch_custom_functions_code(js: str) -> str:
    """xlwings' custom-functions code with Excel errors mapped by ``excel_error``."""
    for stock, replacement in _PATCHES:
        if js.count(stock) != 1:
            raise RuntimeError(
                f"xlwings-server's custom-functions code changed: {stock!r} is not found "
                "exactly once, so cxexcel cannot map errors to #DIV/0!, #N/A, #NUM!"
            )
        js = js.replace(stock, replacement)
    return js + _ERRORS_JS


patch_custom_functions_code(
    (PACKAGE_DIR / "static" / "js" / "custom-functions" / "custom-functions-code.js").read_text()
)


@router.get("/custom-functions-code.js")
async def cx_custom_functions_code():
    stock = await custom_functions_code()
    return Response(
        content=patch_custom_functions_code(stock.body.decode()),
        media_type="text/javascript",
    )


@router.get("/help", response_class=HTMLResponse)
async def cx_help():
    rows = []
    for entry in catalog.functions():
        arguments = "".join(
            f"<li><code>{html.escape(arg.name)}</code>"
            f"{' (optional)' if arg.optional else ''}: {html.escape(arg.description)}</li>"
            for arg in entry.args
        )
        rows.append(
            f'<h2 id="{entry.name}"><code>{html.escape(entry.signature)}</code></h2>'
            f"<p>{html.escape(entry.summary)}</p><ul>{arguments}</ul>"
        )
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>CX Metrics functions</title></head><body><h1>CX Metrics functions</h1>"
        + "".join(rows)
        + "</body></html>"
    )
