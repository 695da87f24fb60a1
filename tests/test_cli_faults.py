"""Faults end in one line: a full disk, Ctrl+C and SIGTERM, spans of dates
that would blow the workbook up, and no warning lines on a good run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from cxexcel import cli
from cxexcel.report import _facts, cohorts

PYTHON = [sys.executable, "-m", "cxexcel"]


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def _can_mount_tmpfs() -> bool:
    if shutil.which("unshare") is None:
        return False
    probe = subprocess.run(
        ["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=16k tmpfs /mnt"],
        capture_output=True,
    )
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs unshare and a tmpfs mount")
def test_a_full_disk_is_one_line_and_exit_1(tmp_path):
    """A real full disk: a 16 kB tmpfs mounted in a private mount namespace."""
    full = tmp_path / "full"
    full.mkdir()
    script = (
        f"mount -t tmpfs -o size=16k tmpfs {full} && "
        f"{' '.join(PYTHON)} demo -o {full}/OUT.xlsx; code=$?; ls -a {full}; exit $code"
    )
    result = subprocess.run(
        ["unshare", "-rm", "sh", "-c", script],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    assert result.returncode == 1, result.stderr
    assert result.stderr.splitlines() == [
        f"cxexcel: error: cannot write {full}/OUT.xlsx: No space left on device"
    ]
    # The folder listing printed inside the namespace: nothing but . and ..
    assert result.stdout.split() == [".", ".."]


def test_an_interrupt_while_writing_leaves_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(temporary, output, force):
        assert temporary.exists()  # the temporary file is there when the signal comes
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_put_in_place", interrupted)
    code = cli.main(["demo", "-o", str(tmp_path / "OUT.xlsx")])
    assert code == cli.EXIT_INTERRUPTED
    assert capsys.readouterr().err == "cxexcel: error: interrupted; nothing was written\n"
    assert list(tmp_path.iterdir()) == []


def test_sigterm_while_writing_leaves_nothing(tmp_path, monkeypatch, capsys):
    def terminated(temporary, output, force):
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(5)  # the handler raises before this ends
        raise AssertionError("SIGTERM was not raised")

    monkeypatch.setattr(cli, "_put_in_place", terminated)
    code = cli.main(["demo", "-o", str(tmp_path / "OUT.xlsx")])
    assert code == cli.EXIT_TERMINATED
    assert capsys.readouterr().err == "cxexcel: error: terminated; nothing was written\n"
    assert list(tmp_path.iterdir()) == []
    assert signal.getsignal(signal.SIGTERM) is not cli._terminate  # handler restored


def test_sigterm_during_a_duckdb_query_is_a_termination(tmp_path, monkeypatch, capsys):
    """DuckDB turns the SIGTERM handler's exception into its own interrupt error
    (a KeyboardInterrupt once out of the engine): still 143, "terminated"."""
    from cxexcel.engine import connect
    from cxexcel.engine.backend import quiet

    def long_query(args):
        engine = connect()
        signal.setitimer(signal.ITIMER_REAL, 0.3)
        with quiet():
            engine.backend.raw_sql("select count(*) from range(100000000000) a").fetchall()
        raise AssertionError("the query was not interrupted")

    previous = signal.signal(signal.SIGALRM, lambda *_: os.kill(os.getpid(), signal.SIGTERM))
    monkeypatch.setattr(cli, "_demo", long_query)
    monkeypatch.setattr(cli, "_TERMINATIONS", [])
    monkeypatch.setattr(cli, "_INTERRUPTS", [])
    try:
        code = cli.main(["demo", "-o", str(tmp_path / "OUT.xlsx")])
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert code == cli.EXIT_TERMINATED
    assert capsys.readouterr().err == "cxexcel: error: terminated; nothing was written\n"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
@pytest.mark.parametrize("delay", [0.8, 1.6, 2.4])
def test_signals_at_any_moment_end_in_one_line(tmp_path, signum, delay):
    """A real process signalled while it runs: done (exit 0) or one line and nothing left."""
    output = tmp_path / "OUT.xlsx"
    process = subprocess.Popen(
        [*PYTHON, "demo", "-o", str(output)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "default"},
    )
    time.sleep(delay)
    if process.poll() is None:
        process.send_signal(signum)
    out, err = process.communicate(timeout=60)
    assert "Traceback" not in err
    if process.returncode == 0:
        assert output.exists() and err == ""
    else:
        expected = 130 if signum == signal.SIGINT else 143
        assert process.returncode == expected, err
        assert len(err.splitlines()) == 1 and "nothing was written" in err
        assert not output.exists()
    assert _leftovers(tmp_path) == []


def _subscriptions(months: list[str]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": [f"C{i}" for i in range(len(months))],
            "month": months,
            "mrr": [10.0] * len(months),
        }
    )


@pytest.mark.parametrize(
    ("handler", "raised"), [(cli._interrupt, KeyboardInterrupt), (cli._terminate, cli._Terminated)]
)
def test_a_signal_inside_a_finalizer_is_raised_just_after(monkeypatch, handler, raised):
    """An exception cannot leave __del__ (Python prints a traceback and goes
    on): a Ctrl+C or SIGTERM landing in one is raised once it has returned."""
    monkeypatch.setattr(cli, "_INTERRUPTS", [])
    monkeypatch.setattr(cli, "_TERMINATIONS", [])
    previous = signal.getsignal(signal.SIGALRM)

    class Dying:
        def __del__(self):
            handler(signal.SIGINT, sys._getframe())  # the signal lands here

    try:
        with pytest.raises(raised):
            Dying()  # deleted at once: __del__ runs, and must not raise
            time.sleep(1.0)  # the deferred signal arrives within milliseconds
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    ("received", "code", "said"),
    [("_TERMINATIONS", 143, "terminated"), ("_INTERRUPTS", 130, "interrupted")],
)
def test_a_library_error_after_a_signal_is_the_signals_exit(
    tmp_path, monkeypatch, capsys, received, code, said
):
    """DuckDB turns a signal raised in its DataFrame scan into an error of its own."""
    monkeypatch.setattr(cli, "_TERMINATIONS", [])
    monkeypatch.setattr(cli, "_INTERRUPTS", [])

    def scan(args):
        getattr(cli, received).append(signal.SIGTERM)
        raise RuntimeError("counting the rows of the object registered as 'x' failed: _Terminated")

    monkeypatch.setattr(cli, "_demo", scan)
    assert cli.main(["demo", "-o", str(tmp_path / "OUT.xlsx")]) == code
    assert capsys.readouterr().err == f"cxexcel: error: {said}; nothing was written\n"


def test_a_library_error_without_a_signal_is_not_hidden(tmp_path, monkeypatch):
    monkeypatch.setattr(cli, "_TERMINATIONS", [])
    monkeypatch.setattr(cli, "_INTERRUPTS", [])
    monkeypatch.setattr(cli, "_demo", lambda args: (_ for _ in ()).throw(RuntimeError("bug")))
    with pytest.raises(RuntimeError, match="bug"):
        cli.main(["demo", "-o", str(tmp_path / "OUT.xlsx")])


def test_a_span_of_centuries_is_refused_naming_the_rows(tmp_path, capsys):
    """13 kB of Subscriptions spanning 1900-2199 once made a 4.5 MB workbook in 33 s."""
    months = [f"{2020 + i % 4}-{1 + i % 12:02d}-01" for i in range(300)]
    months[17] = "1900-01-01"
    months[250] = "2199-12-01"
    folder = tmp_path / "in"
    folder.mkdir()
    _subscriptions(months).to_csv(folder / "Subscriptions.csv", index=False)
    code = cli.main(["report", str(folder), "-o", str(tmp_path / "OUT.xlsx")])
    err = capsys.readouterr().err
    assert code == 2
    assert "Subscriptions, column month" in err
    assert "Jan 1900 (row 19)" in err and "Dec 2199 (row 252)" in err
    assert "3,600 months" in err and "at most 600" in err
    assert not (tmp_path / "OUT.xlsx").exists()


def test_the_longest_allowed_span_makes_a_bounded_cohort_map():
    first = pd.Timestamp("1980-01-01")
    months = [first + pd.DateOffset(months=m) for m in range(_facts.MAX_MONTHS)]
    frame = _subscriptions([m.strftime("%Y-%m-%d") for m in months])
    frame["month"] = pd.to_datetime(frame["month"])
    from cxexcel.report.build import build_report

    report = build_report({"Subscriptions": frame})
    sheet = next(s for s in report.sheets if s.name == cohorts.NAME)
    texts = [c.value for c in sheet.cells() if isinstance(c.value, str)]
    assert f"The latest {cohorts.MAX_COHORTS} of {_facts.MAX_MONTHS} cohorts." in " ".join(texts)
    headers = [t for t in texts if t.startswith("M") and t[1:].isdigit()]
    assert len(headers) == cohorts.MAX_COHORTS  # M0 .. M59
    assert len(list(sheet.cells())) < 20_000


def test_a_good_run_prints_no_warning_lines(tmp_path):
    result = subprocess.run(
        [*PYTHON, "demo", "-o", str(tmp_path / "OUT.xlsx")],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONWARNINGS": "always"},
    )
    assert result.returncode == 0
    assert result.stderr == ""
