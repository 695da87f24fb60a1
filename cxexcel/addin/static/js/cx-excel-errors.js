
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
