"""The add-in server under attack: no file outside its static folders, bad
calls answered 4xx on a connection that stays usable, registered functions
and scripts only, JSON-only POSTs, trusted hosts and a fixed manifest URL
(issue 8, items 1 and 3)."""

from __future__ import annotations

import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import httpx
import pytest
from conftest import TIGHT_PUBLIC_URL
from function_calls import CALL_PATH, request_body
from servers import RawHTTP, asgi_server

from cxexcel import catalog
from cxexcel.server_guard import ContainedStaticFiles

FAST_PATH = "/cx/custom-functions-call"
CALL_PATHS = [CALL_PATH, FAST_PATH]
PASSWD = Path("/etc/passwd").read_bytes()
# A line of /etc/passwd that would be in any answer serving the file.
PASSWD_LINE = PASSWD.splitlines()[0]
UP = 12  # more levels than the static folders are deep


# -- 1. static files ---------------------------------------------------------

TRAVERSALS = [
    pytest.param("/static/" + "%2e%2e/" * UP + "etc/passwd", id="encoded-dots"),
    pytest.param("/static/" + "%2E%2E/" * UP + "etc/passwd", id="encoded-dots-upper"),
    pytest.param("/static/" + "..%2f" * UP + "etc/passwd", id="encoded-slashes"),
    pytest.param("/static/" + "%2e%2e%2f" * UP + "etc%2fpasswd", id="all-encoded"),
    pytest.param("/static/" + "../" * UP + "etc/passwd", id="raw-dots-path-as-is"),
    pytest.param("/static/js/" + "../" * UP + "etc/passwd", id="raw-dots-from-subfolder"),
    pytest.param("/static/" + "%252e%252e/" * UP + "etc/passwd", id="double-encoded"),
    pytest.param("/static/" + "%252e%252e%252f" * UP + "etc/passwd", id="double-encoded-slash"),
    pytest.param("/static//etc/passwd", id="absolute-double-slash"),
    pytest.param("/static/%2fetc%2fpasswd", id="absolute-encoded"),
    pytest.param("/static/%2f%2fetc/passwd", id="absolute-encoded-twice"),
    pytest.param("/static/" + "..\\" * UP + "etc\\passwd", id="backslashes"),
    pytest.param("/static/" + "..%5c" * UP + "etc%5cpasswd", id="encoded-backslashes"),
    pytest.param("/static/%5cetc%5cpasswd", id="absolute-backslash"),
    pytest.param("/static/" + "%2e%2e/" * UP + "etc/passwd%00.png", id="nul-suffix"),
    pytest.param("/static/%00/" + "../" * UP + "etc/passwd", id="nul-segment"),
    pytest.param("/static/js/ribbon.js%00", id="nul-after-a-real-file"),
    pytest.param("/static/.%2e/" * UP + "etc/passwd", id="half-encoded-dots"),
]


def test_the_static_folders_do_serve_their_own_files(client):
    assert client.get("/static/js/ribbon.js").status_code == 200  # the add-in's own
    assert client.get("/static/js/config.js").status_code == 200  # xlwings-server's


@pytest.mark.parametrize("target", TRAVERSALS)
def test_no_path_reaches_a_file_outside_static(server_url, target):
    with RawHTTP(server_url) as http:
        status, _, body = http.request("GET", target)
        assert status in (400, 404), (status, body[:200])
        assert PASSWD_LINE not in body
        assert b"root:" not in body
        # The connection is still usable.
        status, _, _ = http.request("GET", "/static/js/ribbon.js")
        assert status == 200


# Files next to the static folders that a traversal of one level would reach:
# the add-in's Python sources and xlwings-server's.
SIBLINGS = [
    "/static/%2e%2e/custom_functions/__init__.py",
    "/static/../custom_functions/__init__.py",
    "/static/js/%2e%2e/%2e%2e/templates/manifest.xml",
    "/static/%2e%2e/config.py",
    "/static/%2e%2e/main.py",
    "/static/%2e%2e/%2e%2e/xlwings_server/config.py",
]


@pytest.mark.parametrize("target", SIBLINGS)
def test_no_path_reaches_the_sources_beside_static(server_url, target):
    with RawHTTP(server_url) as http:
        status, _, body = http.request("GET", target)
    assert status == 404, (status, body[:200])
    assert b"import" not in body and b"<OfficeApp" not in body


@pytest.fixture
def static_dirs(tmp_path):
    """Two static folders as xlwings-server has them (the add-in's, then the
    package's), with symlinks inside pointing in and out, and a secret beside."""
    user, package, outside = tmp_path / "user", tmp_path / "package", tmp_path / "outside"
    for folder in (user / "js", package / "js", outside):
        folder.mkdir(parents=True)
    (user / "js" / "ours.js").write_text("// ours")
    (user / "js" / "shared.js").write_text("// ours wins")
    (package / "js" / "shared.js").write_text("// package")
    (package / "js" / "stock.js").write_text("// stock")
    (outside / "secret.txt").write_text("top secret")
    (user / "leak.txt").symlink_to(outside / "secret.txt")
    (user / "leakdir").symlink_to(outside, target_is_directory=True)
    (package / "passwd").symlink_to("/etc/passwd")
    (user / "alias.js").symlink_to(user / "js" / "ours.js")  # stays inside: fine
    return user, package, outside


def test_the_contained_lookup_serves_inside_and_refuses_outside(static_dirs):
    user, package, outside = static_dirs
    files = ContainedStaticFiles([user, package])
    assert files.lookup_path("js/ours.js")[0] == str((user / "js" / "ours.js").resolve())
    assert files.lookup_path("js/shared.js")[0] == str((user / "js" / "shared.js").resolve())
    assert files.lookup_path("js/stock.js")[0] == str((package / "js" / "stock.js").resolve())
    assert files.lookup_path("alias.js")[0] == str((user / "js" / "ours.js").resolve())
    refused = [
        "leak.txt",
        "leakdir/secret.txt",
        "passwd",
        "../outside/secret.txt",
        "js/../../outside/secret.txt",
        "../package/js/stock.js",  # a sibling folder is outside too
        str(outside / "secret.txt"),
        "/etc/passwd",
        "..\\outside\\secret.txt",
        "js/ours.js\x00",
        "js",  # a folder is not a file
        "",
        "missing.js",
    ]
    for path in refused:
        assert files.lookup_path(path) == ("", None), path


def test_a_symlink_out_of_static_is_a_404_over_http(static_dirs):
    from starlette.applications import Starlette
    from starlette.routing import Mount

    user, package, _ = static_dirs
    app = Starlette(routes=[Mount("/static", ContainedStaticFiles([user, package]))])
    with asgi_server(app) as url, RawHTTP(url) as http:
        assert http.request("GET", "/static/js/ours.js")[:1] == (200,)
        assert http.request("GET", "/static/alias.js")[2] == b"// ours"
        for target in ["/static/leak.txt", "/static/leakdir/secret.txt", "/static/passwd"]:
            status, _, body = http.request("GET", target)
            assert status == 404, target
            assert b"top secret" not in body and PASSWD_LINE not in body


# -- 3. bad calls ------------------------------------------------------------


def nps_body(**changes) -> dict:
    return {**request_body("nps", [[10], [9], [3]]), **changes}


def without(key: str) -> dict:
    body = nps_body()
    del body[key]
    return body


def as_bytes(body: object) -> bytes:
    return json.dumps(body).encode()


NAMES = [
    "no_such_function",
    "NPS",  # the Excel name, not the Python one
    "print",
    "eval",
    "exec",
    "__import__",
    "__class__",
    "__builtins__",
    "__all__",
    "__dict__",
    "_x",
    "_entry",
    "np",
    "os",
    "sys",
    "convert",
    "catalog",
    "func",
    "arg",
    "excel_function",
    "annotations",
    "nps.__globals__",
    "",
]

BAD_CALLS = [
    *[
        pytest.param(as_bytes(nps_body(func_name=name)), 404, "#NAME?", "no CX function", id=name)
        for name in NAMES
    ],
    *[
        pytest.param(
            as_bytes(nps_body(func_name=name)), 400, "#NAME?", "func_name must be text", id=ident
        )
        for name, ident in [
            (123, "name-number"),
            (None, "name-null"),
            (["nps"], "name-list"),
            ({"a": 1}, "name-object"),
            (True, "name-bool"),
        ]
    ],
    pytest.param(
        as_bytes(without("func_name")), 400, "#NAME?", "func_name is missing", id="no-name"
    ),
    pytest.param(as_bytes(without("args")), 400, "#VALUE!", "args is missing", id="no-args"),
    *[
        pytest.param(as_bytes(nps_body(args=args)), 400, "#VALUE!", "args must be a list", id=ident)
        for args, ident in [
            ("x", "args-text"),
            ({"0": [[1]]}, "args-object"),
            (5, "args-number"),
            (None, "args-null"),
        ]
    ],
    pytest.param(
        as_bytes(nps_body(args=[])), 400, "#VALUE!", "CX.NPS takes 1 to 3 arguments", id="too-few"
    ),
    pytest.param(
        as_bytes(nps_body(args=[[[1]], [[9]], [[6]], [[1]]])),
        400,
        "#VALUE!",
        "CX.NPS takes 1 to 3 arguments (scores, [promoter_min], [detractor_max]), not 4",
        id="too-many",
    ),
    pytest.param(
        as_bytes(request_body("clv", 50, 4)), 400, "#VALUE!", "CX.CLV takes 3 arguments", id="clv-2"
    ),
    pytest.param(b"", 400, "#VALUE!", "body is empty", id="empty-body"),
    pytest.param(b"  \r\n ", 400, "#VALUE!", "body is empty", id="blank-body"),
    pytest.param(b"{bad", 400, "#VALUE!", "not valid JSON", id="invalid-json"),
    pytest.param(b'{"func_name": "nps",', 400, "#VALUE!", "not valid JSON", id="truncated-json"),
    pytest.param(b"\xff\xfe\x00", 400, "#VALUE!", "not valid JSON", id="not-text"),
    pytest.param(b"[" * 100_000 + b"]" * 100_000, 400, "#VALUE!", "", id="deep-nesting"),
    pytest.param(b"[1, 2]", 400, "#VALUE!", "must be a JSON object", id="json-list"),
    pytest.param(b'"nps"', 400, "#VALUE!", "must be a JSON object", id="json-text"),
    pytest.param(b"null", 400, "#VALUE!", "must be a JSON object", id="json-null"),
    pytest.param(
        as_bytes(nps_body(args=["CELLS"])).replace(b'"CELLS"', b'[["\\ud800"]]'),
        400,
        "#VALUE!",
        "lone surrogate",
        id="lone-surrogate",
    ),
    pytest.param(
        as_bytes(nps_body(args=["CELLS"])).replace(b'"CELLS"', b'[["\\udfff"], [9]]'),
        400,
        "#VALUE!",
        "lone surrogate",
        id="lone-low-surrogate",
    ),
    pytest.param(
        as_bytes(nps_body(args=["CELLS"])).replace(b'"CELLS"', b'[["\xed\xa0\x80"]]'),
        400,
        "#VALUE!",
        "",
        id="raw-surrogate-bytes",
    ),
    pytest.param(
        as_bytes(nps_body(caller_address="CELLS")).replace(b'"CELLS"', b'"\\ud83d"'),
        400,
        "#VALUE!",
        "lone surrogate",
        id="lone-surrogate-in-metadata",
    ),
    pytest.param(
        as_bytes(without("version")), 400, "#VALUE!", "version must be text", id="no-version"
    ),
    pytest.param(
        as_bytes(without("runtime")), 400, "#VALUE!", "runtime must be text", id="no-runtime"
    ),
    pytest.param(
        as_bytes(nps_body(runtime="abc")), 400, "#VALUE!", "runtime must be a version", id="runtime"
    ),
    pytest.param(
        as_bytes(nps_body(date_format=5)), 400, "#VALUE!", "date_format must be text", id="date-fmt"
    ),
    pytest.param(
        as_bytes(nps_body(args=[{"type": "Error"}])), 400, "#VALUE!", "", id="arg-an-object"
    ),
    pytest.param(
        as_bytes(nps_body(args=[[[[9]], [[6]]]])),
        400,
        "#VALUE!",
        "CX.NPS: argument 1 is nested too deeply: a range is a list of rows of cell values",
        id="arg-3d",
    ),
    pytest.param(
        as_bytes(nps_body(args=[[[9, [[1]]]]])),
        400,
        "#VALUE!",
        "CX.NPS: argument 1 is nested too deeply",
        id="arg-list-in-a-cell",
    ),
    pytest.param(
        as_bytes(nps_body(args=[[[9], [6, 7]]])),
        400,
        "#VALUE!",
        "CX.NPS: argument 1 has rows of different lengths (1 and 2)",
        id="arg-ragged",
    ),
    pytest.param(
        as_bytes(nps_body(args=[[9, [6]]])),
        400,
        "#VALUE!",
        "CX.NPS: argument 1 mixes rows and cell values",
        id="arg-mixed",
    ),
]


def valid_call(http: RawHTTP, path: str) -> None:
    """A valid call on ``http``'s connection answers with the right value."""
    status, headers, body = http.request(
        "POST", path, as_bytes(nps_body()), {"Content-Type": "application/json"}
    )
    assert status == 200, body
    assert json.loads(body) == {"result": [[pytest.approx(100 / 3)]]}


@pytest.mark.parametrize("path", CALL_PATHS)
@pytest.mark.parametrize(("body", "status", "code", "message"), BAD_CALLS)
def test_a_bad_call_is_a_clear_4xx_and_the_connection_survives(
    server_url, path, body, status, code, message
):
    with RawHTTP(server_url) as http:
        valid_call(http, path)
        answer_status, headers, answer = http.request(
            "POST", path, body, {"Content-Type": "application/json"}
        )
        assert answer_status == status, answer
        assert headers["content-type"] == "application/json"
        assert headers.get("connection", "").lower() != "close"
        detail = json.loads(answer)
        assert set(detail) == {"detail", "excel_error"}
        assert detail["excel_error"] == code
        assert message in detail["detail"]
        valid_call(http, path)  # on the very same socket


def test_bad_calls_on_one_httpx_client_never_break_the_next_call(server_url):
    # httpx opens a new connection when one is closed; the server's answers
    # must not ask it to.
    with httpx.Client(base_url=server_url, timeout=60) as client:
        for param in BAD_CALLS:
            body = param.values[0]
            for path in CALL_PATHS:
                answer = client.post(
                    path, content=body, headers={"Content-Type": "application/json"}
                )
                assert 400 <= answer.status_code < 500, (param.id, answer.text)
                assert answer.headers.get("connection", "").lower() != "close", param.id
                valid = client.post(path, json=nps_body())
                assert valid.status_code == 200, (param.id, valid.text)
                assert valid.json() == {"result": [[pytest.approx(100 / 3)]]}


def test_every_catalogue_function_is_still_found(client):
    for entry in catalog.functions():
        answer = client.post(FAST_PATH, json=nps_body(func_name=entry.python_name, args=[]))
        # Found, not 404: an argument-count error (or none for all-optional arguments).
        assert answer.status_code != 404, entry.name


# -- 3. scripts --------------------------------------------------------------

SCRIPT_NAMES = [
    "__class__",
    "__init__",
    "__all__",
    "_private",
    "print",
    "eval",
    "build_metric_sheets_",
    "xw",
    "scripts",
    "BUILD_METRIC_SHEETS",
    "%2e%2e",
]


@pytest.mark.parametrize("name", SCRIPT_NAMES)
def test_only_registered_scripts_run(server_url, name):
    with RawHTTP(server_url) as http:
        status, _, body = http.request(
            "POST",
            f"/xlwings/custom-scripts-call/{name}",
            b'{"client": "Office.js"}',
            {"Content-Type": "application/json"},
        )
        assert status == 404, body
        assert "no CX script" in json.loads(body)["detail"]
        assert http.request("GET", "/")[0] == 200  # connection still usable


def test_the_registered_scripts_are_found(client):
    names = {s["function_name"] for s in client.get("/xlwings/custom-scripts-meta").json()}
    assert "build_metric_sheets" in names
    for name in names:
        answer = client.post(
            f"/xlwings/custom-scripts-call/{name}",
            content=b"{bad",
            headers={"Content-Type": "application/json"},
        )
        assert answer.status_code == 400, (name, answer.text)  # found, then the body is refused
        assert "not valid JSON" in answer.json()["detail"]


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"[1]",
        b'{"args": 5}',
        b'{"book": 5}',
        b'{"client": "Office.js", "book": {"sheets": 7}}',
    ],
    ids=["empty", "list", "args-number", "book-number", "book-broken"],
)
def test_a_bad_script_body_is_a_4xx_and_the_connection_survives(server_url, body):
    with RawHTTP(server_url) as http:
        status, headers, answer = http.request(
            "POST",
            "/xlwings/custom-scripts-call/validate_tables",
            body,
            {"Content-Type": "application/json"},
        )
        assert 400 <= status < 500, answer
        assert headers.get("connection", "").lower() != "close"
        assert http.request("GET", "/")[0] == 200


# -- 3. content types --------------------------------------------------------

NOT_JSON = [
    "text/plain",
    "text/plain;charset=UTF-8",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=x",
    "application/xml",
    "application/jsonp",
    None,
]


@pytest.mark.parametrize(
    "path", [*CALL_PATHS, "/xlwings/custom-scripts-call/validate_tables"], ids=str
)
@pytest.mark.parametrize("content_type", NOT_JSON, ids=str)
def test_posts_that_are_not_json_get_415(server_url, path, content_type):
    headers = {} if content_type is None else {"Content-Type": content_type}
    with RawHTTP(server_url) as http:
        status, _, body = http.request("POST", path, as_bytes(nps_body()), headers)
        assert status == 415, body
        assert "must be JSON" in json.loads(body)["detail"]
        valid_call(http, FAST_PATH)


@pytest.mark.parametrize(
    "content_type", ["application/json", "application/json; charset=utf-8", "Application/JSON"]
)
def test_json_content_types_are_accepted(client, content_type):
    answer = client.post(
        FAST_PATH, content=as_bytes(nps_body()), headers={"Content-Type": content_type}
    )
    assert answer.status_code == 200, answer.text


# -- 3. hosts and the manifest -----------------------------------------------

EVIL = "evil.example"


@pytest.mark.parametrize(
    "target", ["/manifest.xml", "/manifest", "/manifest/download", "/", "/taskpane.html"]
)
def test_an_unknown_host_gets_400_and_no_manifest(server_url, target):
    with RawHTTP(server_url) as http:
        http.host = EVIL
        status, _, body = http.request("GET", target)
    assert status == 400
    assert EVIL.encode() not in body and b"<OfficeApp" not in body


def test_an_unknown_host_cannot_call_a_function(server_url):
    with RawHTTP(server_url) as http:
        http.host = f"{EVIL}:443"
        status, _, _ = http.request(
            "POST", FAST_PATH, as_bytes(nps_body()), {"Content-Type": "application/json"}
        )
    assert status == 400


def manifest_urls(manifest: str) -> set[str]:
    """Every URL the manifest names (attributes and texts)."""
    root = ET.fromstring(manifest)
    found = {e.get("DefaultValue") or "" for e in root.iter()} | {e.text or "" for e in root.iter()}
    return {u.strip() for u in found if u.strip().startswith("http")}


def all_under(urls: set[str], base: str) -> bool:
    return bool(urls) and all(u == base or u.startswith(base + "/") for u in urls)


def test_the_manifest_names_the_url_the_server_started_on(server_url):
    port = server_url.rsplit(":", 1)[1]
    for host in [f"127.0.0.1:{port}", f"localhost:{port}", "localhost"]:
        answer = httpx.get(server_url + "/manifest.xml", headers={"Host": host})
        assert answer.status_code == 200, host
        urls = manifest_urls(answer.text)
        assert all_under(urls, server_url), urls


def test_a_configured_public_url_is_the_manifest_url(tight_server):
    url, _ = tight_server
    for headers in [
        {},
        {"Host": "cx.example.com"},
        {"X-Forwarded-Host": EVIL, "X-Forwarded-Proto": "http"},
    ]:
        answer = httpx.get(url + "/manifest.xml", headers=headers)
        assert answer.status_code == 200, headers
        assert EVIL not in answer.text and "127.0.0.1" not in answer.text
        urls = manifest_urls(answer.text)
        assert all_under(urls, TIGHT_PUBLIC_URL), urls
    assert httpx.get(url + "/manifest.xml", headers={"Host": EVIL}).status_code == 400
    assert httpx.get(url + "/", headers={"Host": "cx.example.com:443"}).status_code == 200


def test_guard_settings_come_from_the_environment(monkeypatch):
    from cxexcel.server_guard import DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_CELLS, GuardSettings

    for name in list(os.environ):
        if name.startswith("CXEXCEL_") or name == "XLWINGS_HOSTNAME":
            monkeypatch.delenv(name)
    defaults = GuardSettings.from_env()
    assert defaults.max_body_bytes == DEFAULT_MAX_BODY_BYTES == 64 * 1024 * 1024
    assert defaults.max_cells == DEFAULT_MAX_CELLS == 5_000_000
    assert defaults.public_url is None
    assert set(defaults.allowed_hosts) == {"localhost", "127.0.0.1", "::1"}

    monkeypatch.setenv("XLWINGS_HOSTNAME", "xl.example.org")
    assert GuardSettings.from_env().public_url == "https://xl.example.org"
    assert "xl.example.org" in GuardSettings.from_env().allowed_hosts

    monkeypatch.setenv("CXEXCEL_PUBLIC_URL", "https://cx.example.com:8443/")
    monkeypatch.setenv("CXEXCEL_MAX_BODY_BYTES", "1_000")
    monkeypatch.setenv("CXEXCEL_MAX_CELLS", "20")
    configured = GuardSettings.from_env()
    assert configured.public_url == "https://cx.example.com:8443"
    assert configured.max_body_bytes == 1000 and configured.max_cells == 20
    assert "cx.example.com" in configured.allowed_hosts

    monkeypatch.setenv("CXEXCEL_ALLOWED_HOSTS", "a.example, *.b.example")
    assert GuardSettings.from_env().allowed_hosts == ("a.example", "*.b.example")

    for name, value in [
        ("CXEXCEL_MAX_CELLS", "many"),
        ("CXEXCEL_MAX_BODY_BYTES", "0"),
        ("CXEXCEL_PUBLIC_URL", "ftp://x"),
    ]:
        monkeypatch.setenv(name, value)
        with pytest.raises(SystemExit, match=name):
            GuardSettings.from_env()
        monkeypatch.delenv(name)


@pytest.mark.parametrize(
    ("host", "https", "url"),
    [
        ("127.0.0.1", False, "http://127.0.0.1:8000"),
        ("0.0.0.0", True, "https://localhost:8000"),
        ("::", False, "http://localhost:8000"),
        ("::1", False, "http://[::1]:8000"),
        ("cx.example.com", True, "https://cx.example.com:8000"),
    ],
)
def test_the_default_public_url_is_where_the_server_listens(host, https, url):
    from cxexcel import server

    assert server._listening_url(host, 8000, https) == url
