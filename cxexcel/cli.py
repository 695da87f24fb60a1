"""The ``cxexcel`` command: metric workbooks without Excel, and the add-in server.

::

    cxexcel report INPUT... --output OUT.xlsx [--force]
    cxexcel demo [--output out/cx-demo.xlsx] [--force]
    cxexcel serve [--host 127.0.0.1] [--port 8000]

``report`` reads the input tables (an .xlsx holding them, CSV/Parquet files
named after the tables, or a folder of those), builds the metric sheets and
writes them to OUT.xlsx. It never overwrites an input, refuses an existing
output unless ``--force`` is given, and writes atomically (a half-written
file never appears under OUT).

Exit codes: 0 done; 1 the output could not be written; 2 bad input or a
refused output (the message, one line on stderr, names the table, column
and row where it can).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .errors import CxError

__all__ = ["main", "DEMO_OUTPUT"]

#: Where ``cxexcel demo`` writes when no ``--output`` is given (relative to the cwd).
DEMO_OUTPUT = Path("out") / "cx-demo.xlsx"

EXIT_OK = 0
EXIT_WRITE_FAILED = 1
EXIT_BAD_INPUT = 2


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
    report.add_argument("inputs", nargs="+", metavar="INPUT", type=Path)
    report.add_argument("-o", "--output", required=True, type=Path, help="the .xlsx to write")
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


def _write(tables: dict, output: Path) -> list[str]:
    from .report.build import build_report
    from .report.openpyxl_writer import write_workbook

    report = build_report(tables)
    output.parent.mkdir(parents=True, exist_ok=True)
    write_workbook(report, output)
    return report.sheet_names


def _report(args: argparse.Namespace) -> int:
    from .tables import read_tables

    for source in args.inputs:
        if not source.exists():
            raise _Refused(f"input {source} does not exist")
    _check_output(args.output, args.inputs, args.force)
    tables = read_tables(*args.inputs)
    names = _write(tables, args.output)
    print(f"wrote {args.output} ({', '.join(names) or 'no sheets'})")
    return EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from .sample_data import generate

    output = args.output if args.output is not None else DEMO_OUTPUT
    # The default output belongs to the demo, so re-running it replaces it.
    _check_output(output, [], args.force or args.output is None)
    names = _write(generate(), output)
    print(f"wrote {output} ({', '.join(names)})")
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    from .server import run

    run(host=args.host, port=args.port)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (also used by ``python -m cxexcel``)."""
    args = _parser().parse_args(argv)
    handler = {"report": _report, "demo": _demo, "serve": _serve}[args.command]
    try:
        return handler(args)
    except _Refused as refusal:
        _fail(str(refusal))
        return EXIT_BAD_INPUT
    except CxError as error:
        _fail(str(error))
        return EXIT_BAD_INPUT
    except OSError as error:
        _fail(f"cannot write {getattr(args, 'output', '')}: {error.strerror or error}")
        return EXIT_WRITE_FAILED


def _fail(message: str) -> None:
    # One line: multi-line messages would break scripts that grep stderr.
    print("cxexcel: error: " + " ".join(message.split()), file=sys.stderr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
