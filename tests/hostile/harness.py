"""The hostile-input corpus: one case is a file (or folder) the test
generates, the exit code ``cxexcel report`` must give, and a piece of the
one-line message it must print.

Every case runs the real command in a subprocess (so a crash, a traceback,
a warning line or a runaway allocation shows as it would for a user), with
an address-space cap, and asserts:

- the exit code;
- stderr is exactly one line and holds the expected text (case-insensitive);
- every input file is byte-identical afterwards (sha256);
- nothing exists at OUT, and no hidden temporary file is left beside it.

Cases live in the ``corpus_*.py`` modules of this folder as ``CASES``, lists
of :class:`Case`; ``test_corpus.py`` runs them all.
"""

from __future__ import annotations

import hashlib
import os
import resource
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

#: Address-space cap of a corpus run: a hostile file must be refused well below it.
MEMORY_CAP = 3 * 1024**3
#: Wall-clock cap of a corpus run, in seconds.
TIME_CAP = 120


@dataclass(frozen=True)
class Case:
    """A hostile input.

    ``make(folder)`` writes the input inside ``folder`` and returns the paths
    to pass to ``cxexcel report`` (usually one). ``code`` is the expected exit
    code, ``message`` a piece of the single stderr line (ignored when
    ``code`` is 0, where stderr must be empty or hold only warning lines that
    contain ``message``). ``extra`` are further CLI arguments. ``env``, if
    given, is merged into the subprocess environment (e.g. small limits).
    """

    id: str
    make: Callable[[Path], list[Path]]
    code: int
    message: str
    extra: tuple[str, ...] = ()
    env: Mapping[str, str] | None = None


def digests(paths: list[Path]) -> dict[Path, str]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files.extend(sorted(p for p in path.rglob("*") if p.is_file()))
        elif path.exists():
            files.append(path)
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in files}


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def run_report(
    inputs: list[Path], output: Path, *extra: str, env: Mapping[str, str] | None = None
) -> subprocess.CompletedProcess:
    """``cxexcel report INPUTS -o OUTPUT`` in a subprocess, capped in memory and time;
    ``env`` is merged into its environment."""
    command = [sys.executable, "-m", "cxexcel", "report", *map(str, inputs), "-o", str(output)]
    env = {**os.environ, "PYTHONWARNINGS": "default", **(env or {})}
    return subprocess.run(
        [*command, *extra],
        capture_output=True,
        text=True,
        timeout=TIME_CAP,
        preexec_fn=_limit_memory,
        env=env,
    )


def check_case(case: Case, tmp_path: Path) -> subprocess.CompletedProcess:
    """Run ``case`` and assert everything the module docstring lists."""
    inputs_folder = tmp_path / "in"
    inputs_folder.mkdir()
    inputs = case.make(inputs_folder)
    before = digests(inputs)
    out_folder = tmp_path / "out"
    out_folder.mkdir()
    output = out_folder / "OUT.xlsx"
    result = run_report(inputs, output, *case.extra, env=case.env)
    lines = result.stderr.splitlines()
    assert result.returncode == case.code, (result.returncode, result.stderr[-3000:])
    if case.code == 0:
        assert output.exists()
        if case.message:
            assert all(case.message.casefold() in line.casefold() for line in lines), lines
        else:
            assert lines == [], result.stderr[-3000:]  # no warning lines on a good run
    else:
        assert len(lines) == 1, result.stderr[-3000:]
        assert case.message.casefold() in lines[0].casefold(), lines[0]
        assert not output.exists()
    assert "Traceback" not in result.stderr
    assert [p.name for p in out_folder.iterdir() if p.name != "OUT.xlsx"] == []
    assert digests(inputs) == before
    return result
