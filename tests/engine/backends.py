"""Real database engines for the tests: a throwaway PostgreSQL server and a local Spark.

``postgres_server()`` makes a fresh cluster with ``initdb`` in a temporary
directory, starts it on a free port of 127.0.0.1 only (its unix socket in that
directory too), creates the database ``cx``, yields the connection
parameters, and stops it and removes the directory at exit.

PostgreSQL refuses to run as root. When this process is root (as on CI), the
directory is handed to an unprivileged user (``postgres`` when the system has
one, else ``nobody``) and ``initdb``/``pg_ctl``/``createdb`` run as that user:
``subprocess`` switches uid, gid and groups itself (``user=``, ``group=``,
``extra_groups=[]``), so no ``su``/``runuser`` and no login shell are needed.

``spark_session()`` is a local-mode SparkSession (2 threads, no UI, bound to
127.0.0.1, UTC), with its warehouse and scratch space in a temporary directory.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

PG_TOOLS = ("initdb", "pg_ctl", "postgres", "createdb")
PG_USER = "postgres"  # the superuser that initdb makes; it is trusted on 127.0.0.1
PG_DATABASE = "cx"
PG_START_TIMEOUT = 60


def find_postgres_bin() -> Path | None:
    """The directory holding initdb, pg_ctl, postgres and createdb, or None.

    Debian's /usr/lib/postgresql/<major>/bin (newest major first), then PATH.
    """
    candidates = sorted(
        Path("/usr/lib/postgresql").glob("*/bin"),
        key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else -1,
        reverse=True,
    )
    for directory in candidates:
        if all(os.access(directory / tool, os.X_OK) for tool in PG_TOOLS):
            return directory
    found = shutil.which("initdb")
    if found:
        directory = Path(found).resolve().parent
        if all(os.access(directory / tool, os.X_OK) for tool in PG_TOOLS):
            return directory
    return None


def find_java() -> str | None:
    """The ``java`` that Spark will start: $JAVA_HOME/bin/java, else the one on PATH."""
    home = os.environ.get("JAVA_HOME")
    if home and os.access(Path(home, "bin", "java"), os.X_OK):
        return str(Path(home, "bin", "java"))
    return shutil.which("java")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _server_account() -> pwd.struct_passwd | None:
    """The unprivileged account that runs PostgreSQL when we are root; None when we are not."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        with contextlib.suppress(KeyError):
            return pwd.getpwnam(name)
    raise RuntimeError("running as root, but there is no 'postgres' or 'nobody' user")


class _Runner:
    """Runs the PostgreSQL tools, as an unprivileged user when we are root."""

    def __init__(self, bin_dir: Path, account: pwd.struct_passwd | None, cwd: Path):
        self.bin_dir = bin_dir
        self.account = account
        self.cwd = cwd
        self.env = {
            "PATH": f"{bin_dir}:/usr/bin:/bin",
            "LC_ALL": "C.UTF-8",
            "LANG": "C.UTF-8",
            "TZ": "UTC",
            "HOME": str(cwd),
        }

    def run(self, tool: str, *args: str, timeout: float = PG_START_TIMEOUT):
        kwargs = {}
        if self.account is not None:
            kwargs = {
                "user": self.account.pw_uid,
                "group": self.account.pw_gid,
                "extra_groups": [],
            }
        result = subprocess.run(
            [str(self.bin_dir / tool), *args],
            cwd=self.cwd,
            env=self.env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout,
            **kwargs,
        )
        if result.returncode != 0:
            raise RuntimeError(
                f"{tool} {' '.join(args)} failed ({result.returncode}):\n"
                f"{result.stdout}{result.stderr}"
            )
        return result


def _reachable_by(account: pwd.struct_passwd, directory: Path) -> bool:
    """Whether ``account`` can enter every directory down to ``directory``."""
    for part in [directory, *directory.parents]:
        mode = part.stat()
        if mode.st_uid == account.pw_uid:
            continue
        if not mode.st_mode & 0o001:  # no x for others (group is not counted on)
            return False
    return True


def _make_base(tmp_dir: str | os.PathLike | None, account: pwd.struct_passwd | None) -> Path:
    parent = Path(tmp_dir) if tmp_dir is not None else None
    if account is not None and parent is not None and not _reachable_by(account, parent):
        parent = None  # e.g. pytest's /tmp/pytest-of-root is 0700: use the system temp dir
    base = Path(tempfile.mkdtemp(prefix="cx-pg-", dir=parent))
    if account is not None:
        os.chown(base, account.pw_uid, account.pw_gid)
    return base


@contextlib.contextmanager
def postgres_server(tmp_dir: str | os.PathLike | None = None) -> Iterator[dict]:
    """A fresh PostgreSQL server for the duration of the block.

    Yields ``{"host": "127.0.0.1", "port": ..., "user": "postgres", "database": "cx"}``
    plus ``"socket_dir"`` and ``"data_dir"`` (extra keys for the tests; pass
    only the first four to a client). ``tmp_dir`` is where the cluster's
    directory is made (the system temp dir when not given, or when it is out
    of reach of the unprivileged user that runs the server as root).
    """
    bin_dir = find_postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL's initdb/pg_ctl/postgres were not found")
    account = _server_account()
    base = _make_base(tmp_dir, account)
    data = base / "data"
    log = base / "server.log"
    runner = _Runner(bin_dir, account, base)
    started = False
    try:
        runner.run(
            "initdb",
            "--pgdata",
            str(data),
            "--username",
            PG_USER,
            "--auth",
            "trust",
            "--encoding",
            "UTF8",
            "--locale",
            "C.UTF-8",
            "--no-sync",
            "--no-instructions",
        )
        port = free_port()
        options = " ".join(
            [
                "-c listen_addresses=127.0.0.1",
                f"-c port={port}",
                f"-c unix_socket_directories={base}",
                "-c fsync=off",
                "-c full_page_writes=off",
                "-c synchronous_commit=off",
                "-c max_connections=20",
                "-c shared_buffers=32MB",
                "-c TimeZone=UTC",
            ]
        )
        started = True  # from here on, stop it even if pg_ctl start fails half-way
        try:
            runner.run(
                "pg_ctl",
                "start",
                "--pgdata",
                str(data),
                "--log",
                str(log),
                "--wait",
                "--timeout",
                str(PG_START_TIMEOUT),
                "--options",
                options,
            )
        except RuntimeError as error:
            server_log = log.read_text(errors="replace") if log.exists() else ""
            raise RuntimeError(f"{error}\nserver log:\n{server_log}") from None
        # createdb talks to the server through its unix socket, as the superuser.
        runner.run(
            "createdb",
            "--host",
            str(base),
            "--port",
            str(port),
            "--username",
            PG_USER,
            PG_DATABASE,
        )
        yield {
            "host": "127.0.0.1",
            "port": port,
            "user": PG_USER,
            "database": PG_DATABASE,
            "socket_dir": str(base),
            "data_dir": str(data),
        }
    finally:
        if started:
            with contextlib.suppress(Exception):
                runner.run("pg_ctl", "stop", "--pgdata", str(data), "-m", "immediate", "--wait")
        shutil.rmtree(base, ignore_errors=True)


@contextlib.contextmanager
def spark_session(tmp_dir: str | os.PathLike | None = None):
    """A local-mode SparkSession (``local[2]``) for the duration of the block."""
    from pyspark.sql import SparkSession

    base = Path(tempfile.mkdtemp(prefix="cx-spark-", dir=tmp_dir))
    (base / "java").mkdir()
    # Read by the JVM at launch: bind to loopback (no "resolves to a loopback
    # address" guess) and keep Spark's scratch files in our directory.
    launch_env = {"SPARK_LOCAL_IP": "127.0.0.1", "SPARK_LOCAL_DIRS": str(base / "local")}
    saved = {name: os.environ.get(name) for name in launch_env}
    os.environ.update(launch_env)
    session = None
    try:
        session = (
            SparkSession.builder.master("local[2]")
            .appName("cxexcel-tests")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.default.parallelism", "2")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.memory", "1g")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.warehouse.dir", str(base / "warehouse"))
            .config("spark.driver.extraJavaOptions", f"-Djava.io.tmpdir={base / 'java'}")
            .config("spark.sql.execution.arrow.pyspark.enabled", "true")
            .getOrCreate()
        )
        session.sparkContext.setLogLevel("ERROR")
        yield session
    finally:
        if session is not None:
            session.stop()
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        shutil.rmtree(base, ignore_errors=True)
