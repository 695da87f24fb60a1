"""The ``cxexcel`` command: metric workbooks without Excel, and the add-in server.

::

    cxexcel report INPUT... --output OUT.xlsx [--force]
    cxexcel report [INPUT...] --source URL --table NAME=TABLE... --output OUT.xlsx
    cxexcel demo [--output out/cx-demo.xlsx] [--force]
    cxexcel serve [--host 127.0.0.1] [--port 8000]

``report`` reads the input tables (an .xlsx holding them, CSV/Parquet files
named after the tables, or a folder of those), builds the metric sheets and
writes them to OUT.xlsx. It never overwrites an input, refuses an existing
output unless ``--force`` is given (also one that appears while the inputs
are read: the finished file is hard-linked into place, which fails if OUT
exists), and writes atomically (a half-written file never appears under
OUT). Inputs without any of the tables that make metric sheets are refused,
and nothing is written.

Exit codes: 0 done; 1 the output could not be written (disk full, no
permission, out of memory); 2 bad input or a refused output (the message,
one line on stderr, names the table, column and row where it can); 130 and
143 interrupted (Ctrl+C, SIGTERM) — in every case one line on stderr, and
no output or temporary file is left behind.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import tempfile
from pathlib import Path

from .errors import CxError

__all__ = ["main", "run", "DEMO_OUTPUT"]

#: Where ``cxexcel demo`` writes when no ``--output`` is given (relative to the cwd).
DEMO_OUTPUT = Path("out") / "cx-demo.xlsx"

EXIT_OK = 0
EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as shells report it
EXIT_TERMINATED = 143  # 128 + SIGTERM


class _Refused(Exception):
    """A request the CLI will not carry out (exit code 2)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="cxexcel",
        description="Customer-experience metric workbooks (NPS, CSAT, churn, MRR, CLV ...).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    report = commands.add_parser(
        "report",
        help="build the metric sheets from input tables",
        description=(
            "Build the CX metric sheets from the tables Responses, Subscriptions, Orders, "
            "Spend, Engagement and Targets. INPUT: an .xlsx holding them, CSV/Parquet "
            "files named after them, or a folder of those."
        ),
    )
    report.add_argument("inputs", nargs="*", metavar="INPUT", type=Path)
    report.add_argument("-o", "--output", required=True, type=Path, help="the .xlsx to write")
    report.add_argument(
        "--source",
        metavar="URL",
        help="a warehouse to read tables from, as an Ibis connection URL "
        "(postgres://user@host:5432/db, duckdb:///path/file.duckdb ...)",
    )
    report.add_argument(
        "--table",
        action="append",
        default=[],
        metavar="NAME=TABLE",
        help="which warehouse table is which input table, e.g. "
        "Responses=analytics.nps_answers (repeat for each)",
    )
    report.add_argument(
        "--tables",
        type=Path,
        metavar="FILE",
        help="a TOML file with source = URL and a [tables] section of NAME = TABLE lines",
    )
    report.add_argument("-f", "--force", action="store_true", help="replace an existing output")

    demo = commands.add_parser(
        "demo",
        help="write the demo workbook from generated sample data",
        description=f"Write the demo metric workbook (default {DEMO_OUTPUT}) from sample data.",
    )
    demo.add_argument("-o", "--output", type=Path, default=None, help=f"default: {DEMO_OUTPUT}")
    demo.add_argument("-f", "--force", action="store_true", help="replace an existing output")

    serve = commands.add_parser("serve", help="run the xlwings Server add-in for Excel")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    return parser


def _same_file(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def _check_output(output: Path, inputs: list[Path], force: bool) -> None:
    """Refuse outputs that would destroy an input or an existing file."""
    if output.suffix.lower() != ".xlsx":
        raise _Refused(f"output {output} must be an .xlsx file")
    resolved = output.resolve()
    for source in inputs:
        if _same_file(output, source):
            raise _Refused(f"output {output} is an input; choose another output file")
        if source.is_dir() and output.exists() and source.resolve() in resolved.parents:
            raise _Refused(f"output {output} is inside the input folder {source}; it would be read")
    if output.is_dir():
        raise _Refused(f"output {output} is a folder")
    if output.exists() and not force:
        raise _Refused(f"output {output} exists; use --force to replace it")


def _build(tables: dict, engine=None):
    from .report.build import build_report

    return build_report(tables, engine=engine)


def _warehouse(args: argparse.Namespace) -> tuple[str | None, dict[str, str]]:
    """The warehouse URL and the input table -> warehouse table names of
    ``--tables FILE``, ``--source`` and ``--table`` (the flags win)."""
    url, mapping = None, {}
    if args.tables is not None:
        url, mapping = _tables_file(args.tables)
    if args.source:
        url = args.source
    for item in args.table:
        name, sep, table = item.partition("=")
        if not sep or not name.strip() or not table.strip():
            raise _Refused(f"--table {item!r}: write NAME=TABLE, e.g. Responses=analytics.nps")
        mapping[name.strip()] = table.strip()
    if mapping and url is None:
        raise _Refused("--table names warehouse tables: give the warehouse with --source URL")
    if url is not None and not mapping:
        raise _Refused("--source needs --table NAME=TABLE for each input table it holds")
    return url, mapping


def _tables_file(path: Path) -> tuple[str | None, dict[str, str]]:
    import tomllib

    try:
        if path.stat().st_size > 1_000_000:
            raise _Refused(f"{path}: a tables file of more than 1 MB is not one")
        config = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
        raise _Refused(f"{path}: cannot be read as a TOML tables file ({error})") from None
    url = config.get("source")
    tables = config.get("tables", {})
    if (url is not None and not isinstance(url, str)) or not isinstance(tables, dict):
        raise _Refused(f'{path}: write source = "URL" and a [tables] section of NAME = "TABLE"')
    if not all(isinstance(v, str) for v in tables.values()):
        raise _Refused(f'{path}: each [tables] line is NAME = "TABLE" (text)')
    return url, dict(tables)


def _table_key(name: str) -> str | None:
    from .tables.sources import table_name

    return table_name(name)


def _connect_warehouse(url: str):
    """The engine of the warehouse at ``url``; a refusal naming it (without
    its password) when it cannot be reached."""
    from urllib.parse import urlsplit

    from .engine import connect

    parts = urlsplit(url)
    shown = f"{parts.scheme}://{parts.hostname or ''}{f':{parts.port}' if parts.port else ''}"
    shown += parts.path if parts.scheme != "duckdb" else ""
    try:
        return connect(url)
    except Exception as error:  # every backend and driver has its own errors
        detail = " ".join(str(error).replace(url, shown).split())[:200]
        raise _Refused(f"cannot connect to {shown}: {type(error).__name__}: {detail}") from None


def _no_tables(inputs: list[Path], tables: dict) -> _Refused:
    from .tables import SCHEMAS

    where = ", ".join(str(source) for source in inputs)
    expected = ", ".join(name for name in SCHEMAS if name != "Targets")
    message = (
        f"no input tables found in {where} (expected {expected}: sheets or Excel Tables "
        "in an .xlsx, or .csv/.parquet files named after them)"
    )
    if tables:
        found = " and ".join(tables)
        message += f"; {found} alone {'gives' if len(tables) == 1 else 'give'} no metric sheets"
    return _Refused(message)


def _write(report, output: Path, force: bool) -> None:
    """Write ``report`` to ``output`` atomically: to a temporary file next to
    it, put in place only when complete.

    Without ``force`` the temporary file is hard-linked to ``output``, which
    fails when ``output`` exists — also when it appeared after
    :func:`_check_output` looked (the read can take a while) — so an existing
    file is never replaced. On a filesystem without hard links (FAT, exFAT,
    some network shares) the check is repeated right before ``os.replace``,
    which leaves only that instant for a race. With ``force``, ``os.replace``.
    """
    from .report.openpyxl_writer import workbook_bytes

    # The workbook is serialised in memory and then written with plain file
    # calls: openpyxl's own save leaves its ZipFile open when the disk fills,
    # and that ZipFile's finaliser later prints a traceback.
    content = memoryview(workbook_bytes(report))
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", suffix=".tmp", dir=output.parent)
    temporary = Path(name)
    try:
        _write_all(handle, content)
        os.close(handle)
        handle = None
        _default_permissions(temporary)
        _put_in_place(temporary, output, force)
        if _EXITING:
            _ignore_signals()  # the output is in place: finish and exit 0
    finally:
        if handle is not None:
            with contextlib.suppress(OSError):
                os.close(handle)
        # After a hard link the output is a second name of the same file.
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def _write_all(handle: int, data: memoryview) -> None:
    """Write all of ``data`` to the file ``handle`` and flush it to the disk."""
    written = 0
    while written < len(data):
        written += os.write(handle, data[written:])
    os.fsync(handle)


def _put_in_place(temporary: Path, output: Path, force: bool) -> None:
    if force:
        os.replace(temporary, output)
        return
    try:
        os.link(temporary, output)
    except FileExistsError:
        raise _exists(output) from None
    except OSError:
        # No hard links here: check again, as late as possible, then rename.
        if os.path.lexists(output):
            raise _exists(output) from None
        os.replace(temporary, output)


def _exists(output: Path) -> _Refused:
    return _Refused(f"output {output} exists; use --force to replace it")


def _default_permissions(path: Path) -> None:
    # mkstemp creates the file readable by its owner only; give it the
    # permissions a plain new file would get under the current umask.
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


def _report(args: argparse.Namespace) -> int:
    from .engine import connect
    from .tables import read_tables, read_warehouse

    url, mapping = _warehouse(args)
    if not args.inputs and url is None:
        raise _Refused("give an INPUT (file or folder), or a warehouse with --source and --table")
    for source in args.inputs:
        if not source.exists():
            raise _Refused(f"input {source} does not exist")
    _check_output(args.output, args.inputs, args.force)
    notes: list[str] = []
    if url is None:
        # Large Parquet tables are checked and reduced where they lie (DuckDB).
        engine = connect()
        tables = read_tables(*args.inputs, notes=notes, engine=engine)
    else:
        engine = _connect_warehouse(url)
        tables = read_tables(*args.inputs, notes=notes) if args.inputs else {}
        both = sorted(set(tables) & {_table_key(name) for name in mapping})
        if both:
            raise _Refused(f"{both[0]} is both in the inputs and in the warehouse; keep one")
        tables.update(read_warehouse(engine, mapping))
    for note in notes:
        print("cxexcel: note: " + " ".join(note.split()), file=sys.stderr)
    report = _build(tables, engine)
    if not report.sheets:
        raise _no_tables(args.inputs, tables)
    _write(report, args.output, args.force)
    print(f"wrote {args.output} ({', '.join(report.sheet_names)})")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .sample_data import generate

    output = args.output if args.output is not None else DEMO_OUTPUT
    # The default output belongs to the demo, so re-running it replaces it.
    force = args.force or args.output is None
    _check_output(output, [], force)
    report = _build(generate())
    _write(report, output, force)
    print(f"wrote {output} ({', '.join(report.sheet_names)})")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .server import run

    run(host=args.host, port=args.port)
    return EXIT_OK


class _Terminated(BaseException):
    """SIGTERM, raised in the main thread so that ``finally`` blocks run."""


#: SIGTERMs received: DuckDB turns one that arrives during a query into its
#: own interrupt error (a KeyboardInterrupt), which is a termination all the same.
_TERMINATIONS: list[int] = []


def _terminate(signum, frame) -> None:
    _TERMINATIONS.append(signum)
    raise _Terminated


def _terminated_in_query() -> bool:
    """Whether a KeyboardInterrupt is DuckDB's answer to a SIGTERM, not a Ctrl+C."""
    return bool(_TERMINATIONS) and not _INTERRUPTS


#: Set by :func:`run`: the process exits when the command is done, so once
#: the output is in place a late Ctrl+C or SIGTERM is ignored rather than
#: turning a finished run into a traceback or a death by signal.
_EXITING = False


def run() -> None:
    """The ``cxexcel`` command and ``python -m cxexcel``: :func:`main`, then exit."""
    global _EXITING
    _EXITING = True
    _preload()
    _on_sigterm(_terminate)  # from the first moment, not only once main has parsed
    with contextlib.suppress(ValueError):
        signal.signal(signal.SIGINT, _interrupt)
    try:
        code = main()
    except KeyboardInterrupt:  # before or after main's own handling
        if _terminated_in_query():
            _fail("terminated; nothing was written")
            code = EXIT_TERMINATED
        else:
            _INTERRUPTS.append(signal.SIGINT)
            _fail("interrupted; nothing was written")
            code = EXIT_INTERRUPTED
    except _Terminated:
        _fail("terminated; nothing was written")
        code = EXIT_TERMINATED
    _exit(code)


def _exit(code: int) -> None:
    """Exit now with ``code``: signals ignored, output flushed, DuckDB's spill
    folder removed, and no interpreter shutdown, in which a signal DuckDB or
    Arrow passed on late could still turn the exit into a death by signal."""
    import shutil

    from .engine.backend import spill_directory

    _ignore_signals()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    shutil.rmtree(spill_directory(), ignore_errors=True)
    os._exit(code)


def _preload() -> None:
    """Import the compiled libraries a report needs with Ctrl+C and SIGTERM
    held back: an exception raised inside a C extension's import leaves it
    half registered (DuckDB's then aborts the process when imported again).
    A signal that came meanwhile ends the run here, in one line."""
    if sys.argv[1:2] not in (["report"], ["demo"]):
        return
    received: list[int] = []

    def hold(signum, frame) -> None:
        received.append(signum)

    try:
        previous = {s: signal.signal(s, hold) for s in (signal.SIGINT, signal.SIGTERM)}
    except ValueError:  # not the main thread
        return
    try:
        import duckdb  # noqa: F401
        import ibis.backends.duckdb  # noqa: F401
        import numpy  # noqa: F401
        import pandas  # noqa: F401
        import pyarrow  # noqa: F401
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if received:
        interrupted = received[0] == signal.SIGINT
        _fail(("interrupted" if interrupted else "terminated") + "; nothing was written")
        _exit(EXIT_INTERRUPTED if interrupted else EXIT_TERMINATED)


_INTERRUPTS: list[int] = []


def _interrupt(signum, frame) -> None:
    """Ctrl+C: one KeyboardInterrupt; once one has been raised or handled (a
    second press, or the one DuckDB passes on after stopping its query with
    an error of its own) the next are ignored, so none can break into the
    cleanup and end the run with a traceback or a death by signal."""
    if not _INTERRUPTS:
        _INTERRUPTS.append(signum)
        raise KeyboardInterrupt


def _ignore_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signum, signal.SIG_IGN)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (``run`` exits with it)."""
    args = _parser().parse_args(argv)
    handler = {"report": _report, "demo": _demo, "serve": _serve}[args.command]
    previous = _on_sigterm(_terminate) if args.command != "serve" else None
    try:
        return handler(args)
    except _Refused as refusal:
        _fail(str(refusal))
        return EXIT_BAD_INPUT
    except CxError as error:
        _fail(str(error))
        return EXIT_BAD_INPUT
    except MemoryError:
        _fail("out of memory while building the workbook; nothing was written")
        return EXIT_WRITE_FAILED
    except OSError as error:
        _fail(f"cannot write {getattr(args, 'output', '')}: {error.strerror or error}")
        return EXIT_WRITE_FAILED
    except KeyboardInterrupt:
        if _terminated_in_query():
            _fail("terminated; nothing was written")
            return EXIT_TERMINATED
        _INTERRUPTS.append(signal.SIGINT)  # handled: a late one is ignored
        _fail("interrupted; nothing was written")
        return EXIT_INTERRUPTED
    except _Terminated:
        _fail("terminated; nothing was written")
        return EXIT_TERMINATED
    finally:
        if previous is not None:
            _on_sigterm(previous)


def _on_sigterm(handler):
    """Install ``handler`` for SIGTERM (main thread only); the previous handler, or None."""
    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread: leave signals to the caller
        return None


def _fail(message: str) -> None:
    # One line: multi-line messages would break scripts that grep stderr.
    print("cxexcel: error: " + " ".join(message.split()), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    run()
