/**
 * Python's spelling of values that MLproject files and parameters carry: a YAML default read
 * as a float is logged and substituted the way `str(float)` prints it (`1.0`, `1e-07`), and
 * `float`/`int` parameters accept what Python's `float()`/`int()` accept.
 */

/**
 * `repr(float)`: the shortest round-trip digits, fixed notation for exponents -4..15, else
 * scientific with a signed, at-least-two-digit exponent.
 *
 * @example
 * pythonFloatRepr(1);     // '1.0'
 * pythonFloatRepr(1e-7);  // '1e-07'
 * pythonFloatRepr(1e16);  // '1e+16'
 */
export function pythonFloatRepr(value: number): string {
  if (Number.isNaN(value)) return 'nan';
  if (!Number.isFinite(value)) return value > 0 ? 'inf' : '-inf';
  if (value === 0) return Object.is(value, -0) ? '-0.0' : '0.0';
  const [mantissa = '', exponentText = '0'] = value.toExponential().split('e');
  const exponent = Number(exponentText);
  if (exponent >= -4 && exponent < 16) {
    const text = String(value);
    // String() switches to exponents only outside this range, so this is plain decimal text.
    return text.includes('.') ? text : `${text}.0`;
  }
  const sign = exponent < 0 ? '-' : '+';
  return `${mantissa}e${sign}${String(Math.abs(exponent)).padStart(2, '0')}`;
}

/** Whether `text` is something Python's `int()` reads (optional sign, digits with single `_` between them). */
export function isPythonInt(text: string): boolean {
  return /^[+-]?\d+(?:_\d+)*$/.test(text.trim());
}

/** Whether `text` is something Python's `float()` reads (decimal, exponent, `inf`, `infinity`, `nan`). */
export function isPythonFloat(text: string): boolean {
  const digits = String.raw`\d+(?:_\d+)*`;
  const number = `(?:${digits}(?:\\.(?:${digits})?)?|\\.${digits})(?:[eE][+-]?${digits})?`;
  return new RegExp(`^[+-]?(?:${number}|inf|infinity|nan)$`, 'i').test(text.trim());
}
