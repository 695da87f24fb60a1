"""The engine: table-level work as Ibis expressions, run where the data is.

One door for the rest of cxexcel. A :class:`Engine` wraps an Ibis backend:
DuckDB embedded by default (files read by DuckDB itself, DataFrames as
memtables, a memory limit with spill to disk), or any backend Ibis connects
to (``postgres://...``, PySpark, ``duckdb://file.duckdb`` ...). The
expressions in the modules below reduce the input tables to small
aggregates (rows per month, per group, per cohort; per customer only where a
model needs it); :mod:`cxexcel.metrics` computes every metric from those, so
each metric is still defined once.

- :mod:`.backend`: connecting, and tables from files and DataFrames.
- :mod:`.parquet_statistics`: a Parquet file's statistics held to its rows.
- :mod:`.subscriptions`: customer-months, MRR movement and customer totals.
- :mod:`.responses`: survey answer counts per score, month and group.
- :mod:`.orders`: RFM summaries and their distinct rows for weighted fits.
- :mod:`.cohorts`: cohort activity counts; :mod:`.tenure`: tenure counts.

Ibis and DuckDB come with cxexcel; Spark and PostgreSQL are the extras
``cxexcel[spark]`` and ``cxexcel[postgres]``.
"""

from __future__ import annotations

from .backend import Engine, connect

__all__ = ["Engine", "connect"]
