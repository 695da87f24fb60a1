"""Connecting to an engine, and the input tables it reads."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.operations as ops
import pandas as pd
from ibis.expr.types import Table

__all__ = ["Engine", "connect", "quiet", "spill_directory", "DEFAULT_MEMORY_LIMIT"]

DEFAULT_MEMORY_LIMIT = "1.5GB"
"""DuckDB's memory limit unless ``CXEXCEL_MEMORY_LIMIT`` says otherwise;
beyond it DuckDB spills to its temporary directory. Python, pandas and the
Arrow results take 0.2-0.4 GB besides, so the whole process stays under 2 GB."""


@contextlib.contextmanager
def quiet() -> Iterator[None]:
    """Ibis 12 and DuckDB 2 warn about their own use of pandas 3 and of each
    other (Pandas4Warning, DeprecationWarning); nothing a user can act on, so
    a run prints no warning lines. And DuckDB turns a Ctrl+C during a query
    into an error of its own: it is a KeyboardInterrupt again here."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        warnings.filterwarnings("ignore", category=FutureWarning)
        warning = getattr(pd.errors, "Pandas4Warning", None)
        if warning is not None:
            warnings.filterwarnings("ignore", category=warning)
        try:
            yield
        except Exception as error:
            if _interrupted(error):
                raise KeyboardInterrupt from None
            raise


def _interrupted(error: Exception) -> bool:
    """Whether ``error`` is DuckDB's answer to a Ctrl+C during a query."""
    import duckdb

    if isinstance(error, getattr(duckdb, "InterruptException", ())):
        return True
    if "KeyboardInterrupt" in str(error):  # raised in a Python callback of a query
        return True
    return isinstance(error, RuntimeError) and "interrupted" in str(error).lower()


@dataclass
class Engine:
    """An Ibis backend and the input tables registered on it by name."""

    backend: ibis.BaseBackend
    tables: dict[str, Table] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """The backend's name: ``duckdb``, ``postgres``, ``pyspark`` ..."""
        return self.backend.name

    def add(self, name: str, table: Table) -> Table:
        """Register ``table`` (an expression of this backend) as input ``name``."""
        self.tables[name] = table
        return table

    def from_frame(self, name: str, frame: pd.DataFrame) -> Table:
        """A DataFrame as input ``name``: a memtable on DuckDB, a table elsewhere."""
        with quiet():
            if self.name == "duckdb":
                return self.add(name, ibis.memtable(frame))
            return self.add(name, self.backend.create_table(temporary_name(name), frame))

    def from_files(self, name: str, paths: str | Path | Iterable[str | Path]) -> Table:
        """CSV or Parquet files (paths or globs) as input ``name``, read by the
        backend. No input check runs (see :mod:`cxexcel.engine.inputs` for
        one), but a Parquet file's statistics are held to its rows before
        DuckDB may skip rows by them
        (:func:`~cxexcel.engine.parquet_statistics.hold_statistics`)."""
        paths = [str(p) for p in ([paths] if isinstance(paths, (str, Path)) else paths)]
        with quiet():
            if all(p.lower().endswith(".parquet") for p in paths):
                from .parquet_statistics import hold_statistics

                for path in sorted(
                    {f for p in paths for f in (glob.glob(p, recursive=True) or [p])}
                ):
                    hold_statistics(self, path)
                table = self.backend.read_parquet(paths)
            elif all(p.lower().endswith(".csv") for p in paths):
                table = self.backend.read_csv(paths)
            else:
                raise ValueError(f"{name}: give CSV or Parquet files, not {', '.join(paths)}")
        return self.add(name, table)

    def execute(self, expression) -> pd.DataFrame:
        """Run ``expression`` and bring its (small) result back as a DataFrame."""
        with quiet():
            return self.backend.execute(expression)

    def define_macros(self, statements: Iterable[str]) -> bool:
        """Run ``statements`` (``CREATE OR REPLACE TEMP MACRO ...``) on the
        embedded DuckDB; whether it has the macros now (False on another
        backend, or on a DuckDB that refused them)."""
        if self.name != "duckdb":
            return False
        try:
            with quiet():
                for statement in statements:
                    self.backend.raw_sql(statement)
        except Exception:  # a database that takes no definitions: the portable way
            return False
        return True

    def one_thread(self) -> None:
        """Run every later query of the embedded DuckDB on one thread, for
        tables held in memory (small next to what the threads are for): a
        parallel aggregate adds floats in the order its threads finish, so
        a sum of amounts in cents could change in its last digit from run
        to run (a revenue total read 102026.92 in one run and
        102026.9199999999 in the next)."""
        if self.name == "duckdb":
            self.backend.raw_sql("SET threads = 1")

    def reads_only_memory(self, table: Table) -> bool:
        """Whether ``table`` is worked out from tables held in memory only
        (DataFrames as memtables), no file or database table among them."""
        return not table.op().find(ops.DatabaseTable)

    def distrust_statistics(self) -> None:
        """Read files without the statistics in them from now on (a file's
        did not hold, :mod:`cxexcel.engine.parquet_statistics`): no filter,
        nor a join's or a top-N's bound, is pushed into a scan, where DuckDB
        would skip row groups by them. Slower, never wrong."""
        if self.name == "duckdb":
            self.backend.raw_sql(f"SET disabled_optimizers = '{_DISABLED},{_PUSHDOWN}'")

    @contextlib.contextmanager
    def statistics_unused(self) -> Iterator[None]:
        """Within, no filter is pushed into a scan (as after
        :meth:`distrust_statistics`): for the pass that holds a file's rows
        to its statistics, which must read every row."""
        if self.name != "duckdb":
            yield
            return
        before = self.backend.raw_sql("SELECT current_setting('disabled_optimizers')")
        before = before.fetchall()[0][0]
        self.backend.raw_sql(f"SET disabled_optimizers = '{_DISABLED},{_PUSHDOWN}'")
        try:
            yield
        finally:
            self.backend.raw_sql(f"SET disabled_optimizers = '{before}'")

    def read_parquet(self, path: str | Path, **options) -> Table:
        """A Parquet file as a table of this backend (not registered as an input)."""
        with quiet():
            return self.backend.read_parquet(str(path), **options)


_counter = iter(range(1, 1 << 62))


def temporary_name(name: str) -> str:
    return f"cx_{''.join(c for c in name.lower() if c.isalnum())}_{os.getpid()}_{next(_counter)}"


def spill_directory() -> Path:
    """Where the embedded DuckDB of this process spills beyond its memory limit."""
    return Path(tempfile.gettempdir()) / f"cxexcel-duckdb-{os.getpid()}"


def connect(url: str | None = None, *, memory_limit: str | None = None) -> Engine:
    """An engine: embedded DuckDB without ``url``, else the Ibis backend ``url``
    names (``postgres://user@host/db``, ``duckdb:///path/file.duckdb`` ...).

    Embedded DuckDB gets a memory limit (``memory_limit``, else
    ``CXEXCEL_MEMORY_LIMIT``, else 1.5 GB) and spills to a temporary directory.
    """
    with quiet():
        if url is None:
            limit = memory_limit or os.environ.get("CXEXCEL_MEMORY_LIMIT") or DEFAULT_MEMORY_LIMIT
            backend = ibis.duckdb.connect(memory_limit=limit, temp_directory=str(spill_directory()))
        else:
            backend = ibis.connect(url)
        if backend.name == "duckdb":
            _settle(backend)
    return Engine(backend)


def _settle(backend) -> None:
    """DuckDB settings every cxexcel query needs."""
    # No progress bar: DuckDB draws one on the terminal for queries over 2 s.
    backend.raw_sql("SET enable_progress_bar = false")
    # DuckDB 2.0 folds isnan() to false from Parquet column statistics, which
    # leave NaN out: a NaN blank in a Parquet file would count as an answer.
    backend.raw_sql(f"SET disabled_optimizers = '{_DISABLED}'")
    # Nor may a filter skip a NaN (above every number in DuckDB's order) by a
    # maximum that leaves it out, or a page by a page index nothing compares.
    backend.raw_sql("SET parquet_can_have_nan = true")
    backend.raw_sql("SET parquet_use_page_index = false")


_DISABLED = "statistics_propagation"
# What a lying statistic would skip rows through: filters and a join's
# min/max pushed into a scan, and the running bound of ORDER BY ... LIMIT.
_PUSHDOWN = "filter_pushdown,join_filter_pushdown,top_n"
