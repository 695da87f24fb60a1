"""The add-in's own routes, included by xlwings-server (``router``).

- ``/cx/custom-functions-code.js``: xlwings' custom-functions JavaScript
  with two changes: an HTTP 4xx answer carrying ``excel_error`` becomes that
  Excel error (``#DIV/0!``, ``#N/A`` ...) instead of always ``#VALUE!``, and
  an error text in a spilled result (``"#NUM!"``) becomes a real error cell
  (``static/js/cx-excel-errors.js``).
  The manifest and the task pane load this URL instead of xlwings' own.
  It also posts the calls to ``/cx/custom-functions-call`` instead of
  xlwings' ``/xlwings/custom-functions-call``, and the calls Excel makes in
  one go together to ``/cx/custom-functions-batch``
  (``static/js/cx-batch.js``).
- ``/cx/custom-functions-call``: xlwings-server's own custom-functions-call
  handler (same dependencies, same code), behind the checks of
  ``cxexcel.addin_calls`` (registered functions only, argument counts, cell
  limit, 4xx answers naming the problem), with the JSON body parsed and the
  answer encoded by ``orjson`` instead of the stdlib ``json``. On a
  1,000,000-cell range the body is ~6 MB, and the stdlib parse alone took
  ~450 ms of a ~900 ms call (bench/README.md).
- ``/cx/custom-functions-batch``: many calls in one request, each checked
  and answered on its own (``cxexcel.addin_calls.batch_functions_call``).
- ``/cx/help``: the function reference, made from the catalogue (the
  manifest's support link).

The JavaScript changes are text patches of xlwings-server's file; the anchors
are checked when this module is imported, so an xlwings-server whose code
no longer matches stops the server instead of silently losing the errors
or the fast call.
"""

from __future__ import annotations

import html
from pathlib import Path

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from xlwings_server.config import PACKAGE_DIR, settings
from xlwings_server.routers.xlwings import custom_functions_code

from cxexcel import catalog
from cxexcel.addin_calls import batch_functions_call, fast_functions_call, json_response

router = APIRouter(prefix=f"{settings.app_path}/cx")

_JS = Path(__file__).resolve().parents[1] / "static" / "js"
_ERRORS_JS = (_JS / "cx-excel-errors.js").read_text()

STOCK_CALL_PATH = f"{settings.app_path}/xlwings/custom-functions-call"
CALL_PATH = f"{settings.app_path}/cx/custom-functions-call"
BATCH_PATH = f"{settings.app_path}/cx/custom-functions-batch"

_BATCH_JS = (_JS / "cx-batch.js").read_text().replace("placeholder_cx_batch_path", BATCH_PATH)

# (stock text, replacement): each stock text must occur exactly once.
_PATCHES = (
    ("return showError(errMsg);", "return showError(errMsg, data && data.excel_error);"),
    ("function showError(errorMessage) {", "function xlwingsShowError(errorMessage) {"),
    (
        f'window.location.origin + "{STOCK_CALL_PATH}",',
        f'window.location.origin + "{CALL_PATH}",',
    ),
    # Calls queued in one turn of the event loop go in one request.
    (
        "const response = await globalThis.xwRequest.post(",
        "const response = await cxBatchedPost(",
    ),
    # Error texts in a spilled result ("#NUM!" for an infinity) become real
    # Excel errors on runtimes before 1.4, where xlwings leaves them as text.
    (
        "      return result;\n    } catch (error) {",
        "      return cxExcelValues(result);\n    } catch (error) {",
    ),
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
    return js + _ERRORS_JS + _BATCH_JS


patch_custom_functions_code(
    (PACKAGE_DIR / "static" / "js" / "custom-functions" / "custom-functions-code.js")
    .read_text()
    .replace("placeholder_custom_functions_call_path", STOCK_CALL_PATH)  # as xlwings serves it
)


@router.get("/custom-functions-code.js")
async def cx_custom_functions_code():
    stock = await custom_functions_code()
    return Response(
        content=patch_custom_functions_code(stock.body.decode()),
        media_type="text/javascript",
    )


# The checked call (cxexcel.addin_calls): orjson in and out, the cyclic GC
# paused while parsing, 4xx answers for bad calls.
_json_response = json_response
router.add_api_route("/custom-functions-call", fast_functions_call, methods=["POST"])
router.add_api_route("/custom-functions-batch", batch_functions_call, methods=["POST"])


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
