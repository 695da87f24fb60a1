"""The add-in's own routes, included by xlwings-server (``router``).

- ``/cx/custom-functions-code.js``: xlwings' custom-functions JavaScript
  with one change: an HTTP 400 answer carrying ``excel_error`` becomes that
  Excel error (``#DIV/0!``, ``#N/A`` ...) instead of always ``#VALUE!``.
  The manifest and the task pane load this URL instead of xlwings' own.
  It also posts the calls to ``/cx/custom-functions-call`` instead of
  xlwings' ``/xlwings/custom-functions-call``.
- ``/cx/custom-functions-call``: xlwings-server's own custom-functions-call
  handler (same dependencies, same code, same errors), with the JSON body
  parsed and the answer encoded by ``orjson`` instead of the stdlib ``json``.
  On a 1,000,000-cell range the body is ~6 MB, and the stdlib parse alone
  took ~450 ms of a ~900 ms call (bench/README.md).
- ``/cx/help``: the function reference, made from the catalogue (the
  manifest's support link).

The JavaScript changes are text patches of xlwings-server's file; the anchors
are checked when this module is imported, so an xlwings-server whose code
no longer matches stops the server instead of silently losing the errors
or the fast call.
"""

from __future__ import annotations

import gc
import html
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import orjson
from fastapi import APIRouter, Body, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.routing import APIRoute
from xlwings_server import dependencies as dep
from xlwings_server.config import PACKAGE_DIR, settings
from xlwings_server.routers.xlwings import custom_functions_call, custom_functions_code

from cxexcel import catalog

router = APIRouter(prefix=f"{settings.app_path}/cx")

_ERRORS_JS = (
    Path(__file__).resolve().parents[1] / "static" / "js" / "cx-excel-errors.js"
).read_text()

STOCK_CALL_PATH = f"{settings.app_path}/xlwings/custom-functions-call"
CALL_PATH = f"{settings.app_path}/cx/custom-functions-call"

# (stock text, replacement): each stock text must occur exactly once.
_PATCHES = (
    ("return showError(errMsg);", "return showError(errMsg, data && data.excel_error);"),
    ("function showError(errorMessage) {", "function xlwingsShowError(errorMessage) {"),
    (
        f'window.location.origin + "{STOCK_CALL_PATH}",',
        f'window.location.origin + "{CALL_PATH}",',
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
    return js + _ERRORS_JS


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


class _OrjsonRequest(Request):
    """A request whose JSON body is parsed by ``orjson``.

    What ``orjson`` refuses and the stdlib accepts (``NaN``, integers beyond
    64 bits, lone surrogates, UTF-16/32 bodies) goes to the stdlib, as does
    invalid JSON, so FastAPI raises the very ``JSONDecodeError`` (HTTP 422)
    it raises on xlwings' route.
    """

    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            self._json = _loads(body)
        return self._json


def _loads(body: bytes) -> Any:
    """``body`` parsed by ``orjson``, else by the stdlib, with the cyclic GC paused.

    A 1,000,000-cell range is a million one-cell lists: while they are made,
    the cyclic garbage collector runs again and again over the growing heap,
    which took ~200 of the ~280 ms of a parse (bench/README.md). A parse
    makes no reference cycles, so there is nothing for it to find; it runs
    again once the parse is done. No ``await`` in between, so no other
    request runs while it is paused.
    """
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            return json.loads(body)
    finally:
        if paused:
            gc.enable()


class _OrjsonRoute(APIRoute):
    """An ``APIRoute`` whose handler sees an :class:`_OrjsonRequest`.

    Everything else (content-type rules, body validation, dependencies,
    error answers) is FastAPI's own, as on xlwings' route.
    """

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def orjson_handler(request: Request) -> Response:
            return await handler(_OrjsonRequest(request.scope, request.receive))

        return orjson_handler


_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _not_plain(value: object) -> None:
    raise TypeError(type(value).__name__)


def _json_response(content: object) -> Response:
    """``content`` as FastAPI answers a returned value, encoded by ``orjson``.

    Only plain JSON values (dict, list, str, int, float, bool) are encoded by
    ``orjson``. Anything else, and any answer holding ``null`` (``orjson``
    writes ``None``, ``NaN`` and infinities all as ``null``, where the stdlib
    refuses the last two), takes FastAPI's own way (``jsonable_encoder`` and
    ``JSONResponse``), so the answer, or the error, is what xlwings' route
    gives. Numbers may be spelt differently (``1e16`` for ``1e+16``) but
    parse to the same values.
    """
    try:
        encoded = orjson.dumps(content, default=_not_plain, option=_ORJSON_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError included
        encoded = None
    if encoded is None or b"null" in encoded:
        return JSONResponse(jsonable_encoder(content))
    return Response(content=encoded, media_type="application/json")


async def cx_custom_functions_call(
    current_user: dep.User,
    redis_client: dep.RedisClient,
    # ``= Body`` (not ``Body()``) as in xlwings' route, so that an empty body
    # fails here as it fails there.
    data: dict = Body,
):
    """xlwings-server's ``custom_functions_call``, with ``orjson`` for the JSON."""
    answer = await custom_functions_call(
        current_user=current_user, redis_client=redis_client, data=data
    )
    return _json_response(answer)


router.add_api_route(
    "/custom-functions-call",
    cx_custom_functions_call,
    methods=["POST"],
    route_class_override=_OrjsonRoute,
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
