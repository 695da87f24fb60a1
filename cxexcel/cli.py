"""The ``cxexcel`` command: metric workbooks without Excel, and the add-in server.

::

    cxexcel report INPUT... --output OUT.xlsx [--force] [--map FILE] [--scale csat=1-10]
    cxexcel check INPUT... [--map FILE] [--scale csat=1-10] [--dates day-first]
    cxexcel report [INPUT...] --source URL --table NAME=TABLE... --output OUT.xlsx
    cxexcel demo [--output out/cx-demo.xlsx] [--force]
    cxexcel serve [--host 127.0.0.1] [--port 8000]

``check`` says what it recognised in INPUT (each export or mapping and the
table it became, with its rows) and lists every problem (a few bad rows per
column), exiting 2 if there is any: the same reading ``report`` does.

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
    _reading_options(report)
    _billing_arguments(report)

    check = commands.add_parser(
        "check",
        help="say what the inputs hold and list every problem",
        description=(
            "Read INPUT as report does: say which tables were found (and which exports or "
            "mapping rules made them), then list every problem; exit 2 if there is one."
        ),
    )
    check.add_argument("inputs", nargs="+", metavar="INPUT", type=Path)
    check.add_argument(
        "--per-column",
        type=int,
        default=5,
        metavar="N",
        help="bad rows listed per column (default 5)",
    )
    _reading_options(check)
    _billing_arguments(check)

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


def _reading_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--map",
        type=Path,
        metavar="FILE",
        help="a TOML mapping: which file or sheet is which table, header -> column, "
        "answer values, dates, units, row filters (docs/imports.md)",
    )
    command.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="SCORE=LOW-HIGH",
        help="a score's scale, e.g. csat=1-10 or ces=1-5 (repeat for each)",
    )
    command.add_argument(
        "--dates",
        metavar="ORDER",
        help="how to read dates such as 03/04/2024: day-first or month-first; unix or "
        "unix-ms for timestamps; or a strftime format such as %%d.%%m.%%Y",
    )


def _scales(items: list[str]) -> dict | None:
    scales = {}
    for item in items:
        name, sep, bounds = item.partition("=")
        low, dash, high = bounds.partition("-")
        try:
            scales[name.strip().casefold()] = (int(low), int(high))
        except ValueError:
            raise _Refused(f"--scale {item!r}: write SCORE=LOW-HIGH, e.g. csat=1-10") from None
        if not sep or not dash:
            raise _Refused(f"--scale {item!r}: write SCORE=LOW-HIGH, e.g. csat=1-10")
        if (
            name.strip().casefold() not in ("csat", "ces")
            or scales[name.strip().casefold()][0] != 1
        ):
            raise _Refused(
                f"--scale {item!r}: only csat and ces take another scale, from 1 "
                "(e.g. csat=1-10, ces=1-5); nps is always 0-10"
            )
    return scales or None


#: Problems ``check`` prints at most (then how many more).
MAX_PROBLEMS = 50
#: Problems ``report`` names in its one error line.
MAX_NAMED = 10


def _problems(errors: list) -> _Refused:
    """All problems, one line each (capped), as one refusal to print."""
    lines = [str(error) for error in errors[:MAX_PROBLEMS]]
    if len(errors) > MAX_PROBLEMS:
        lines.append(f"... and {len(errors) - MAX_PROBLEMS:,} more problems")
    return _Refused("\n".join(lines))


def _problems_line(errors: list) -> _Refused:
    """All problems (the first :data:`MAX_NAMED`) in one line, for ``report``,
    whose every failure is one line on stderr."""
    named = [" ".join(str(error).split()) for error in errors[:MAX_NAMED]]
    if len(errors) == 1:
        return _Refused(named[0])
    more = len(errors) - MAX_NAMED
    rest = f" (and {more:,} more: cxexcel check lists them)" if more > 0 else ""
    return _Refused(f"{len(errors):,} problems: " + " | ".join(named) + rest)


def _read_options(args: argparse.Namespace) -> dict:
    return {"scales": _scales(args.scale), "mapping": args.map, "dates": args.dates}


def _billing_arguments(report: argparse.ArgumentParser) -> None:
    """How billing exports (Stripe's subscriptions ...) become MRR (docs/billing.md)."""
    group = report.add_argument_group("billing data (docs/billing.md)")
    group.add_argument(
        "--currency",
        metavar="CODE",
        help="report MRR in this currency (default: the one "
        "with the most MRR); others are converted by the Rates table",
    )
    group.add_argument(
        "--as-of", metavar="DATE", help="measure MRR at this day (default: the latest in the data)"
    )
    group.add_argument(
        "--churn-at",
        choices=("end", "cancel"),
        help="a canceled subscription churns at the end "
        "of its paid period (end, the default) or when it was canceled",
    )
    group.add_argument(
        "--past-due",
        choices=("count", "exclude"),
        help="past_due subscriptions count as MRR (count, the default) or not",
    )
    group.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="a TOML file with a [billing] section of "
        "these settings (currency, as_of, churn_at, past_due); the flags win",
    )


def _billing_settings(args: argparse.Namespace):
    from .tables.billing import billing_settings

    try:
        return billing_settings(
            args.config,
            currency=args.currency,
            as_of=args.as_of,
            churn_at=args.churn_at,
            past_due=args.past_due,
        )
    except ValueError as error:
        raise _Refused(str(error)) from None


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


def _build(tables: dict, engine=None, scales=None):
    from .report.build import build_report

    return build_report(tables, engine=engine, scales=scales)


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


#: What each input table adds to the workbook, for the note on a thin one.
_ADDS = {
    "Responses": "CX Surveys and the NPS/CSAT/CES figures (date and nps, csat or ces)",
    "Subscriptions": "CX Revenue, churn and cohorts (customer_id, month, mrr)",
    "Orders": "CX CLV, repeat rate and cohorts (customer_id, date, amount)",
    "Spend": "CAC and payback (month, sales_marketing_cost, new_customers)",
    "Engagement": "stickiness and email rates (date and dau/mau, or emails_delivered/opens/clicks)",
}


def _thin(tables: dict, report=None) -> str | None:
    """A note when the inputs make a workbook of one sheet or one headline
    figure: which tables (or score columns) would add sheets."""
    present = [name for name in _ADDS if name in tables]
    if len(present) != 1 or (report is not None and not _one_figure(report)):
        return None
    if report is None:
        return None
    lines = [f"only {present[0]} was found; also give:"]
    lines += [f"{name} for {what}" for name, what in _ADDS.items() if name not in tables]
    responses = tables.get("Responses")
    if present == ["Responses"] and hasattr(responses, "columns"):
        empty = _empty_scores(responses)
        if empty:
            lines.append(f"(Responses columns {', '.join(empty)} would add their figures)")
    return lines[0] + " " + "; ".join(lines[1:])


def _empty_scores(responses) -> list[str]:
    """The score columns of Responses (a DataFrame, or an engine table) without a value."""
    scores = ("nps", "csat", "ces")
    if hasattr(responses, "isna"):
        return [c for c in scores if responses[c].isna().all()]
    from .engine.backend import quiet

    with quiet():
        filled = responses.aggregate(**{c: responses[c].count() for c in scores}).execute()
    return [c for c in scores if not int(filled[c].iloc[0])]


def _one_figure(report) -> bool:
    from .report.checks import NAME as CHECKS
    from .report.model import KpiTile

    # CX Checks reconciles the others: it adds no figure of its own.
    sheets = [sheet for sheet in report.sheets if sheet.name != CHECKS]
    if len(sheets) <= 1:
        return True
    first = sheets[0]
    tiles = [block for block in first.blocks if isinstance(block, KpiTile)]
    return len(sheets) == 2 and first.name == "CX Summary" and len(tiles) <= 1


def _skipped_files(skipped: list) -> str:
    shown = [f"{path.name} ({why})" for path, why in skipped[:10]]
    more = f" and {len(skipped) - 10} more" if len(skipped) > 10 else ""
    return "skipped " + ", ".join(shown) + more


def _no_tables(inputs: list[Path], tables: dict, skipped: list | None = None) -> _Refused:
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
    if skipped:
        message += "; " + _skipped_files(skipped)
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
    from .tables import read_checked, read_tables, read_warehouse

    url, mapping = _warehouse(args)
    if not args.inputs and url is None:
        raise _Refused("give an INPUT (file or folder), or a warehouse with --source and --table")
    for source in args.inputs:
        if not source.exists():
            raise _Refused(f"input {source} does not exist")
    _check_output(args.output, args.inputs, args.force)
    billing = _billing_settings(args)
    notes: list[str] = []
    skipped: list = []
    options = _read_options(args)
    if url is None:
        # Large Parquet tables are checked and reduced where they lie (DuckDB).
        engine = connect()
        tables, errors = read_checked(
            *args.inputs, notes=notes, engine=engine, skipped=skipped, billing=billing, **options
        )
        if errors:
            raise _problems_line(errors)
        if all(_in_memory(engine, table) for table in tables.values()):
            engine.one_thread()  # small tables: the same sums in every run
    else:
        engine = _connect_warehouse(url)
        tables = (
            read_tables(*args.inputs, notes=notes, billing=billing, **options)
            if args.inputs
            else {}
        )
        both = sorted(set(tables) & {_table_key(name) for name in mapping})
        if both:
            raise _Refused(f"{both[0]} is both in the inputs and in the warehouse; keep one")
        tables.update(read_warehouse(engine, mapping))
    report = _build(tables, engine, options["scales"])
    if not report.sheets:
        raise _no_tables(args.inputs, tables, skipped)
    if skipped:
        notes.append(_skipped_files(skipped))
    thin = _thin(tables, report)
    if thin:
        notes.append(thin)
    for note in notes:
        print("cxexcel: note: " + " ".join(note.split()), file=sys.stderr)
    _write(report, args.output, args.force)
    print(f"wrote {args.output} ({', '.join(report.sheet_names)})")
    return EXIT_OK


def _in_memory(engine, table) -> bool:
    """Whether input ``table`` is held in memory: a DataFrame, or an engine
    table worked out from DataFrames only (a billing export's MRR)."""
    import pandas as pd

    return table is None or isinstance(table, pd.DataFrame) or engine.reads_only_memory(table)


def _check(args: argparse.Namespace) -> int:
    import pandas as pd

    from .engine import connect
    from .tables import read_checked

    for source in args.inputs:
        if not source.exists():
            raise _Refused(f"input {source} does not exist")
    if args.per_column < 1:
        raise _Refused("--per-column must be 1 or more")
    notes: list[str] = []
    skipped: list = []
    # Large Parquet tables are checked where they lie, as by cxexcel report.
    engine = connect()
    tables, errors = read_checked(
        *args.inputs,
        notes=notes,
        engine=engine,
        every=args.per_column,
        skipped=skipped,
        billing=_billing_settings(args),
        **_read_options(args),
    )
    for note in notes:
        print("found: " + " ".join(note.split()))
    if skipped:
        print("found: " + _skipped_files(skipped))
    for name, table in tables.items():
        rows = len(table) if isinstance(table, pd.DataFrame) else int(engine.execute(table.count()))
        print(f"{name}: {rows:,} row{'' if rows == 1 else 's'}, no problems")
    if not tables and not errors:
        raise _no_tables(args.inputs, tables, skipped)
    scales = _scales(args.scale)
    thin = _thin(tables, _build(tables, engine, scales) if len(tables) == 1 else None)
    if thin:
        print("note: " + thin)
    if errors:
        for line in str(_problems(errors)).splitlines():
            print("problem: " + line)
        print(f"{len(errors):,} problem{'' if len(errors) == 1 else 's'}")
        return EXIT_BAD_INPUT
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
    if _in_finalizer(frame):
        _later(_terminate)
        return
    _TERMINATIONS.append(signal.SIGTERM)
    raise _Terminated


def _in_finalizer(frame) -> bool:
    """Whether ``frame`` runs inside an object's ``__del__``: an exception
    cannot leave one (Python prints "Exception ignored in ..." with a
    traceback and goes on), so a signal that lands there is raised just after."""
    while frame is not None:
        if frame.f_code.co_name == "__del__":
            return True
        frame = frame.f_back
    return False


def _later(handler) -> None:
    """Call ``handler`` (as a signal handler) in a few milliseconds."""
    signal.signal(signal.SIGALRM, handler)
    signal.setitimer(signal.ITIMER_REAL, 0.005)


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
    if sys.argv[1:2] not in (["report"], ["check"], ["demo"]):
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
        if _in_finalizer(frame):
            _later(_interrupt)
            return
        _INTERRUPTS.append(signal.SIGINT)
        raise KeyboardInterrupt


def _ignore_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGALRM):
        with contextlib.suppress(ValueError, OSError):  # not the main thread
            signal.signal(signum, signal.SIG_IGN)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (``run`` exits with it)."""
    args = _parser().parse_args(argv)
    handler = {"report": _report, "check": _check, "demo": _demo, "serve": _serve}[args.command]
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
    except Exception:
        # A signal raised inside a callback of a C library (DuckDB scanning a
        # DataFrame) comes back as that library's error: the signal's exit.
        if _TERMINATIONS:
            _fail("terminated; nothing was written")
            return EXIT_TERMINATED
        if _INTERRUPTS:
            _fail("interrupted; nothing was written")
            return EXIT_INTERRUPTED
        raise
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
