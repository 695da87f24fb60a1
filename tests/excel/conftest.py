"""Fixtures for the Excel-route tests: an HTTP client of the session's add-in server,
and a second server with small limits (``tight_server``)."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="session")
def client(server_url):
    """An HTTP client of the running add-in server (``server_url`` in tests/conftest.py)."""
    with httpx.Client(base_url=server_url, timeout=60) as session:
        yield session


TIGHT_PUBLIC_URL = "https://cx.example.com"
TIGHT_MAX_BODY_BYTES = 1_000_000
TIGHT_MAX_CELLS = 1_000


@pytest.fixture(scope="session")
def tight_server():
    """A second add-in server with small limits and a public URL:
    ``(url, process)``; its settings are the ``TIGHT_*`` constants above."""
    from servers import addin_server

    with addin_server(
        CXEXCEL_PUBLIC_URL=TIGHT_PUBLIC_URL,
        CXEXCEL_MAX_BODY_BYTES=str(TIGHT_MAX_BODY_BYTES),
        CXEXCEL_MAX_CELLS=str(TIGHT_MAX_CELLS),
    ) as running:
        yield running
