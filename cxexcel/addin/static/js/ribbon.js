// The CX Metrics ribbon tab (templates/manifest.xml). Each button's
// <FunctionName> is associated here with a handler that runs the Python
// script of the same name through xlwings (POST /xlwings/custom-scripts-call/...).
const CX_RIBBON_SCRIPTS = {
  "cx-build-metric-sheets": "build_metric_sheets",
  "cx-refresh-metric-sheets": "refresh_metric_sheets",
  "cx-insert-sample-tables": "insert_sample_tables",
  "cx-validate-tables": "validate_tables",
};

function cxRibbonHandler(scriptName) {
  return async function (event) {
    try {
      const authResult =
        typeof globalThis.getAuth === "function"
          ? await globalThis.getAuth()
          : { token: "", provider: "" };
      await xlwings.runPython({
        auth: authResult.token,
        scriptName: scriptName,
        headers: { "Auth-Provider": authResult.provider },
      });
    } finally {
      // Excel keeps the button busy until the handler reports completion.
      event.completed();
    }
  };
}

for (const [action, scriptName] of Object.entries(CX_RIBBON_SCRIPTS)) {
  Office.actions.associate(action, cxRibbonHandler(scriptName));
}
