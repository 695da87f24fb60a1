"""The groupings the sheets share, computed once per report.

Only counting, summing and grouping happens here (pandas/numpy); every rate,
score and ratio is a call into :mod:`cxexcel.metrics`. A figure the data
leave undefined — no values in a group, a zero denominator — is ``None``
and shows as an empty cell.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cached_property

import numpy as np
import pandas as pd

from ..engine import Engine, connect
from ..engine import subscriptions as engine_subscriptions
from ..engine._time import month_index
from ..engine.backend import quiet, temporary_name
from ..engine.subscriptions import (
    SubscriptionActivity,
    SubscriptionTotals,
    customer_months,
    row_totals,
    subscription_activity,
    subscription_totals,
    window_retention,
)
from ..errors import EmptyInputError, InputError, TableError, ZeroDenominatorError
from ..metrics import churn, retention
from ..metrics.cohorts import period_start
from ..metrics.movements import MOVEMENT_TOTALS, movements_from_totals, paying_months
from ._survey_facts import SurveyFacts, frame_for_engine

#: Input tables the builder knows, in METRICS.md order.
TABLE_NAMES = ("Responses", "Subscriptions", "Orders", "Spend", "Engagement", "Targets")

#: The date column of each table whose sheets have a row per month.
DATE_COLUMNS = {
    "Responses": "date",
    "Subscriptions": "month",
    "Orders": "date",
    "Spend": "month",
    "Engagement": "date",
}

#: The longest span of months a report covers (50 years). The sheets have a
#: row (and cohorts a row and a column) per month, so beyond this the
#: workbook grows with the span of the dates rather than with the data: one
#: mistyped year (1924 for 2024) would make thousands of empty months.
MAX_MONTHS = 600


def figure(function: Callable, *args, **kwargs) -> float | str | None:
    """The core's result, or None where the data leave it undefined."""
    try:
        value = function(*args, **kwargs)
    except (EmptyInputError, ZeroDenominatorError):
        return None
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def per_row(function: Callable, valid: np.ndarray, *arrays: np.ndarray) -> list[float | None]:
    """Call an element-wise core function on the rows where ``valid`` holds;
    the other rows (e.g. a zero denominator) are None."""
    valid = np.asarray(valid, dtype=bool)
    out: list[float | None] = [None] * len(valid)
    if valid.any():
        values = np.atleast_1d(function(*(np.asarray(a, dtype=float)[valid] for a in arrays)))
        for index, value in zip(np.flatnonzero(valid), values, strict=True):
            out[index] = None if np.isnan(value) else float(value)
    return out


def month_floor(values: pd.Series) -> np.ndarray:
    """The first day of each value's month, as datetime64[ns]."""
    return values.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype("datetime64[ns]")


def table_call(table: str, function: Callable, /, **arguments):
    """Call a core function on columns of an input table; a bad value raises a
    ``TableError`` naming the table, the column and the row.

    Arguments that are pandas Series name their column (``Series.name``).
    Rows are numbered as in a sheet or CSV file whose header is row 1 and
    whose first data row is index 0 of the table.
    """
    try:
        return function(**arguments)
    except InputError as error:
        series = arguments.get(error.argument)
        if not isinstance(series, pd.Series):
            raise TableError(f"{table}: {error}", table) from None
        column = str(series.name)
        if isinstance(error, EmptyInputError) or error.position is None:
            raise TableError(f"{table}: column {column} has no values", table, column) from None
        label = series.index[error.position - 1]
        row = int(label) + 2 if isinstance(label, (int, np.integer)) else error.position + 1
        detail = str(error).split(": ", 1)[-1]
        detail = detail.replace(f" at item {error.position}", "")
        raise TableError(
            f"{table}, column {column}, row {row}: {detail}", table, column, row
        ) from None


def _row_number(series: pd.Series, position: int) -> int:
    """The sheet or file row of ``series``'s item at ``position`` (header in row 1)."""
    label = series.index[position]
    return int(label) + 2 if isinstance(label, (int, np.integer)) else position + 2


def check_month_span(table: str, dates: pd.Series) -> None:
    """Refuse a date column spanning more than :data:`MAX_MONTHS` months,
    naming the rows of its first and last months."""
    values = dates.to_numpy(dtype="datetime64[ns]")
    known = ~np.isnat(values)
    if not known.any():
        return
    months = values.astype("datetime64[M]").astype(np.int64)
    months = np.where(known, months, months[known][0])
    first, last = int(np.argmin(months)), int(np.argmax(months))
    span = int(months[last] - months[first]) + 1
    if span <= MAX_MONTHS:
        return
    raise TableError(
        f"{table}, column {dates.name}: the months run from {month_label(values[first])} "
        f"(row {_row_number(dates, first)}) to {month_label(values[last])} "
        f"(row {_row_number(dates, last)}), {span:,} months; a report covers at most "
        f"{MAX_MONTHS:,} months ({MAX_MONTHS // 12} years): check those rows for a "
        "mistyped year, or report on a shorter period",
        table,
        str(dates.name),
        _row_number(dates, first),
    )


class Facts:
    """Read-only access to the input tables and the aggregates sheets share."""

    def __init__(self, tables: dict[str, pd.DataFrame], engine: Engine | None = None, scales=None):
        #: Top rating of csat and ces (1 to top), 5 and 7 unless set.
        self.tops = {"csat": 5, "ces": 7} | {
            name: int(scale[1]) for name, scale in (scales or {}).items() if name in ("csat", "ces")
        }
        # A table may also be an engine table (``read_tables(..., engine=...)``):
        # checked where it lies, never empty, reduced by the engine.
        self.tables = {
            name: frame
            for name, frame in tables.items()
            if frame is not None and (not isinstance(frame, pd.DataFrame) or len(frame) > 0)
        }
        self._engine = engine

    def in_engine(self, name: str) -> bool:
        """Whether table ``name`` is an engine table rather than a DataFrame."""
        return name in self.tables and not isinstance(self.tables[name], pd.DataFrame)

    @cached_property
    def engine(self) -> Engine:
        """The engine the large tables are reduced on (embedded DuckDB unless
        given; then every table is a DataFrame, reduced on one thread so that
        its sums come out the same in every run)."""
        if self._engine is not None:
            return self._engine
        engine = connect()
        engine.one_thread()
        return engine

    def engine_table(self, name: str):
        """Table ``name`` on the engine: as given, or a DataFrame as a memtable
        (with its row order as ``_row``). The sheets reduce Responses and
        Subscriptions there, whatever they were read from."""
        if self.in_engine(name):
            return self.tables[name]
        if name not in self._engine_tables:
            frame = frame_for_engine(self.tables[name])
            self._engine_tables[name] = self.engine.from_frame(name, frame)
        return self._engine_tables[name]

    @cached_property
    def _engine_tables(self) -> dict:
        return {}

    @cached_property
    def survey(self) -> SurveyFacts:
        """The Responses table's aggregates (answer counts per score, month, segment)."""
        return SurveyFacts(self.engine, self.engine_table("Responses"), self.tops)

    @cached_property
    def _paying_months(self):
        """The Subscriptions paying customer-months with their neighbours
        (:func:`~cxexcel.engine.subscriptions.paying_months`), made once for
        every query that reads them: a temporary table on the embedded DuckDB
        (which spills it to disk beyond its memory limit), an expression
        elsewhere."""
        subs = self.engine_table("Subscriptions")
        if self.engine.name == "duckdb":
            # Most tables have a row per customer and month: then the rows
            # are the customer-months, and grouping them (a hash of every
            # row) is not needed. Checked on the result.
            with_fx = bool(self.engine.execute(engine_subscriptions.has_fx(subs)))
            rows = engine_subscriptions.row_months(subs, with_fx)
            paying = self.table_once("paying_months", engine_subscriptions.paying_months(rows))
            check = engine_subscriptions.one_row_per_month(subs, paying)
            if int(self.engine.execute(check)["ok"].iloc[0]) == 1:
                return paying
            self.engine.backend.drop_table(paying.get_name(), force=True)
        months = customer_months(subs)
        return self.table_once("paying_months", engine_subscriptions.paying_months(months))

    @property
    def paying_month_table(self):
        """The Subscriptions paying customer-months on the engine
        (``customer_id``, ``slot``, ``mrr`` above 0 ...), for reductions that
        join other tables to them."""
        return self._paying_months

    def table_once(self, name: str, expression):
        """``expression`` made once for the queries that read it: a temporary
        table on the embedded DuckDB, the expression itself elsewhere."""
        if self.engine.name != "duckdb":
            return expression
        with quiet():
            return self.engine.backend.create_table(temporary_name(name), expression, temp=True)

    @property
    def last_slot(self) -> int:
        """The month number of the Subscriptions table's last month."""
        totals = self.subscription_totals
        return totals.first_month + totals.n_months - 1

    @cached_property
    def _month_bounds(self) -> tuple[int, int] | None:
        return engine_subscriptions.month_bounds(self.engine, self.engine_table("Subscriptions"))

    @cached_property
    def subscription_activity(self) -> SubscriptionActivity:
        """The Subscriptions table's cohort and tenure counts."""
        subs = self.engine_table("Subscriptions")
        return subscription_activity(self.engine, subs, self._paying_months, self._month_bounds)

    @cached_property
    def subscription_totals(self) -> SubscriptionTotals:
        """The Subscriptions table reduced to totals per month."""
        subs = self.engine_table("Subscriptions")
        return subscription_totals(self.engine, subs, self._paying_months, self._month_bounds)

    @cached_property
    def subscription_rows(self) -> pd.DataFrame:
        """The Subscriptions rows per month as they are (``slot``, ``rows``,
        ``mrr``; :func:`~cxexcel.engine.subscriptions.row_totals`), for the checks."""
        frame = self.engine.execute(row_totals(self.engine_table("Subscriptions")))
        return frame.sort_values("slot", na_position="last").reset_index(drop=True)

    @cached_property
    def trailing_retention(self) -> pd.DataFrame:
        """NRR and GRR over the trailing 12 months, one row per month of
        Subscriptions (``nrr``, ``grr``; NaN for the first 12 months)."""
        from ..metrics.mrr_retention import retention_from_totals

        paying = self._paying_months
        first = self.subscription_totals.first_month
        totals = self.engine.execute(window_retention(paying, 12, self.last_slot, first))
        n_months = self.subscription_totals.n_months
        slots = totals["slot"].to_numpy(np.int64) - first
        nrr, grr = retention_from_totals(totals["base_mrr"], totals["mrr_now"], totals["kept_mrr"])
        out = pd.DataFrame({"nrr": np.full(n_months, np.nan), "grr": np.full(n_months, np.nan)})
        out.loc[slots, "nrr"] = nrr
        out.loc[slots, "grr"] = grr
        return out

    def rows_read(self, name: str) -> int:
        """Rows of input table ``name`` as it was read (counted on the engine for an engine table)."""
        table = self.tables[name]
        if isinstance(table, pd.DataFrame):
            return len(table)
        return int(self.engine.execute(table.count()))

    def validate(self) -> None:
        """Check the spans of months and the survey score columns up front, so a
        bad value names its table, column and row (rather than the metric
        argument and item number)."""
        for table, column in DATE_COLUMNS.items():
            if self.in_engine(table):
                # The span from aggregates the sheets need anyway; rows only on error.
                if self._engine_span(table) > MAX_MONTHS:
                    check_engine_month_span(self.engine, table, self.tables[table], column)
            elif self.has(table) and column in self.tables[table].columns:
                check_month_span(table, self.tables[table][column])
        if self.has("Responses") and not self.in_engine("Responses"):
            self._check_scores()
        if self.has("Subscriptions") and not self.in_engine("Subscriptions"):
            subs = self.tables["Subscriptions"]
            table_call(
                "Subscriptions",
                paying_months,
                customer=subs["customer_id"],
                month=subs["month"],
                mrr=subs["mrr"],
            )

    def _engine_span(self, table: str) -> int:
        """Months from the first to the last of an engine table's dates."""
        if table == "Subscriptions":
            return self.subscription_totals.n_months
        months = self.survey.months
        return months[-1] - months[0] + 1 if months else 0

    def _check_scores(self) -> None:
        """Each score column's values as its metric reads them, or a TableError
        naming the row (the sheets then work on counts of checked values)."""
        from ..metrics import ces, csat, nps

        for name, function in (("nps", nps), ("csat", csat), ("ces", ces)):
            column = self.column("Responses", name)
            if column is not None:
                extra = {"scale_max": self.tops[name]} if name in self.tops else {}
                table_call("Responses", function, scores=column, **extra)

    @cached_property
    def survey_totals(self) -> dict[str, float]:
        """NPS, its margin of error, CSAT and CES over all responses (where the columns exist)."""
        survey = self.survey
        out: dict[str, float] = {}
        for name in ("nps", "csat", "ces"):
            if survey.present(name):
                out[name] = survey.figure(name, survey.counts(name))
        if "nps" in out:
            out["nps_moe"] = survey.figure("moe", survey.counts("nps"))
        return out

    def has(self, *names: str) -> bool:
        return all(name in self.tables for name in names)

    def column(self, table: str, name: str) -> pd.Series | None:
        frame = self.tables.get(table)
        if frame is None or name not in frame.columns:
            return None
        column = frame[name]
        return column if column.notna().any() else None

    # --- Responses ---------------------------------------------------------

    # --- Subscriptions -----------------------------------------------------

    @cached_property
    def movements(self) -> pd.DataFrame:
        """``mrr_movements`` of the Subscriptions table, one row per month
        (from the engine's totals: the same table)."""
        totals = self.subscription_totals
        names = list(MOVEMENT_TOTALS)
        if (totals.months["fx"].abs() > 1e-9).any():  # rates moved: fx is its own movement
            names.append("fx")
        return movements_from_totals(
            totals.first_month,
            totals.n_months,
            totals.months["slot"],
            {name: totals.months[name] for name in names},
        )

    @cached_property
    def customer_months(self) -> pd.DataFrame:
        """Active customers per month (MRR > 0) and how they changed.

        Columns: month, start (active the month before), new (active now, not
        the month before — reactivated customers included), lost (active the
        month before, not now), end, mrr (the month's amounts added up), arpa
        (mean MRR of the active customers), churn, retention. The first month
        has no start, so no churn or retention.
        """
        totals = self.subscription_totals
        months = totals.months
        return _customer_table(
            totals.first_month,
            totals.n_months,
            months["paying"].to_numpy(np.int64),
            months["joined"].to_numpy(np.int64),
            months["lost"].to_numpy(np.int64),
            months["ending"].to_numpy(float),
        )

    @cached_property
    def pooled_churn(self) -> float | None:
        """Average monthly churn over all months: ``churn`` of the summed starts and losses."""
        months = self.customer_months
        valid = months["start"] > 0
        if not valid.any():
            return None
        return figure(
            churn, float(months["start"][valid].sum()), float(months["lost"][valid].sum())
        )

    # --- Targets -----------------------------------------------------------

    @cached_property
    def targets(self) -> dict[str, float]:
        """Target per metric key (lower-case letters and digits only: "clvcac")."""
        frame = self.tables.get("Targets")
        if frame is None:
            return {}
        out: dict[str, float] = {}
        for metric, target in zip(frame["metric"], frame["target"], strict=True):
            if isinstance(metric, str) and target is not None and not pd.isna(target):
                out[normalise_key(metric)] = float(target)
        return out

    def target(self, *keys: str) -> float | None:
        for key in keys:
            value = self.targets.get(normalise_key(key))
            if value is not None:
                return value
        return None


def _customer_table(first: int, n_months: int, end, new, lost, total) -> pd.DataFrame:
    """``Facts.customer_months`` from paying customers (``end``), those who
    joined or came back (``new``), those lost and the MRR, per month."""
    start = np.r_[0, end[:-1]]
    has_start = start > 0
    has_start[0] = False
    with np.errstate(invalid="ignore", divide="ignore"):
        arpa = np.where(end > 0, total / np.maximum(end, 1), np.nan)
    return pd.DataFrame(
        {
            "month": period_start(np.arange(n_months) + first, "M"),
            "start": start,
            "new": new,
            "lost": lost,
            "end": end,
            "mrr": total,
            "arpa": arpa,
            "churn": per_row(churn, has_start, start, lost),
            "retention": per_row(retention, has_start, start, end, new),
        }
    )


def check_engine_month_span(engine: Engine, table: str, source, column: str) -> None:
    """:func:`check_month_span` of an engine table's date column (rows
    numbered as in the in-memory table: 2 for its first row)."""
    month = month_index(source[column])
    bounds = engine.execute(source.aggregate(first=month.min(), last=month.max())).iloc[0]
    if pd.isna(bounds["first"]):
        return
    first, last = int(bounds["first"]), int(bounds["last"])
    span = last - first + 1
    if span <= MAX_MONTHS:
        return

    def row_of(slot: int) -> int | None:
        if "_row" not in source.columns:
            return None  # a warehouse table: rows have no numbers
        at = source.filter(month == slot)
        first_row = engine.execute(at.aggregate(r=at._row.min())).iloc[0]["r"]
        before = engine.execute(source.filter(source._row < int(first_row)).count())
        return int(before) + 2

    def label(slot: int) -> str:
        return month_label(period_start(np.array([slot]), "M")[0])

    def where(slot: int) -> str:
        row = row_of(slot)
        return f"{label(slot)} (row {row})" if row is not None else label(slot)

    raise TableError(
        f"{table}, column {column}: the months run from {where(first)} "
        f"to {where(last)}, {span:,} months; "
        f"a report covers at most {MAX_MONTHS:,} months ({MAX_MONTHS // 12} years): check "
        "those rows for a mistyped year, or report on a shorter period",
        table,
        column,
        row_of(first),
    )


def normalise_key(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isalnum())


def month_label(value) -> str:
    return pd.Timestamp(value).strftime("%b %Y")


def py_datetime(value):
    """A date or month value as a naive ``datetime.datetime`` for a cell."""
    return pd.Timestamp(value).tz_localize(None).to_pydatetime()
