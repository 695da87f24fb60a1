// Runs the add-in's served custom-functions code in node, as Excel's
// custom-functions runtime would, against a real add-in server.
//
//   node run_served_code.js BASE_URL CALLS.json [--no-batch]
//
// CALLS.json holds the request bodies of the cells (as Excel's runtime
// builds them in `base`); each goes through the served `makeServerCall`
// at once, as Excel invokes the cells of one recalculation. Office.js is
// stood in for; HTTP is real (node's fetch). Prints one JSON object:
// {"ms": time until every cell had its value, "requests": {path: count},
// "results": [{"value": ...} | {"error": {"code", "message"}}, ...]}.
// --no-batch sends every call on its own, as xlwings' code does.
const vm = require("vm");
const fs = require("fs");

const [base, callsFile, mode] = process.argv.slice(2);

class CFError {
  constructor(code, message) {
    this.code = code;
    this.message = message;
  }
}

async function post(url, body, options) {
  const response = await fetch(url, {
    method: "POST",
    headers: { ...(options && options.headers), "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  let data;
  try {
    data = JSON.parse(text);
  } catch {
    data = text;
  }
  if (!response.ok) {
    const error = new Error(`HTTP ${response.status}`);
    error.response = { status: response.status, statusText: response.statusText, data };
    throw error;
  }
  return { data };
}

function shown(value) {
  if (value instanceof CFError) {
    return { code: value.code, message: value.message ?? null };
  }
  return Array.isArray(value) ? value.map(shown) : value;
}

(async () => {
  const code = await (await fetch(base + "/cx/custom-functions-code.js")).text();
  const bodies = JSON.parse(fs.readFileSync(callsFile, "utf8"));
  const requests = {};
  const context = {
    console: { error() {}, log() {}, info() {} },
    setTimeout,
    clearTimeout,
    crypto: globalThis.crypto,
    localStorage: undefined,
    window: { location: { origin: base } },
    Office: { onReady() {}, context: { requirements: { isSetSupported: () => true } } },
    CustomFunctions: {
      associate() {},
      Error: CFError,
      ErrorCode: {
        invalidValue: "#VALUE!",
        notAvailable: "#N/A",
        divisionByZero: "#DIV/0!",
        invalidNumber: "#NUM!",
        nullReference: "#NULL!",
        invalidReference: "#REF!",
      },
    },
    config: {
      customFunctionsMaxRetries: 3,
      customFunctionsRetryCodes: [500, 502, 503, 504],
      requestTimeout: 300,
    },
    xwRequest: {
      post: (url, body, options) => {
        const path = url.slice(base.length);
        requests[path] = (requests[path] || 0) + 1;
        return post(url, body, options);
      },
    },
  };
  context.globalThis = context;
  vm.createContext(context);
  vm.runInContext(code, context);
  if (mode === "--no-batch") {
    vm.runInContext("CX_BATCH.maxCalls = 1;", context);
  }
  const makeServerCall = vm.runInContext("makeServerCall", context);
  const start = performance.now();
  const results = await Promise.all(
    bodies.map((body) =>
      makeServerCall(body).then(
        (value) => ({ value: shown(value) }),
        (error) => ({ error: shown(error) }),
      ),
    ),
  );
  const ms = performance.now() - start;
  console.log(JSON.stringify({ ms, requests, results }));
})().catch((error) => {
  console.error(error);
  process.exit(1);
});
