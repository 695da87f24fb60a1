"""Fixtures for the Excel-route tests: an HTTP client of the session's add-in server."""

from __future__ import annotations

import httpx
import pytest


@pytest.fixture(scope="session")
def client(server_url):
    """An HTTP client of the running add-in server (``server_url`` in tests/conftest.py)."""
    with httpx.Client(base_url=server_url, timeout=60) as session:
        yield session
