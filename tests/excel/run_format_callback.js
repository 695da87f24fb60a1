// Runs the add-in's served ribbon.js in node and applies the runMacro actions
// of a script's answer the way xlwings' JavaScript does (runMacro calls
// globalThis.callbacks[name](context, ...args), functions that
// xlwings.registerCallback put there under their name), against a stand-in
// Excel context that records what every cell ends up with.
//
//   node run_format_callback.js RIBBON.js ACTIONS.json
//
// The stand-in accepts only the Office.js properties it knows (assigning any
// other one throws, as a typo would be lost in Excel) and counts syncs.
// Prints one JSON object:
// {"registered": [names], "syncs": n, "numberFormats": {sheet: {cell: format}},
//  "styles": {sheet: {cell: {property: value}}}, "columnWidths": {sheet: {column: points}},
//  "error": message or null}
const vm = require("vm");
const fs = require("fs");

const [ribbonFile, actionsFile] = process.argv.slice(2);

const out = { registered: [], syncs: 0, numberFormats: {}, styles: {}, columnWidths: {}, error: null };

function columnNumber(letters) {
  let number = 0;
  for (const letter of letters) number = number * 26 + letter.charCodeAt(0) - 64;
  return number - 1;
}

function columnLetters(number) {
  let letters = "";
  for (let n = number + 1; n > 0; n = Math.floor((n - 1) / 26)) {
    letters = String.fromCharCode(65 + ((n - 1) % 26)) + letters;
  }
  return letters;
}

// "B2", "A1:C3" -> cell names; "A:C" -> {columns: [...]}.
function parse(address) {
  const corners = address.replace(/\$/g, "").split(":").map((part) => {
    const match = /^([A-Z]+)(\d*)$/.exec(part);
    if (!match) throw new Error(`InvalidArgument: address ${address}`);
    return { col: columnNumber(match[1]), row: match[2] ? Number(match[2]) - 1 : null };
  });
  const [first, last] = [corners[0], corners[corners.length - 1]];
  if (first.row === null || last.row === null) {
    if (first.row !== last.row) throw new Error(`InvalidArgument: address ${address}`);
    const columns = [];
    for (let c = first.col; c <= last.col; c += 1) columns.push(columnLetters(c));
    return { columns, cells: null };
  }
  const cells = [];
  for (let r = first.row; r <= last.row; r += 1) {
    for (let c = first.col; c <= last.col; c += 1) cells.push(columnLetters(c) + (r + 1));
  }
  return { columns: null, cells };
}

// An object that takes only `settable` properties (each set goes to
// onSet(name, value)) and exposes `children`; anything else throws.
function strict(settable, onSet, children = {}) {
  return new Proxy(children, {
    set(target, name, value) {
      if (!settable.includes(name)) throw new Error(`PropertyNotSettable: ${String(name)}`);
      onSet(name, value);
      return true;
    },
    get(target, name) {
      if (name in target) return target[name];
      throw new Error(`PropertyNotLoaded: ${String(name)}`);
    },
  });
}

function makeRange(sheetName, address) {
  const { cells, columns } = parse(address);
  const styles = (out.styles[sheetName] ??= {});
  const setStyle = (key) => (name, value) => {
    if (!cells) throw new Error(`InvalidArgument: ${key || name} on columns ${address}`);
    for (const cell of cells) (styles[cell] ??= {})[key || name] = value;
  };
  const font = strict(["bold", "italic", "size", "color"], setStyle());
  const fill = strict(["color"], setStyle("fill"));
  const borders = {
    getItem(side) {
      return strict(["style"], setStyle(`border:${side}`));
    },
  };
  const format = strict(
    ["horizontalAlignment", "verticalAlignment", "wrapText", "columnWidth"],
    (name, value) => {
      if (name !== "columnWidth") return setStyle()(name, value);
      if (!columns) throw new Error(`columnWidth set on cells ${address}`);
      const widths = (out.columnWidths[sheetName] ??= {});
      for (const column of columns) widths[column] = value;
    },
    { font, fill, borders },
  );
  return strict(
    ["numberFormat"],
    (name, value) => {
      if (!cells) throw new Error(`numberFormat on columns ${address}`);
      // xlwings' own setNumberFormat form: one format for the whole range.
      if (!Array.isArray(value) || value.length !== 1 || value[0].length !== 1) {
        throw new Error(`numberFormat must be [[format]], not ${JSON.stringify(value)}`);
      }
      const formats = (out.numberFormats[sheetName] ??= {});
      for (const cell of cells) formats[cell] = value[0][0];
    },
    { format },
  );
}

const context = {
  workbook: {
    worksheets: {
      getItem(name) {
        return { getRange: (address) => makeRange(name, address) };
      },
    },
  },
  async sync() {
    out.syncs += 1;
  },
};

const callbacks = {};
const sandbox = vm.createContext({
  console: { log() {}, error() {}, info() {} },
  Office: { actions: { associate() {} } },
  xlwings: {
    registerCallback(callback) {
      callbacks[callback.name] = callback;
    },
    runPython: async () => {},
  },
});
vm.runInContext(fs.readFileSync(ribbonFile, "utf8"), sandbox);
out.registered = Object.keys(callbacks);

(async () => {
  const actions = JSON.parse(fs.readFileSync(actionsFile, "utf8"));
  try {
    for (const action of actions) {
      if (action.func !== "runMacro") continue;
      await callbacks[action.args[0]](context, ...action.args.slice(1));
    }
  } catch (error) {
    out.error = error.message;
  }
  console.log(JSON.stringify(out));
})();
