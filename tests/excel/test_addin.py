"""The add-in as Excel loads it from the running server: manifest, task pane,
ribbon JavaScript, and the custom-functions code that maps Excel errors."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from cxexcel import catalog

NS = {
    "o": "http://schemas.microsoft.com/office/appforoffice/1.1",
    "v": "http://schemas.microsoft.com/office/taskpaneappversionoverrides",
    "bt": "http://schemas.microsoft.com/office/officeappbasictypes/1.0",
}

XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

node = pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run JavaScript")


@pytest.fixture(scope="module")
def manifest(client):
    response = client.get("/manifest.xml")
    assert response.status_code == 200
    return ET.fromstring(response.text)


def run_node(script: str) -> object:
    """Run ``script`` in node and return what it printed, parsed as JSON."""
    done = subprocess.run(["node", "-e", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def resource_strings(manifest) -> dict[str, str]:
    return {e.get("id"): e.get("DefaultValue") for e in manifest.iter(f"{{{NS['bt']}}}String")}


def test_manifest_has_namespace_cx(manifest):
    points = manifest.iterfind(".//v:ExtensionPoint", NS)
    (point,) = [p for p in points if p.get(XSI_TYPE) == "CustomFunctions"]
    resid = point.find("v:Namespace", NS).get("resid")
    assert resource_strings(manifest)[resid] == catalog.NAMESPACE == "CX"


def test_every_resid_is_defined(manifest):
    resources = manifest.find(".//v:Resources", NS)
    defined = {e.get("id") for e in resources.iter() if e.get("id")}
    referenced = {e.get("resid") for e in manifest.iter() if e.get("resid")}
    assert referenced
    assert referenced <= defined, referenced - defined


def test_every_url_is_served(client, manifest):
    urls = {e.get("DefaultValue") for e in manifest.iter() if e.get("DefaultValue")}
    urls |= {e.text for e in manifest.iter() if e.text and e.text.startswith("http")}
    urls = {u for u in urls if u.startswith("http")}
    assert len(urls) >= 8
    for url in sorted(urls):
        assert url.startswith(str(client.base_url)), url
        assert client.get(url).status_code == 200, url


def test_functions_code_in_manifest_and_task_pane_is_ours(client, manifest):
    urls = {e.get("id"): e.get("DefaultValue") for e in manifest.iter(f"{{{NS['bt']}}}Url")}
    assert urls["Functions.Script.Url"].endswith("/cx/custom-functions-code.js")
    page = client.get("/taskpane.html").text
    assert 'src="/cx/custom-functions-code.js"' in page
    assert "/xlwings/custom-functions-code" not in page
    assert "/static/js/ribbon.js" in page


def test_custom_functions_code_is_patched(client):
    code = client.get("/cx/custom-functions-code.js").text
    assert "return showError(errMsg, data && data.excel_error);" in code
    assert "function xlwingsShowError(errorMessage) {" in code
    assert code.count("function showError(") == 1
    for entry in catalog.functions():
        assert f'CustomFunctions.associate("{entry.name}", {entry.python_name});' in code


# Runs the served custom-functions code with stand-ins for Office.js and an
# HTTP answer, and reports the Excel error a failing call throws.
ERROR_HARNESS = r"""
const vm = require("vm");
const [code, answer] = [process.argv[1], JSON.parse(process.argv[2])];
class CFError { constructor(code, message) { this.code = code; this.message = message; } }
const context = {
  console: { error() {}, log() {}, info() {} },
  crypto: globalThis.crypto, localStorage: undefined, setTimeout, clearTimeout, window: { location: { origin: "" } },
  Office: { onReady() {}, context: { requirements: { isSetSupported: () => true } } },
  CustomFunctions: {
    associate() {}, Error: CFError,
    ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A", divisionByZero: "#DIV/0!",
                 invalidNumber: "#NUM!", nullReference: "#NULL!" },
  },
  config: { customFunctionsMaxRetries: 3, customFunctionsRetryCodes: [500], requestTimeout: 300 },
  xwRequest: { post: async () => { const e = new Error("400"); e.response = answer; throw e; } },
};
context.globalThis = context;
vm.createContext(context);
vm.runInContext(code, context);
vm.runInContext("makeServerCall({func_name: 'x'})", context).then(
  (value) => console.log(JSON.stringify({ returned: value })),
  (error) => console.log(JSON.stringify({ code: error.code, message: error.message ?? null })),
);
"""


@node
@pytest.mark.parametrize(
    ("answer", "thrown"),
    [
        (
            {"status": 400, "data": {"detail": "lost: is 0", "excel_error": "#DIV/0!"}},
            {"code": "#DIV/0!", "message": None},
        ),
        (
            {"status": 400, "data": {"detail": "scores: has no values", "excel_error": "#N/A"}},
            {"code": "#N/A", "message": "scores: has no values"},
        ),
        (
            {"status": 400, "data": {"detail": "scores: 11 is outside", "excel_error": "#VALUE!"}},
            {"code": "#VALUE!", "message": "scores: 11 is outside"},
        ),
        (
            {"status": 400, "data": {"detail": "fit failed", "excel_error": "#NUM!"}},
            {"code": "#NUM!", "message": None},
        ),
        (
            {"status": 400, "data": "a plain xlwings error"},
            {"code": "#VALUE!", "message": "a plain xlwings error"},
        ),
    ],
    ids=["div0", "na", "value", "num", "stock-400"],
)
def test_served_code_throws_the_excel_error_of_the_answer(client, answer, thrown):
    code = client.get("/cx/custom-functions-code.js").text
    assert (
        run_node(
            ERROR_HARNESS.replace("process.argv[1]", json.dumps(code)).replace(
                "JSON.parse(process.argv[2])", json.dumps(answer)
            )
        )
        == thrown
    )


def ribbon_actions(manifest) -> set[str]:
    return {
        action.find("v:FunctionName", NS).text
        for action in manifest.iterfind(".//v:Action", NS)
        if action.get(XSI_TYPE) == "ExecuteFunction"
    }


def test_ribbon_actions_are_in_the_ribbon_script_table(client, manifest):
    # Without node: the table of CX_RIBBON_SCRIPTS that ribbon.js associates.
    ribbon = client.get("/static/js/ribbon.js").text
    table = re.search(r"CX_RIBBON_SCRIPTS = \{(.*?)\};", ribbon, re.S)[1]
    assert ribbon_actions(manifest) == set(re.findall(r'"([\w-]+)":', table))
    assert "Office.actions.associate(action, cxRibbonHandler(scriptName));" in ribbon


@node
def test_every_ribbon_action_is_associated_with_a_script(client, manifest):
    actions = ribbon_actions(manifest)
    ribbon = client.get("/static/js/ribbon.js")
    assert ribbon.status_code == 200
    harness = (
        "const associated = {}; const calls = [];"
        "globalThis.Office = { actions: { associate: (name, f) => { associated[name] = f; } } };"
        "globalThis.xlwings = { runPython: async (o) => { calls.push(o.scriptName); } };"
        f"eval({json.dumps(ribbon.text)});"
        "(async () => { for (const f of Object.values(associated)) await f({ completed() {} });"
        "console.log(JSON.stringify({ actions: Object.keys(associated), scripts: calls })); })();"
    )
    ran = run_node(harness)
    assert actions == {
        "cx-build-metric-sheets",
        "cx-refresh-metric-sheets",
        "cx-insert-sample-tables",
        "cx-validate-tables",
    }
    assert actions <= set(ran["actions"])
    scripts = {s["function_name"] for s in client.get("/xlwings/custom-scripts-meta").json()}
    assert set(ran["scripts"]) <= scripts or not scripts, (ran["scripts"], scripts)


def test_help_page_lists_every_function(client):
    page = client.get("/cx/help").text
    for entry in catalog.functions():
        assert f'id="{entry.name}"' in page
