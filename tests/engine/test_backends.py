"""The engine fixtures work: real DuckDB, PostgreSQL and Spark, used through Ibis."""

from __future__ import annotations

import datetime as dt
import socket
import uuid
from pathlib import Path

import ibis
import pandas as pd
import pytest

ORDERS = pd.DataFrame(
    {
        "customer": ["a", "a", "a", "a", "b", "b", "c"],
        "month": pd.to_datetime(
            [
                "2024-01-01",
                "2024-01-01",
                "2024-02-01",
                "2024-04-01",
                "2024-02-01",
                "2024-03-01",
                "2024-03-01",
            ]
        ).date,
        "amount": [10.0, 5.0, 20.0, 7.5, 3.0, 4.0, 100.0],
    }
)

# Revenue per customer and month, and the customer's revenue of the month before
# (the previous row of that customer: a has no March).
EXPECTED_MONTHLY = [
    ("a", dt.date(2024, 1, 1), 15.0, None),
    ("a", dt.date(2024, 2, 1), 20.0, 15.0),
    ("a", dt.date(2024, 4, 1), 7.5, 20.0),
    ("b", dt.date(2024, 2, 1), 3.0, None),
    ("b", dt.date(2024, 3, 1), 4.0, 3.0),
    ("c", dt.date(2024, 3, 1), 100.0, None),
]


def _table_name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def _rows(df: pd.DataFrame) -> list[tuple]:
    return [
        tuple(None if pd.isna(value) else value for value in row)
        for row in df.itertuples(index=False)
    ]


def _as_date(value) -> dt.date:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date()
    return value


def test_group_by_and_lag_window(backend):
    name = _table_name("orders")
    orders = backend.create_table(name, ORDERS, overwrite=True)
    try:
        assert orders.count().execute() == len(ORDERS)
        monthly = orders.group_by(["customer", "month"]).aggregate(
            revenue=orders.amount.sum(), n=orders.count()
        )
        by_customer = ibis.window(group_by="customer", order_by="month")
        expr = monthly.mutate(previous=monthly.revenue.lag().over(by_customer)).order_by(
            ["customer", "month"]
        )
        result = expr.select("customer", "month", "revenue", "previous").to_pandas()
        rows = [
            (customer, _as_date(month), float(revenue), previous)
            for customer, month, revenue, previous in _rows(result)
        ]
        assert rows == EXPECTED_MONTHLY

        counts = monthly.order_by(["customer", "month"]).n.to_pandas().tolist()
        assert counts == [2, 1, 1, 1, 1, 1]

        totals = (
            orders.group_by("customer")
            .aggregate(total=orders.amount.sum())
            .order_by("customer")
            .to_pandas()
        )
        assert _rows(totals) == [("a", 42.5), ("b", 7.0), ("c", 100.0)]
    finally:
        backend.drop_table(name, force=True)


def test_date_and_timestamp_round_trip(backend):
    stamps = [
        dt.datetime(2024, 1, 31, 23, 59, 59),
        dt.datetime(2024, 2, 29, 0, 0, 0),
        dt.datetime(1999, 12, 31, 12, 30, 15),
    ]
    days = [dt.date(2024, 1, 31), dt.date(2024, 2, 29), dt.date(1999, 12, 31)]
    frame = pd.DataFrame(
        {
            "id": [1, 2, 3],
            "day": days,
            "at": pd.to_datetime(stamps),
        }
    )
    name = _table_name("stamps")
    table = backend.create_table(name, frame, overwrite=True)
    try:
        schema = table.schema()
        assert schema["day"].is_date(), schema
        assert schema["at"].is_timestamp(), schema
        back = table.order_by("id").to_pandas()
        assert [_as_date(value) for value in back["day"]] == days
        assert [pd.Timestamp(value).to_pydatetime() for value in back["at"]] == stamps

        # The engine computes on them too: month of the date, day after the timestamp.
        month = table.order_by("id").day.month().to_pandas().tolist()
        assert month == [1, 2, 12]
        later = (table.at + ibis.interval(days=1)).date().name("later")
        assert [_as_date(v) for v in table.order_by("id").select(later).to_pandas()["later"]] == [
            dt.date(2024, 2, 1),
            dt.date(2024, 3, 1),
            dt.date(2000, 1, 1),
        ]
    finally:
        backend.drop_table(name, force=True)


def _listening_addresses(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port``, from /proc/net/tcp{,6}."""
    found = set()
    for table, size in (("tcp", 4), ("tcp6", 16)):
        path = Path("/proc/net", table)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, port_hex = fields[1].split(":")
            if fields[3] != "0A" or int(port_hex, 16) != port:  # 0A: LISTEN
                continue
            raw = bytes.fromhex(address)
            # /proc writes each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i : i + 4][::-1] for i in range(0, size, 4))
            family = socket.AF_INET if size == 4 else socket.AF_INET6
            found.add(socket.inet_ntop(family, raw))
    return found


def test_postgres_listens_on_loopback_only(postgres_con, postgres_params):
    assert postgres_params["host"] == "127.0.0.1"
    port = postgres_params["port"]
    with postgres_con.raw_sql("SHOW listen_addresses") as cursor:
        assert cursor.fetchone()[0] == "127.0.0.1"
    with postgres_con.raw_sql("SELECT current_database(), current_user") as cursor:
        assert cursor.fetchone() == ("cx", "postgres")
    if Path("/proc/net/tcp").exists():
        assert _listening_addresses(port) == {"127.0.0.1"}
    # and its unix socket lives in the cluster's own temporary directory
    assert Path(postgres_params["socket_dir"], f".s.PGSQL.{port}").is_socket()


def test_spark_is_local(spark_session):
    conf = spark_session.sparkContext.getConf()
    assert spark_session.sparkContext.master == "local[2]"
    assert conf.get("spark.ui.enabled") == "false"
    assert spark_session.conf.get("spark.sql.session.timeZone") == "UTC"
    assert spark_session.conf.get("spark.sql.shuffle.partitions") == "4"
    assert conf.get("spark.driver.host") == "127.0.0.1"


@pytest.mark.parametrize("engine", ["duckdb", "postgres", "spark"])
def test_backend_names(request, engine):
    con = request.getfixturevalue(f"{engine}_con")
    assert con.name == {"spark": "pyspark"}.get(engine, engine)
