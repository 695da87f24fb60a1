
// cxexcel: the calls Excel makes in one go travel in one request.
// A sheet with 1,000 =CX.* cells recalculates as 1,000 calls; one HTTP
// request each costs a round trip per cell (and browsers open only a few
// connections per host). makeServerCall above posts through cxBatchedPost:
// calls queued within one turn of the event loop are sent together to
// placeholder_cx_batch_path, and each call gets its own answer back, its
// result or its error (as the single route gives it), so retries and
// Excel errors work per cell as before. A lone call, a large range and a
// server without the batch route take the single route.
const CX_BATCH = {
  path: "placeholder_cx_batch_path",
  maxCalls: 500, // per request; the server allows CXEXCEL_MAX_BATCH_CALLS (1,000)
  maxCells: 100000, // per request, over all its calls
  largeCall: 10000, // cells: a call this large goes on its own
  delayMs: 0,
};

let cxQueue = [];
let cxQueuedCells = 0;
let cxTimer = null;

function cxCountCells(args) {
  let cells = 0;
  for (const arg of Array.isArray(args) ? args : []) {
    if (Array.isArray(arg)) {
      for (const row of arg) {
        cells += Array.isArray(row) ? row.length : 1;
      }
    } else {
      cells += 1;
    }
  }
  return cells;
}

function cxBatchedPost(url, body, options) {
  const cells = cxCountCells(body && body.args);
  if (cells >= CX_BATCH.largeCall) {
    return globalThis.xwRequest.post(url, body, options);
  }
  return new Promise((resolve, reject) => {
    cxQueue.push({ url, body, options, resolve, reject });
    cxQueuedCells += cells;
    if (cxQueue.length >= CX_BATCH.maxCalls || cxQueuedCells >= CX_BATCH.maxCells) {
      cxFlush();
    } else if (cxTimer === null) {
      cxTimer = setTimeout(cxFlush, CX_BATCH.delayMs);
    }
  });
}

function cxFlush() {
  if (cxTimer !== null) {
    clearTimeout(cxTimer);
    cxTimer = null;
  }
  const queued = cxQueue;
  cxQueue = [];
  cxQueuedCells = 0;
  // Calls made with different credentials (a token refreshed on a retry)
  // go in different requests.
  const groups = new Map();
  for (const call of queued) {
    const key = JSON.stringify((call.options && call.options.headers) || {});
    if (!groups.has(key)) {
      groups.set(key, []);
    }
    groups.get(key).push(call);
  }
  for (const calls of groups.values()) {
    if (calls.length === 1) {
      cxSendAlone(calls[0]);
    } else {
      cxSendBatch(calls);
    }
  }
}

function cxSendAlone(call) {
  globalThis.xwRequest.post(call.url, call.body, call.options).then(call.resolve, call.reject);
}

function cxItemError(item) {
  const error = new Error(`HTTP ${item.status}`);
  error.response = {
    status: item.status,
    statusText: "",
    data: { detail: item.detail, excel_error: item.excel_error },
  };
  return error;
}

function cxSendBatch(calls) {
  const first = calls[0];
  globalThis.xwRequest
    .post(
      window.location.origin + CX_BATCH.path,
      { calls: calls.map((call) => call.body) },
      first.options,
    )
    .then(
      (response) => {
        const results = response && response.data && response.data.results;
        if (!Array.isArray(results) || results.length !== calls.length) {
          calls.forEach(cxSendAlone);
          return;
        }
        calls.forEach((call, index) => {
          const item = results[index];
          if (item && typeof item.status === "number") {
            call.reject(cxItemError(item));
          } else {
            call.resolve({ data: item });
          }
        });
      },
      (error) => {
        // A server without the batch route, or with smaller limits: one by one.
        const status = error && error.response && error.response.status;
        if (status === 404 || status === 405 || status === 413) {
          calls.forEach(cxSendAlone);
        } else {
          calls.forEach((call) => call.reject(error));
        }
      },
    );
}
