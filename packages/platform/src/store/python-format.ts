/**
 * Python's `repr()` and `json.dumps()` output, for the few messages and tokens whose exact text
 * MLflow clients see (error messages that print Python values, MLflow's logged-model page token).
 */

/** A JSON-like value as Python would hold it after `json.loads`. */
export type PythonValue = null | boolean | number | string | readonly PythonValue[] | { [key: string]: PythonValue };

function escapeNonPrintable(char: string): string {
  const code = char.codePointAt(0) as number;
  if (char === '\n') return '\\n';
  if (char === '\r') return '\\r';
  if (char === '\t') return '\\t';
  if (code < 0x20 || code === 0x7f) return `\\x${code.toString(16).padStart(2, '0')}`;
  return char;
}

/**
 * `repr(str)`: single quotes unless the text holds a single quote and no double quote.
 *
 * @example
 * pythonStringRepr("a'b") // "a'b" wrapped in double quotes
 */
export function pythonStringRepr(text: string): string {
  const quote = text.includes("'") && !text.includes('"') ? '"' : "'";
  let out = quote;
  for (const char of text) {
    if (char === '\\') out += '\\\\';
    else if (char === quote) out += `\\${quote}`;
    else out += escapeNonPrintable(char);
  }
  return out + quote;
}

function pythonNumberRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (value === Number.POSITIVE_INFINITY) return 'inf';
  if (value === Number.NEGATIVE_INFINITY) return '-inf';
  return String(value);
}

/** `repr()` of a value decoded from JSON: `None`, `True`, `['1']`, `{'field_name': 'name'}`. */
export function pythonRepr(value: PythonValue): string {
  if (value === null) return 'None';
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  if (typeof value === 'number') return pythonNumberRepr(value);
  if (typeof value === 'string') return pythonStringRepr(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonRepr(v)).join(', ')}]`;
  const entries = Object.entries(value as { [key: string]: PythonValue });
  return `{${entries.map(([k, v]) => `${pythonStringRepr(k)}: ${pythonRepr(v)}`).join(', ')}}`;
}

/** `str()`: like `repr()` except that a top-level string is printed bare. */
export function pythonStr(value: PythonValue): string {
  return typeof value === 'string' ? value : pythonRepr(value);
}

/** A string literal as Python's `json.dumps` writes it (ASCII only, Python's escapes). */
export function jsonString(text: string): string {
  let out = '"';
  for (let i = 0; i < text.length; i++) {
    const char = text[i] as string;
    const code = text.charCodeAt(i);
    if (char === '"') out += '\\"';
    else if (char === '\\') out += '\\\\';
    else if (char === '\n') out += '\\n';
    else if (char === '\r') out += '\\r';
    else if (char === '\t') out += '\\t';
    else if (char === '\b') out += '\\b';
    else if (char === '\f') out += '\\f';
    // ensure_ascii: every other control or non-ASCII UTF-16 unit becomes \uXXXX (pairs stay pairs).
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += char;
  }
  return out + '"';
}

/**
 * `json.dumps(value)` with Python's defaults: `", "` and `": "` separators, ASCII-only output.
 *
 * @example
 * pythonJsonDumps({ offset: 2, ids: ['1'] }) // '{"offset": 2, "ids": ["1"]}'
 */
export function pythonJsonDumps(value: PythonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (Number.isNaN(value)) return 'NaN';
    if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
    return String(value);
  }
  if (typeof value === 'string') return jsonString(value);
  if (Array.isArray(value)) return `[${value.map((v) => pythonJsonDumps(v)).join(', ')}]`;
  const entries = Object.entries(value as { [key: string]: PythonValue });
  return `{${entries.map(([k, v]) => `${jsonString(k)}: ${pythonJsonDumps(v)}`).join(', ')}}`;
}
