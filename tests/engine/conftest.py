"""Ibis backends on real engines: DuckDB (in process), PostgreSQL and Spark (local mode).

``postgres_con`` and ``spark_con`` are session-scoped: one PostgreSQL server
(``backends.postgres_server``) and one SparkSession (``backends.spark_session``)
for the whole run. ``backend`` runs a test once per engine.

Where PostgreSQL's binaries, Java or the Python drivers are missing, these
tests are skipped on a developer's machine and fail under CI (``CI`` set):
``.ci/run`` installs them, so CI must run them.
"""

from __future__ import annotations

import importlib.util
import os

import pytest

from . import backends

ENGINES = ["duckdb", "postgres", "spark"]


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(
            f"{reason}; CI must run the PostgreSQL and Spark engine tests "
            "(.ci/run installs postgresql and openjdk-17-jre-headless, "
            "scripts/setup installs cxexcel[dev])",
            pytrace=False,
        )
    pytest.skip(reason)


def _require_modules(*names: str) -> None:
    missing = [name for name in names if importlib.util.find_spec(name) is None]
    if missing:
        _unavailable(f"Python package(s) not installed: {', '.join(missing)}")


@pytest.fixture(scope="session")
def postgres_params(tmp_path_factory):
    """Connection parameters (host, port, user, database, ...) of this run's PostgreSQL server."""
    if backends.find_postgres_bin() is None:
        _unavailable("PostgreSQL server binaries (initdb, pg_ctl) not found")
    with backends.postgres_server(tmp_path_factory.mktemp("postgres")) as params:
        yield params


@pytest.fixture(scope="session")
def postgres_con(postgres_params):
    _require_modules("ibis", "psycopg")
    import ibis

    keys = ("host", "port", "user", "database")
    con = ibis.postgres.connect(**{key: postgres_params[key] for key in keys})
    yield con
    con.disconnect()


@pytest.fixture(scope="session")
def spark_session(tmp_path_factory):
    _require_modules("pyspark")
    if backends.find_java() is None:
        _unavailable("Java (java on PATH or $JAVA_HOME) not found; Spark needs it")
    with backends.spark_session(tmp_path_factory.mktemp("spark")) as session:
        yield session


@pytest.fixture(scope="session")
def spark_con(spark_session):
    _require_modules("ibis")
    import ibis

    return ibis.pyspark.connect(spark_session)


@pytest.fixture(scope="session")
def duckdb_con():
    _require_modules("ibis", "duckdb")
    import ibis

    con = ibis.duckdb.connect()
    yield con
    con.disconnect()


@pytest.fixture(params=ENGINES)
def backend(request):
    """An Ibis backend, once per engine: duckdb, postgres, spark."""
    return request.getfixturevalue(f"{request.param}_con")
