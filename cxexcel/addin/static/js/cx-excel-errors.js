
// cxexcel: show each Excel function error as the Excel error it is.
// The server answers a failed =CX.* call with HTTP 400 and
// {"detail": <message>, "excel_error": "#DIV/0!"}; the patched
// makeServerCall above passes both here. Excel displays a custom message
// only for #VALUE! and #N/A (CustomFunctions.ErrorCode reference), so the
// other errors carry their message to the console only.
const CX_ERROR_CODES = {
  "#VALUE!": { code: "invalidValue", message: true },
  "#N/A": { code: "notAvailable", message: true },
  "#DIV/0!": { code: "divisionByZero", message: false },
  "#NUM!": { code: "invalidNumber", message: false },
  "#NULL!": { code: "nullReference", message: false },
};

function showError(errorMessage, excelError) {
  const known = CX_ERROR_CODES[excelError];
  if (
    !known ||
    !Office.context.requirements.isSetSupported("CustomFunctionsRuntime", "1.2")
  ) {
    return xlwingsShowError(errorMessage);
  }
  console.error(`${excelError} ${errorMessage}`);
  const code = CustomFunctions.ErrorCode[known.code];
  throw known.message
    ? new CustomFunctions.Error(code, errorMessage)
    : new CustomFunctions.Error(code);
}

// cxexcel: an error in a result ("#NUM!" for an infinity in a spilled array)
// as a real Excel error cell. xlwings turns these texts into error values
// ({type: "Error", errorType: "Num"}) on CustomFunctionsRuntime 1.4 and
// leaves them as text before it; both become a CustomFunctions.Error, which
// a returned matrix may hold from runtime 1.2 on, the oldest runtime the
// manifest accepts. #NAME? is an input error only, so it is not among them.
const CX_RESULT_ERRORS = {
  "#VALUE!": "invalidValue",
  "#N/A": "notAvailable",
  "#DIV/0!": "divisionByZero",
  "#NUM!": "invalidNumber",
  "#NULL!": "nullReference",
  "#REF!": "invalidReference",
};

const CX_ERROR_TYPES = {
  Value: "#VALUE!",
  NotAvailable: "#N/A",
  Div0: "#DIV/0!",
  Num: "#NUM!",
  Null: "#NULL!",
  Ref: "#REF!",
};

function cxResultCell(cell) {
  const text =
    cell !== null && typeof cell === "object" && cell.type === "Error"
      ? CX_ERROR_TYPES[cell.errorType]
      : cell;
  const name = typeof text === "string" ? CX_RESULT_ERRORS[text] : undefined;
  const code = name && CustomFunctions.ErrorCode && CustomFunctions.ErrorCode[name];
  return code ? new CustomFunctions.Error(code) : cell;
}

function cxExcelValues(result) {
  if (typeof CustomFunctions === "undefined" || typeof CustomFunctions.Error !== "function") {
    return result;
  }
  if (!Array.isArray(result)) {
    return cxResultCell(result);
  }
  return result.map((row) => (Array.isArray(row) ? row.map(cxResultCell) : cxResultCell(row)));
}
