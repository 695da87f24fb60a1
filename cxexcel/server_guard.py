"""What keeps the add-in server safe under attack: settings, static-file
containment, request bounds, trusted hosts.

- :class:`GuardSettings`: the ``CXEXCEL_*`` settings of the server's limits
  (body size, cells per function call, public URL, allowed hosts).
- :class:`ContainedStaticFiles`: static files served from a list of folders
  (the add-in's own first, then xlwings-server's), never a file outside them:
  the path is resolved (``..``, symlinks) and must stay inside its folder.
- :class:`RequestGuard`: pure ASGI middleware that answers 415 to a POST whose
  body is not JSON and 413 to a body over the limit, by its
  ``Content-Length`` before a byte is read, or by counting the bytes of a
  streamed (chunked) body as they arrive.
- :func:`harden`: puts all of it, and Starlette's ``TrustedHostMiddleware``,
  around the xlwings-server app, and puts the checked routes of
  ``cxexcel.addin_calls`` in front of xlwings-server's own.
"""

from __future__ import annotations

import json
import logging
import os
import stat
from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from starlette.staticfiles import StaticFiles

__all__ = [
    "GuardSettings",
    "ContainedStaticFiles",
    "RequestGuard",
    "harden",
    "DEFAULT_MAX_BODY_BYTES",
    "DEFAULT_MAX_CELLS",
    "DEFAULT_MAX_BATCH_CALLS",
]

logger = logging.getLogger(__name__)

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

DEFAULT_MAX_BODY_BYTES = 64 * 1024 * 1024
"""64 MiB: ten times the ~6 MB body of a 1,000,000-cell range."""

DEFAULT_MAX_CELLS = 5_000_000
"""Cells per function call, over all its arguments (and per batch of calls)."""

DEFAULT_MAX_BATCH_CALLS = 1_000
"""Function calls in one batch (``POST /cx/custom-functions-batch``)."""

_LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def _positive_int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip().replace("_", "")
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {raw!r}") from None
    if value <= 0:
        raise SystemExit(f"{name} must be positive, not {value}")
    return value


@dataclass(frozen=True)
class GuardSettings:
    """The server's limits, from ``CXEXCEL_*`` environment variables.

    - ``CXEXCEL_MAX_BODY_BYTES`` (default 64 MiB): the largest request body.
    - ``CXEXCEL_MAX_CELLS`` (default 5,000,000): the most cells one function
      call may pass, over all its arguments; a batch of calls no more in all.
    - ``CXEXCEL_MAX_BATCH_CALLS`` (default 1,000): the most function calls
      one batch may hold.
    - ``CXEXCEL_PUBLIC_URL``: the URL the manifest names
      (``https://cx.example.com``); ``cxexcel serve`` defaults it to the URL it
      listens on, and else ``XLWINGS_HOSTNAME`` gives ``https://<hostname>``.
    - ``CXEXCEL_ALLOWED_HOSTS``: comma-separated ``Host`` names the server
      answers (``*.example.com`` allowed); by default localhost, 127.0.0.1,
      ::1 and the public URL's host.
    """

    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_cells: int = DEFAULT_MAX_CELLS
    max_batch_calls: int = DEFAULT_MAX_BATCH_CALLS
    public_url: str | None = None
    allowed_hosts: tuple[str, ...] = field(default=_LOCAL_HOSTS)

    @classmethod
    def from_env(cls) -> GuardSettings:
        """The settings of the environment (see the class docstring)."""
        public_url = os.environ.get("CXEXCEL_PUBLIC_URL", "").strip().rstrip("/") or None
        if public_url is None and os.environ.get("XLWINGS_HOSTNAME"):
            public_url = f"https://{os.environ['XLWINGS_HOSTNAME'].strip().rstrip('/')}"
        if public_url is not None:
            parts = urlsplit(public_url)
            if parts.scheme not in ("http", "https") or not parts.hostname:
                raise SystemExit(f"CXEXCEL_PUBLIC_URL must be an http(s) URL, not {public_url!r}")
        hosts = [h.strip() for h in os.environ.get("CXEXCEL_ALLOWED_HOSTS", "").split(",")]
        hosts = [h for h in hosts if h]
        if not hosts:
            hosts = list(_LOCAL_HOSTS)
            if public_url is not None:
                hosts.append(urlsplit(public_url).hostname)
        return cls(
            max_body_bytes=_positive_int("CXEXCEL_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES),
            max_cells=_positive_int("CXEXCEL_MAX_CELLS", DEFAULT_MAX_CELLS),
            max_batch_calls=_positive_int("CXEXCEL_MAX_BATCH_CALLS", DEFAULT_MAX_BATCH_CALLS),
            public_url=public_url,
            allowed_hosts=tuple(dict.fromkeys(hosts)),
        )


class ContainedStaticFiles(StaticFiles):
    """Static files from ``directories`` (first match wins), each request
    confined to the folder it is found in.

    A path is refused (404) when it is absolute, holds a backslash, a NUL
    byte or a ``..`` part, or resolves (symlinks followed) to a place outside
    its folder; only regular files are served.
    """

    def __init__(self, directories: list[Path], **kwargs: Any) -> None:
        self.directories = [Path(d).resolve() for d in directories]
        super().__init__(directory=str(self.directories[-1]), **kwargs)

    def lookup_path(self, path: str) -> tuple[str, os.stat_result | None]:
        if not path or "\x00" in path or "\\" in path or os.path.isabs(path):
            return "", None
        if ".." in Path(path).parts:  # Starlette has normalised the path: this climbs out
            return "", None
        for directory in self.directories:
            try:
                candidate = (directory / path).resolve()
            except (OSError, RuntimeError, ValueError):  # symlink loops, bad names
                continue
            if not candidate.is_relative_to(directory):
                continue
            try:
                found = os.stat(candidate)
            except (OSError, ValueError):
                continue
            if stat.S_ISREG(found.st_mode):
                return str(candidate), found
        return "", None


class _BodyTooLarge(Exception):
    """Raised into the app when a streamed body goes past the limit."""


def _json_answer(status: int, detail: str, *, close: bool = False) -> tuple[Message, Message]:
    """The two ASGI messages of a JSON error answer Excel's code can show."""
    body = json.dumps({"detail": detail, "excel_error": "#VALUE!"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
    ]
    if close:
        headers.append((b"connection", b"close"))
    return (
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return value.decode("latin-1")
    return None


def _is_json(content_type: str | None) -> bool:
    if not content_type:
        return False
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


class RequestGuard:
    """Pure ASGI middleware bounding each HTTP request before the app parses it.

    - A POST, PUT or PATCH whose ``Content-Type`` is not JSON gets 415 (a
      cross-site form or ``text/plain`` POST never reaches a script). Its
      body, if small enough, is read and dropped first, so the keep-alive
      connection stays usable.
    - A ``Content-Length`` over ``max_body_bytes`` gets 413 at once, nothing
      read.
    - Otherwise the body's bytes are counted as the app reads them; past the
      limit the app's reading fails, whatever it would answer is dropped, and
      the client gets 413.
    """

    def __init__(self, app: ASGIApp, max_body_bytes: int = DEFAULT_MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_body_bytes
        too_large = f"the request body is larger than the server's limit of {limit:,} bytes"
        length = _header(scope, b"content-length")
        if length is not None:
            if not length.strip().isdigit():
                await self._answer(send, 400, "the Content-Length header is not a number", True)
                return
            if int(length) > limit:
                await self._answer(send, 413, too_large, True)
                return
        if scope["method"] in ("POST", "PUT", "PATCH"):
            content_type = _header(scope, b"content-type")
            if not _is_json(content_type):
                drained = await self._drain(receive, limit)
                await self._answer(
                    send,
                    415,
                    f"the request body must be JSON (Content-Type: application/json), "
                    f"not {content_type or 'untyped'}",
                    not drained,
                )
                return
        await self._counted(scope, receive, send, limit, too_large)

    async def _counted(
        self, scope: Scope, receive: Receive, send: Send, limit: int, too_large: str
    ) -> None:
        received = 0
        exceeded = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, exceeded
            if exceeded:
                raise _BodyTooLarge
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    exceeded = True
                    raise _BodyTooLarge
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if exceeded:
                return  # the app's answer to the failed read; ours is 413
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except _BodyTooLarge:
            pass
        except Exception:
            if not exceeded:
                raise
        if exceeded:
            logger.warning("refused a request body over %d bytes", limit)
            if not started:
                await self._answer(send, 413, too_large, True)

    @staticmethod
    async def _drain(receive: Receive, limit: int) -> bool:
        """Read and drop the body; False if it is over ``limit`` (left unread)."""
        received = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return False
            received += len(message.get("body", b""))
            if received > limit:
                return False
            if not message.get("more_body", False):
                return True

    @staticmethod
    async def _answer(send: Send, status: int, detail: str, close: bool) -> None:
        for message in _json_answer(status, detail, close=close):
            await send(message)


def _contained(mounted: StaticFiles) -> ContainedStaticFiles:
    """``mounted``'s folders (xlwings-server's user folder first) in a contained lookup."""
    directories = []
    user_dir = getattr(mounted, "user_dir", None)
    package_dir = getattr(mounted, "package_dir", None)
    if user_dir is not None and package_dir is not None:
        directories = [Path(user_dir), Path(package_dir)]
    else:
        directories = [Path(d) for d in mounted.all_directories]
    return ContainedStaticFiles(directories, html=mounted.html)


def _contain_static_mounts(app: Any) -> int:
    """Swap every static-files mount of ``app`` for a contained one; how many."""
    from starlette.routing import Mount

    swapped = 0
    for index, route in enumerate(app.router.routes):
        if isinstance(route, Mount) and isinstance(route.app, StaticFiles):
            if isinstance(route.app, ContainedStaticFiles):
                continue
            app.router.routes[index] = Mount(route.path, app=_contained(route.app), name=route.name)
            swapped += 1
    return swapped


def harden(app: Any, asgi_app: ASGIApp, settings: GuardSettings) -> ASGIApp:
    """The served ASGI app: ``asgi_app`` (xlwings-server's outermost app, around
    the FastAPI ``app``) with contained static files, the checked routes of
    ``cxexcel.addin_calls`` first, request bounds and trusted hosts."""
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    from . import addin_calls

    if not _contain_static_mounts(app):
        raise RuntimeError("xlwings-server mounts no static files: cannot contain them")
    addin_calls.configure(settings)
    addin_calls.put_first(app)
    guarded = RequestGuard(asgi_app, max_body_bytes=settings.max_body_bytes)
    return TrustedHostMiddleware(
        guarded, allowed_hosts=list(settings.allowed_hosts), www_redirect=False
    )
