// The CX Metrics ribbon tab (templates/manifest.xml). Each button's
// <FunctionName> is associated here with a handler that runs the Python
// script of the same name through xlwings (POST /xlwings/custom-scripts-call/...).
const CX_RIBBON_SCRIPTS = {
  "cx-build-metric-sheets": "build_metric_sheets",
  "cx-refresh-metric-sheets": "refresh_metric_sheets",
  "cx-insert-sample-tables": "insert_sample_tables",
  "cx-validate-tables": "validate_tables",
};

// The formats of one metric sheet in one action. xlwings' own actions set
// one property of one rectangle each, and each syncs with Excel: a round trip
// on Excel on the web. The Build sends, per sheet, the description of
// cxexcel.report.xlwings_writer.sheet_formats through runMacro instead
// (book.app.macro("cxFormatSheet")), and this applies all of it with one sync:
//   {sheet, numberFormats: [{format, ranges}], styles: [{style, ranges}],
//    columnWidths: [{columns, points}]}
// Style keys are Office.js' property names; anything else is refused before
// the sheet is touched, as a protocol mismatch.
const CX_FONT_KEYS = ["bold", "italic", "size", "color"];
const CX_FORMAT_KEYS = ["horizontalAlignment", "verticalAlignment", "wrapText"];
const CX_STYLE_KEYS = new Set([...CX_FONT_KEYS, ...CX_FORMAT_KEYS, "fill", "borders"]);

function cxCheckFormats(formats) {
  if (!formats || typeof formats.sheet !== "string") {
    throw new Error("cxFormatSheet: the formats name no sheet");
  }
  for (const { style, ranges } of formats.styles || []) {
    const unknown = Object.keys(style || {}).filter((key) => !CX_STYLE_KEYS.has(key));
    if (unknown.length || !Array.isArray(ranges)) {
      throw new Error(`cxFormatSheet: unknown style ${unknown.join(", ") || "ranges"}`);
    }
  }
}

function cxApplyStyle(format, style) {
  for (const key of CX_FONT_KEYS) {
    if (key in style) format.font[key] = style[key];
  }
  for (const key of CX_FORMAT_KEYS) {
    if (key in style) format[key] = style[key];
  }
  if ("fill" in style) format.fill.color = style.fill;
  for (const side of style.borders || []) {
    format.borders.getItem(side).style = "Continuous";
  }
}

async function cxFormatSheet(context, formats) {
  cxCheckFormats(formats);
  const sheet = context.workbook.worksheets.getItem(formats.sheet);
  for (const { format, ranges } of formats.numberFormats || []) {
    for (const address of ranges) {
      sheet.getRange(address).numberFormat = [[format]];
    }
  }
  for (const { style, ranges } of formats.styles || []) {
    for (const address of ranges) {
      cxApplyStyle(sheet.getRange(address).format, style);
    }
  }
  for (const { columns, points } of formats.columnWidths || []) {
    sheet.getRange(columns).format.columnWidth = points;
  }
  await context.sync();
}

// xlwings' runMacro action calls the functions registered here by name.
function cxRegisterCallbacks() {
  const xw = globalThis.xlwings;
  if (xw && typeof xw.registerCallback === "function") {
    xw.registerCallback(cxFormatSheet);
  }
}

function cxRibbonHandler(scriptName) {
  return async function (event) {
    try {
      // Again here: registration is idempotent, and xlwings may have loaded
      // after this file.
      cxRegisterCallbacks();
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

cxRegisterCallbacks();
