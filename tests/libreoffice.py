"""Running LibreOffice headless from tests: convert files, recalculating them on the way.

Every call uses the given private profile (``-env:UserInstallation``), so
tests neither touch nor wait for a user's running LibreOffice.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

#: Seconds one conversion run may take before the test fails.
TIMEOUT = 180


def soffice() -> str | None:
    """The LibreOffice executable, or None when it is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(files: list[Path], to: str, outdir: Path, profile: Path) -> list[Path]:
    """Convert ``files`` with one LibreOffice run; returns the output paths.

    ``to`` is a ``--convert-to`` target such as ``"pdf"`` or ``"xlsx"``.
    Opening a file recalculates formulas that have no cached result, which
    is how openpyxl writes them, so an ``xlsx`` round trip yields the values
    LibreOffice computed. Raises AssertionError with LibreOffice's output
    when it fails or an output is missing.
    """
    executable = soffice()
    if executable is None:
        raise AssertionError("LibreOffice (soffice) is not installed")
    outdir.mkdir(parents=True, exist_ok=True)
    command = [
        executable,
        f"-env:UserInstallation={profile.resolve().as_uri()}",
        "--headless",
        "--norestore",
        "--nolockcheck",
        "--convert-to",
        to,
        "--outdir",
        str(outdir),
        *(str(f) for f in files),
    ]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT)
    extension = to.split(":", 1)[0]
    outputs = [outdir / f"{Path(f).stem}.{extension}" for f in files]
    missing = [str(p) for p in outputs if not p.exists() or p.stat().st_size == 0]
    if done.returncode != 0 or missing:
        raise AssertionError(
            f"LibreOffice failed (exit {done.returncode}); missing {missing}\n"
            f"stdout: {done.stdout}\nstderr: {done.stderr}"
        )
    return outputs
