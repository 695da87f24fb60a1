"""Session-wide test setup: the xlwings licence key, and the add-in server.

``XLWINGS_LICENSE_KEY=noncommercial`` is set before any test imports
xlwings (xlwings registers its remote engines only with a key).

``server_url`` starts one add-in server for the session on a free port of
127.0.0.1, as a user would (``cxexcel serve``, or ``python -m
cxexcel.server`` in a checkout without the CLI), waits until it answers,
and stops it at the end.
"""

from __future__ import annotations

import importlib.util
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")

SERVER_START_TIMEOUT = 60


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_command(port: int) -> list[str]:
    where = ["--host", "127.0.0.1", "--port", str(port)]
    cli = Path(sys.executable).with_name("cxexcel")
    if cli.exists() and importlib.util.find_spec("cxexcel.cli") is not None:
        return [str(cli), "serve", *where]
    return [sys.executable, "-m", "cxexcel.server", *where]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=1) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.fixture(scope="session")
def server_url():
    """Base URL (``http://127.0.0.1:<port>``) of the add-in server of this session."""
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "XLWINGS_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryFile("w+") as log:
        process = subprocess.Popen(
            _server_command(port), env=env, stdout=log, stderr=subprocess.STDOUT
        )
        try:
            deadline = time.monotonic() + SERVER_START_TIMEOUT
            while not _answers(url + "/"):
                if process.poll() is not None or time.monotonic() > deadline:
                    log.seek(0)
                    pytest.fail(f"the add-in server did not start:\n{log.read()}")
                time.sleep(0.2)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
