"""The Office.js add-in server: xlwings Server with the ``=CX.*`` functions.

``run()`` starts the `xlwings-server` FastAPI app with ``cxexcel/addin`` as
its project directory, which plugs in our functions (``custom_functions``),
the ribbon scripts (``custom_scripts``), the manifest with the ``CX``
namespace and the ``CX Metrics`` ribbon tab (``templates/``), the ribbon
JavaScript (``static/js/ribbon.js``) and our routes (``routers/custom.py``).

Settings are xlwings-server's ``XLWINGS_*`` environment variables; this
module only fixes what makes the add-in ours (project directory, namespace
``CX``) and defaults the rest (environment ``prod``, project name, manifest
ids). The limits and hosts are ``CXEXCEL_*`` settings
(``cxexcel.server_guard.GuardSettings``). xlwings Server is licensed under PolyForm Noncommercial 1.0.0 or the
commercial xlwings PRO licence: ``XLWINGS_LICENSE_KEY`` must be set, to
``noncommercial`` or to a PRO key.

Run it with ``cxexcel serve`` or ``python -m cxexcel.server --port 8000``.
Excel outside the web needs HTTPS: pass a certificate (``--ssl-certfile``,
``--ssl-keyfile``, or ``CXEXCEL_SSL_CERTFILE``/``CXEXCEL_SSL_KEYFILE``).
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path

__all__ = ["ADDIN_DIR", "create_app", "run", "main"]

ADDIN_DIR = Path(__file__).resolve().parent / "addin"
"""The xlwings-server project directory shipped in the package."""

_FIXED = {
    "XLWINGS_PROJECT_DIR": str(ADDIN_DIR),
    "XLWINGS_FUNCTIONS_NAMESPACE": "CX",
}
_DEFAULTS = {
    "XLWINGS_ENVIRONMENT": "prod",
    "XLWINGS_PROJECT_NAME": "CX Metrics",
    # Our own add-in ids, so the add-in does not collide with other xlwings add-ins.
    "XLWINGS_MANIFEST_ID_PROD": "8fa4018e-73e0-450c-88f4-06c6a05b1782",
    "XLWINGS_MANIFEST_ID_DEV": "14c95db5-ac47-4502-9204-67872be15690",
    "XLWINGS_ENABLE_SOCKETIO": "false",
}

_LICENCE_HELP = (
    "xlwings Server needs XLWINGS_LICENSE_KEY: set it to 'noncommercial' for "
    "noncommercial use (PolyForm Noncommercial 1.0.0) or to your xlwings PRO key "
    "for commercial use (https://www.xlwings.org/pricing)."
)

logger = logging.getLogger(__name__)


def create_app(public_url: str | None = None):
    """The ASGI app of the add-in server (xlwings-server configured for cxexcel),
    hardened by ``cxexcel.server_guard``: contained static files, bounded
    requests, checked calls, trusted hosts.

    ``public_url`` is the URL the manifest names when ``CXEXCEL_PUBLIC_URL``
    does not set one (``run`` passes the URL it listens on).
    """
    if not os.environ.get("XLWINGS_LICENSE_KEY"):
        raise SystemExit(_LICENCE_HELP)
    os.environ.update(_FIXED)
    for name, value in _DEFAULTS.items():
        os.environ.setdefault(name, value)
    if public_url and not os.environ.get("XLWINGS_HOSTNAME"):
        os.environ.setdefault("CXEXCEL_PUBLIC_URL", public_url)
    from .server_guard import GuardSettings, harden

    guard = GuardSettings.from_env()
    # xlwings-server reads its settings and imports the project's modules on import.
    from xlwings_server import main as server_main

    from .excel.convert import ExcelError

    app = server_main.app
    if ExcelError not in app.exception_handlers:
        app.add_exception_handler(ExcelError, _excel_error_response)
    return harden(app, server_main.main_app, guard)


def _listening_url(host: str, port: int, https: bool) -> str:
    """The URL of a server listening on ``host``: ``localhost`` for all interfaces."""
    if host in ("", "0.0.0.0", "::"):
        host = "localhost"
    elif ":" in host:
        host = f"[{host}]"
    return f"{'https' if https else 'http'}://{host}:{port}"


async def _excel_error_response(request, error):
    """HTTP 400 with the message (shown on hover) and the Excel error to show.

    xlwings' own JavaScript reads ``detail``; our custom-functions code
    (``routers/custom.py``) also reads ``excel_error``.
    """
    from fastapi.responses import JSONResponse

    logger.info("%s %s", error.code, error.message)
    return JSONResponse({"detail": error.message, "excel_error": error.code}, status_code=400)


def run(
    host: str = "127.0.0.1",
    port: int = 8000,
    *,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
) -> None:
    """Serve the add-in until interrupted.

    The manifest for Excel is then at ``https://<host>:<port>/manifest.xml``.
    Without a certificate the server speaks plain HTTP, which is enough for
    tests and tools but not for Excel, which loads add-ins over HTTPS only.
    """
    import uvicorn

    ssl_certfile = ssl_certfile or os.environ.get("CXEXCEL_SSL_CERTFILE")
    ssl_keyfile = ssl_keyfile or os.environ.get("CXEXCEL_SSL_KEYFILE")
    app = create_app(public_url=_listening_url(host, port, bool(ssl_certfile)))
    uvicorn.run(
        app,
        host=host,
        port=port,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
        log_level=os.environ.get("XLWINGS_LOG_LEVEL", "info").lower(),
    )


def main(argv: list[str] | None = None) -> None:
    """``python -m cxexcel.server [--host 127.0.0.1] [--port 8000]``."""
    parser = argparse.ArgumentParser(prog="python -m cxexcel.server", description=run.__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--ssl-certfile")
    parser.add_argument("--ssl-keyfile")
    options = parser.parse_args(argv)
    run(
        options.host,
        options.port,
        ssl_certfile=options.ssl_certfile,
        ssl_keyfile=options.ssl_keyfile,
    )


if __name__ == "__main__":
    main()
