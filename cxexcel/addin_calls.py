"""The add-in server's checked routes: function calls, script calls, manifest.

xlwings-server dispatches whatever ``func_name`` or script name arrives
(``getattr(module, name)``), lets a malformed body end in an HTTP 500 (after
which the connection is closed), and writes the ``Host`` header it is sent
into the manifest. The routes here take the same paths, in front of
xlwings-server's own (:func:`put_first`), and then call xlwings-server's own
handlers:

- ``POST /xlwings/custom-functions-call`` and ``/cx/custom-functions-call``
  (the one the served code posts to; ``orjson`` answers) check the body first
  (:func:`check_call`): JSON object, a registered function, ``args`` a list
  of the right length, at most ``CXEXCEL_MAX_CELLS`` cells, no lone
  surrogates. A bad call is a 4xx whose JSON names the problem (``detail``)
  and the Excel error to show (``excel_error``, ``#NAME?`` or ``#VALUE!``).
- ``POST /cx/custom-functions-batch`` takes many such calls at once
  (``{"calls": [call, ...]}``, at most ``CXEXCEL_MAX_BATCH_CALLS`` and
  ``CXEXCEL_MAX_CELLS`` cells in all) and answers each on its own:
  ``{"results": [{"result": ...}, {"status": 400, "detail": ...,
  "excel_error": ...}, ...]}``, in order. The served custom-functions code
  sends the calls Excel makes in one go this way (``static/js/cx-batch.js``):
  one request instead of one per cell.
- ``POST /xlwings/custom-scripts-call/{name}`` runs registered scripts only
  (404 for any other name, before the body is read).
- ``GET /manifest.xml`` names the configured public URL
  (``GuardSettings.public_url``), not the request's ``Host``.

Imported once xlwings-server's settings are in the environment
(``cxexcel.server.create_app``).
"""

from __future__ import annotations

import gc
import itertools
import json
import logging
import re
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any

import orjson
import xlwings as xw
from fastapi import APIRouter, HTTPException, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from xlwings_server import dependencies as dep
from xlwings_server.config import settings
from xlwings_server.routers import xlwings as xlwings_routes
from xlwings_server.templates import TemplateResponse

from .server_guard import GuardSettings

__all__ = [
    "BadCall",
    "batch_functions_call",
    "check_batch",
    "check_call",
    "count_cells",
    "loads",
    "json_response",
    "registered_functions",
    "registered_scripts",
    "configure",
    "put_first",
    "router",
    "fast_functions_call",
]

logger = logging.getLogger(__name__)

_settings = GuardSettings.from_env()


def configure(guard: GuardSettings) -> None:
    """Use ``guard``'s limits and public URL from now on."""
    global _settings
    _settings = guard


class BadCall(Exception):
    """A request the server refuses: its HTTP status, message and Excel error."""

    def __init__(self, status: int, detail: str, excel_error: str = "#VALUE!") -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.excel_error = excel_error

    def response(self) -> JSONResponse:
        """The JSON answer: ``detail`` (shown on hover) and ``excel_error``."""
        return JSONResponse(
            {"detail": self.detail, "excel_error": self.excel_error}, status_code=self.status
        )

    def item(self) -> dict:
        """The answer as one item of a batch's results: the status beside it."""
        return {"status": self.status, "detail": self.detail, "excel_error": self.excel_error}


def _shown(value: object, limit: int = 60) -> str:
    """``value`` for a message: its repr, one line, cut at ``limit`` characters."""
    text = repr(value).encode("unicode_escape", "backslashreplace").decode("ascii")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _json_type(value: object) -> str:
    names = {type(None): "null", bool: "true/false", int: "a number", float: "a number"}
    names |= {str: "text", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


# -- JSON in and out ---------------------------------------------------------


def loads(body: bytes) -> Any:
    """``body`` parsed as JSON, by ``orjson``, else by the stdlib.

    The cyclic garbage collector is paused while parsing: a 1,000,000-cell
    range is a million small lists, and the collector ran again and again
    over the growing heap (~200 of ~280 ms, bench/README.md); a parse makes
    no cycles. What ``orjson`` refuses and the stdlib reads (``NaN``, huge
    integers, UTF-16 bodies) goes to the stdlib, which must then hold no lone
    surrogates. An empty body, invalid JSON and lone surrogates are
    :class:`BadCall` (400).
    """
    if not body.strip():
        raise BadCall(400, "the request body is empty: send the call as a JSON object")
    paused = gc.isenabled()
    if paused:
        gc.disable()
    try:
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
        try:
            data = json.loads(body)
        except (ValueError, RecursionError) as error:  # JSONDecodeError, bad encodings
            raise BadCall(400, f"the request body is not valid JSON ({error})") from None
    finally:
        if paused:
            gc.enable()
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise BadCall(
            400, "a text value holds a lone surrogate (such as \\ud800), which is not text"
        ) from None
    except (ValueError, RecursionError):
        pass
    return data


_ORJSON_OPTIONS = (
    orjson.OPT_PASSTHROUGH_DATETIME
    | orjson.OPT_PASSTHROUGH_DATACLASS
    | orjson.OPT_PASSTHROUGH_SUBCLASS
)


def _not_plain(value: object) -> None:
    raise TypeError(type(value).__name__)


def json_response(content: object) -> Response:
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


def _stock_response(content: object) -> Response:
    """``content`` as xlwings-server's route answers it (FastAPI's encoding)."""
    return JSONResponse(jsonable_encoder(content))


# -- what may be called ------------------------------------------------------


def registered_functions(module: ModuleType) -> dict[str, Callable]:
    """The functions of ``module`` Excel may call: public names in its
    ``__all__`` carrying xlwings' ``@func`` metadata."""
    found = {}
    for name in getattr(module, "__all__", ()):
        function = getattr(module, name, None)
        if (
            isinstance(name, str)
            and not name.startswith("_")
            and callable(function)
            and isinstance(getattr(function, "__xlfunc__", None), dict)
        ):
            found[name] = function
    return found


def registered_scripts(module: ModuleType) -> frozenset[str]:
    """The scripts of ``module`` a ribbon button may run: public names in its
    ``__all__`` carrying xlwings' ``@script`` metadata."""
    return frozenset(
        name
        for name in getattr(module, "__all__", ())
        if isinstance(name, str)
        and not name.startswith("_")
        and getattr(getattr(module, name, None), "__xlscript__", None) is not None
    )


def count_cells(args: list) -> int:
    """The cells of a call's arguments: a matrix counts its cells, a lone value one."""
    total = 0
    for arg in args:
        if type(arg) is list:
            total += sum(len(row) if type(row) is list else 1 for row in arg)
        elif arg is not None:
            total += 1
    return total


# An error cell arrives as an object ({"type": "Error", "basicValue": "#N/A"}).
_CELL_TYPES = frozenset({str, int, float, bool, type(None), dict})


def _plain_range(arg: object) -> bool:
    """Whether ``arg`` is a list of rows of equal length holding cell values:
    the shape Excel sends, checked at C speed (a million rows in ~30 ms)."""
    if type(arg) is not list or not arg:
        return False
    if set(map(type, arg)) != {list} or len(set(map(len, arg))) != 1:
        return False
    return set(map(type, itertools.chain.from_iterable(arg))) <= _CELL_TYPES


def _check_shapes(name: str, args: list) -> None:
    """Raise :class:`BadCall` unless each argument is a cell value or a range
    as Excel sends one: a list of rows, each a list of cell values."""
    for position, arg in enumerate(args, start=1):
        if type(arg) in _CELL_TYPES or _plain_range(arg):
            continue
        what = f"CX.{name.upper()}: argument {position}"
        if type(arg) is not list:
            raise BadCall(400, f"{what} must be a cell value or a range, not {_json_type(arg)}")
        width = None
        for row in arg:
            if type(row) is not list:
                # A list of values: one row, as hand-made calls send it.
                if not set(map(type, arg)) <= _CELL_TYPES:
                    raise BadCall(400, f"{what} mixes rows and cell values")
                break
            if not set(map(type, row)) <= _CELL_TYPES:
                raise BadCall(
                    400, f"{what} is nested too deeply: a range is a list of rows of cell values"
                )
            if width is None:
                width = len(row)
            elif len(row) != width:
                raise BadCall(400, f"{what} has rows of different lengths ({width} and {len(row)})")


_RUNTIME = re.compile(r"\d{1,3}(\.\d{1,3})?")
_REQUIRED_TEXT = ("client", "version", "runtime")
_OPTIONAL_TEXT = ("caller_address", "culture_info_name", "date_format", "session_id")


def _arity(name: str, function: Callable, given: int) -> None:
    """Raise :class:`BadCall` unless ``function`` takes ``given`` arguments."""
    specs = function.__xlfunc__.get("args", [])
    if any(spec.get("vararg") for spec in specs):
        most = None
    else:
        most = len(specs)
    least = max((i + 1 for i, spec in enumerate(specs) if "optional" not in spec), default=0)
    if least <= given and (most is None or given <= most):
        return
    names = ", ".join(
        spec["name"] if "optional" not in spec else f"[{spec['name']}]" for spec in specs
    )
    if most is None:
        takes = f"at least {least}"
    elif least == most:
        takes = str(least)
    else:
        takes = f"{least} to {most}"
    raise BadCall(
        400,
        f"CX.{name.upper()} takes {takes} argument{'s' if takes != '1' else ''} "
        f"({names}), not {given}",
    )


def check_call(data: object, functions: Mapping[str, Callable], max_cells: int) -> Callable:
    """The function a call body asks for, once the body is one Excel could send.

    Raises :class:`BadCall`: 400 for a body that is not an object, a missing
    or non-text ``func_name``, ``args`` missing or not a list, a wrong number
    of arguments or bad metadata; 404 (``#NAME?``) for a name that is not a
    registered function; 413 for more than ``max_cells`` cells.
    """
    if not isinstance(data, dict):
        raise BadCall(
            400,
            f"the request body must be a JSON object with func_name and args, not {_json_type(data)}",
        )
    if "func_name" not in data:
        raise BadCall(400, "func_name is missing: name the function to call", "#NAME?")
    name = data["func_name"]
    if not isinstance(name, str):
        raise BadCall(400, f"func_name must be text, not {_json_type(name)}", "#NAME?")
    function = functions.get(name)
    if function is None:
        raise BadCall(404, f"there is no CX function {_shown(name)}", "#NAME?")
    if "args" not in data:
        raise BadCall(400, f"args is missing: CX.{name.upper()} needs its arguments as a list")
    args = data["args"]
    if not isinstance(args, list):
        raise BadCall(400, f"args must be a list of arguments, not {_json_type(args)}")
    _arity(name, function, len(args))
    for key in _REQUIRED_TEXT:
        if not isinstance(data.get(key), str):
            raise BadCall(400, f"{key} must be text, not {_json_type(data.get(key))}")
    if not _RUNTIME.fullmatch(data["runtime"]):
        raise BadCall(400, f"runtime must be a version such as 1.4, not {_shown(data['runtime'])}")
    for key in _OPTIONAL_TEXT:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise BadCall(400, f"{key} must be text or null, not {_json_type(data[key])}")
    cells = count_cells(args)
    if cells > max_cells:
        raise BadCall(
            413,
            f"CX.{name.upper()}: {cells:,} cells are more than the server's limit of "
            f"{max_cells:,} cells per call",
        )
    _check_shapes(name, args)
    return function


def check_batch(data: object, max_calls: int, max_cells: int) -> list:
    """The calls of a batch body (``{"calls": [...]}``), once its size is allowed.

    Raises :class:`BadCall`: 400 for a body that is not an object with a
    non-empty list ``calls``, 413 for more than ``max_calls`` calls or more
    than ``max_cells`` cells in all. Each call is checked on its own later
    (:func:`check_call`), so one bad call fails only its own cell.
    """
    if not isinstance(data, dict) or "calls" not in data:
        raise BadCall(
            400, f"a batch must be a JSON object with a list of calls, not {_json_type(data)}"
        )
    calls = data["calls"]
    if not isinstance(calls, list) or not calls:
        raise BadCall(400, f"calls must be a non-empty list of function calls, not {_shown(calls)}")
    if len(calls) > max_calls:
        raise BadCall(
            413,
            f"{len(calls):,} calls are more than the server's limit of {max_calls:,} "
            "calls per batch",
        )
    cells = sum(
        count_cells(call["args"])
        for call in calls
        if isinstance(call, dict) and isinstance(call.get("args"), list)
    )
    if cells > max_cells:
        raise BadCall(
            413,
            f"{cells:,} cells are more than the server's limit of {max_cells:,} cells per batch",
        )
    return calls


# -- the routes --------------------------------------------------------------


def _sanitized(text: object) -> str:
    return xlwings_routes.sanitize_log_input(text)[:200]


async def _run_call(data: dict, current_user: Any, redis_client: Any) -> object:
    """A checked call run by xlwings-server's own handler: its answer, or its exception."""
    return await xlwings_routes.custom_functions_call(
        current_user=current_user, redis_client=redis_client, data=data
    )


def _failed(name: str, error: Exception) -> BadCall:
    """An unexpected exception of a call as a 400 naming the function (logged in full)."""
    logger.exception("function call %s failed", _sanitized(name))
    return BadCall(400, f"CX.{name.upper()}: the call failed ({type(error).__name__})")


async def _functions_call(
    request: Request,
    current_user: Any,
    redis_client: Any,
    respond: Callable[[object], Response],
) -> Response:
    """A checked function call, answered by ``respond``."""
    body = await request.body()  # past the body limit this raises, for RequestGuard's 413
    try:
        data = loads(body)
        check_call(
            data,
            registered_functions(xlwings_routes.custom_functions),
            _settings.max_cells,
        )
    except BadCall as bad:
        logger.info("refused a function call: %s", _sanitized(bad.detail))
        return bad.response()
    name = data["func_name"]
    try:
        return respond(await _run_call(data, current_user, redis_client))
    except (HTTPException, xw.XlwingsError):
        raise  # xlwings-server's handlers answer these with a 4xx/503
    except Exception as error:
        from cxexcel.excel.convert import ExcelError

        if isinstance(error, ExcelError):
            raise  # cxexcel.server's handler: 400 with its Excel error
        return _failed(name, error).response()


async def _batch_item(
    call: object, functions: Mapping[str, Callable], current_user: Any, redis_client: Any
) -> object:
    """One call of a batch answered as the single route would, as a result item:
    ``{"result": ...}``, or ``{"status", "detail", "excel_error"}`` for an error."""
    from xlwings_server.object_handles import XlwingsOperationalError

    from cxexcel.excel.convert import ExcelError

    try:
        check_call(call, functions, _settings.max_cells)
    except BadCall as bad:
        return bad.item()
    name = call["func_name"]
    try:
        return await _run_call(call, current_user, redis_client)
    except ExcelError as error:
        return {"status": 400, "detail": error.message, "excel_error": error.code}
    except HTTPException as error:
        return {"status": error.status_code, "detail": str(error.detail), "excel_error": "#VALUE!"}
    except XlwingsOperationalError as error:  # transient: 503, which the served code retries
        return {"status": 503, "detail": str(error), "excel_error": "#VALUE!"}
    except xw.XlwingsError as error:
        return {"status": 400, "detail": str(error), "excel_error": "#VALUE!"}
    except Exception as error:
        return _failed(name, error).item()


async def batch_functions_call(
    request: Request, current_user: dep.User, redis_client: dep.RedisClient
) -> Response:
    """``POST /cx/custom-functions-batch``: many checked calls, each answered on its own."""
    body = await request.body()
    try:
        calls = check_batch(loads(body), _settings.max_batch_calls, _settings.max_cells)
    except BadCall as bad:
        logger.info("refused a batch of function calls: %s", _sanitized(bad.detail))
        return bad.response()
    functions = registered_functions(xlwings_routes.custom_functions)
    results = [await _batch_item(call, functions, current_user, redis_client) for call in calls]
    return json_response({"results": results})


async def stock_functions_call(
    request: Request, current_user: dep.User, redis_client: dep.RedisClient
) -> Response:
    """``POST /xlwings/custom-functions-call``, checked, answered as xlwings does."""
    return await _functions_call(request, current_user, redis_client, _stock_response)


async def fast_functions_call(
    request: Request, current_user: dep.User, redis_client: dep.RedisClient
) -> Response:
    """``POST /cx/custom-functions-call``, checked, answered by ``orjson``."""
    return await _functions_call(request, current_user, redis_client, json_response)


async def scripts_call(script_name: str, request: Request, current_user: dep.User) -> Response:
    """``POST /xlwings/custom-scripts-call/{script_name}`` for registered scripts only."""
    if script_name not in registered_scripts(xlwings_routes.custom_scripts):
        return BadCall(404, f"there is no CX script {_shown(script_name)}", "#NAME?").response()
    body = await request.body()
    try:
        data = loads(body)
        if not isinstance(data, dict):
            raise BadCall(400, f"the request body must be a JSON object, not {_json_type(data)}")
        args = data.pop("args", None)
        if args is None:
            args = []
        if not isinstance(args, list):
            raise BadCall(400, f"args must be a list, not {_json_type(args)}")
        try:
            book = xw.Book(json=data)
        except Exception as error:
            raise BadCall(400, f"the body is not a workbook as Excel sends it ({error})") from None
    except BadCall as bad:
        return bad.response()
    try:
        return await xlwings_routes.custom_scripts_call(
            script_name=script_name, args=args, book=book, current_user=current_user
        )
    except (HTTPException, xw.XlwingsError):
        raise
    except Exception as error:
        logger.exception("script %s failed", _sanitized(script_name))
        return BadCall(400, f"the script {script_name} failed ({type(error).__name__})").response()
    finally:
        book.close()


def _base_url(request: Request) -> str:
    """The URL the manifest names: the configured public URL, else the request's
    (its ``Host`` already checked against the allowed hosts)."""
    if _settings.public_url:
        return _settings.public_url
    base_url = str(request.base_url)
    if request.headers.get("x-forwarded-proto") == "https":
        base_url = base_url.replace("http://", "https://", 1)
    return base_url.rstrip("/")


def _manifest_response(request: Request, download: bool) -> Response:
    base_url = _base_url(request)
    manifest_id = getattr(settings, f"manifest_id_{settings.environment}")
    headers = {}
    if download:
        stem = re.sub(r"[^a-z0-9]+", "-", settings.project_name.lower()).strip("-")
        headers["Content-Disposition"] = f"attachment; filename={stem}-{settings.environment}.xml"
    return TemplateResponse(
        request=request,
        name="manifest.xml",
        context={
            "settings": settings,
            "base_url": base_url,
            "base_url_with_app_path": f"{base_url}{settings.app_path}",
            "manifest_id": manifest_id,
        },
        media_type="text/plain",
        headers=headers,
    )


async def manifest(request: Request) -> Response:
    """The add-in manifest, naming the configured public URL."""
    return _manifest_response(request, download=False)


async def manifest_download(request: Request) -> Response:
    """The add-in manifest as a file download."""
    return _manifest_response(request, download=True)


router = APIRouter(prefix=settings.app_path)
router.add_api_route("/xlwings/custom-functions-call", stock_functions_call, methods=["POST"])
router.add_api_route("/xlwings/custom-scripts-call/{script_name}", scripts_call, methods=["POST"])
router.add_api_route("/manifest", manifest, methods=["GET"])
router.add_api_route("/manifest.xml", manifest, methods=["GET"])
router.add_api_route("/manifest/download", manifest_download, methods=["GET"])


def put_first(app: Any) -> None:
    """Include :data:`router` in ``app`` ahead of every other route, so its
    routes answer their paths instead of xlwings-server's."""
    if any(getattr(route, "original_router", None) is router for route in app.router.routes):
        return
    app.include_router(router)
    app.router.routes.insert(0, app.router.routes.pop())
