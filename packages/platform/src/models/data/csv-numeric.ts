/**
 * A fast reader for the common shape of batch-scoring input: CSV whose columns are all numbers
 * (plain decimals, no quotes). Numbers are parsed straight from the text into typed columns, with
 * no string per cell nor array per row, and frames are cut every `batchSize` rows exactly as the
 * generic path (`CsvParser` + `csvRecordsToFrame`) cuts them, with the same dtypes and values.
 *
 * Anything else (a quote, a sign or exponent, `nan`, blanks, a wrong number of fields, a value
 * out of its type's range, a column with no value in a batch) is not judged here: the reader
 * stops and hands back the text from the first line of the current batch, so the generic path
 * reads it from there, with pandas' inference and pandas' error messages, and the batches and
 * their line numbers stay the same.
 */
import { type Column, DataFrame } from './data-frame.js';

/** How a column is read: a declared MLflow type, or inferred (int64, else float64) as pandas does. */
export type NumericColumnKind = 'double' | 'float' | 'long' | 'integer' | 'infer';

const KINDS: ReadonlySet<string> = new Set(['double', 'float', 'long', 'integer']);

/**
 * The kind of each column of `names` given the declared types, or undefined when a column is
 * declared with a non-numeric type (strings, booleans, dates: the generic path reads those).
 */
export function numericColumnKinds(
  names: readonly string[],
  types: ReadonlyMap<string, string>,
): NumericColumnKind[] | undefined {
  const kinds: NumericColumnKind[] = [];
  for (const name of names) {
    const type = types.get(name);
    if (type === undefined) kinds.push('infer');
    else if (KINDS.has(type)) kinds.push(type as NumericColumnKind);
    else return undefined;
  }
  return kinds;
}

/** Powers of ten that doubles hold exactly: dividing an exact mantissa by one rounds correctly. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
/** Most digits a mantissa may have and stay an exact double. */
const MAX_DIGITS = 15;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;
const FLOAT32_MAX = 3.4028234663852886e38;

const DOT = 46;
const MINUS = 45;
const ZERO = 48;
const CR = 13;

/** What `parseDecimal` returns for text it does not read (no plain decimal spells it). */
const UNREADABLE = Number.NEGATIVE_INFINITY;
/** Whether the text `parseDecimal` read last had a decimal point (pandas infers float64 even for `1.0`). */
let sawDot = false;
/** Whether it had more digits than a double holds exactly. */
let sawLong = false;

/**
 * The number a plain decimal (`-?digits[.digits]` or `-?.digits`) between `start` and `end`
 * spells, equal to `Number(text)`; `UNREADABLE` for any other text.
 */
function parseDecimal(data: string, start: number, end: number): number {
  let p = start;
  const negative = data.charCodeAt(p) === MINUS;
  if (negative) p++;
  let mantissa = 0;
  let digits = 0;
  let decimals = 0;
  let dot = false;
  for (; p < end; p++) {
    const code = data.charCodeAt(p);
    const digit = code - ZERO;
    if (digit >= 0 && digit <= 9) {
      mantissa = mantissa * 10 + digit;
      digits++;
      if (dot) decimals++;
    } else if (code === DOT && !dot) dot = true;
    else return UNREADABLE;
  }
  if (digits === 0) return UNREADABLE;
  sawDot = dot;
  sawLong = digits > MAX_DIGITS;
  let value: number;
  // Both operands are exact doubles, so the one division rounds as Number() does.
  if (!sawLong && decimals < POW10.length) value = decimals === 0 ? mantissa : mantissa / (POW10[decimals] as number);
  else value = Number(data.slice(negative ? start + 1 : start, end));
  return negative ? -value : value;
}

/**
 * Reads numeric CSV rows into frames of `batchSize` rows.
 *
 * @example
 * const reader = new NumericCsvReader(['x', 'y'], ['double', 'infer'], 10_000);
 * const frames = reader.push('1.5,2\n3,4\n');
 * if (reader.stopped) genericParser.push(reader.rest());
 */
export class NumericCsvReader {
  private carry = '';
  /** Text of the lines of the current batch read by earlier pushes. */
  private batchText: string[] = [];
  private readonly values: Float64Array[];
  private row = 0;
  /** Per column of the current batch: a value with a decimal point, an empty cell, values present. */
  private readonly fraction: boolean[];
  private readonly missing: boolean[];
  private readonly present: number[];
  private restText = '';
  /** True once a line was not plain numeric CSV; `rest()` then holds the text to read otherwise. */
  stopped = false;

  constructor(
    private readonly names: readonly string[],
    private readonly kinds: readonly NumericColumnKind[],
    private readonly batchSize: number,
  ) {
    this.values = names.map(() => new Float64Array(batchSize));
    this.fraction = names.map(() => false);
    this.missing = names.map(() => false);
    this.present = names.map(() => 0);
  }

  /** Reads the complete lines of `text` (after the partial line carried over); returns the frames completed. */
  push(text: string): DataFrame[] {
    if (this.stopped) throw new Error('NumericCsvReader: push after stop');
    const data = this.carry === '' ? text : this.carry + text;
    this.carry = '';
    const frames: DataFrame[] = [];
    const n = data.length;
    let batchStart = 0;
    let i = 0;
    while (i < n) {
      const newline = data.indexOf('\n', i);
      if (newline < 0) break;
      const end = newline > i && data.charCodeAt(newline - 1) === CR ? newline - 1 : newline;
      // Blank lines are skipped, as the generic path skips them.
      if (end > i) {
        if (!this.readLine(data, i, end)) return this.stop(frames, data, batchStart);
        if (++this.row === this.batchSize) {
          const frame = this.frame();
          if (frame === undefined) return this.stop(frames, data, batchStart);
          frames.push(frame);
          this.batchText = [];
          batchStart = newline + 1;
        }
      }
      i = newline + 1;
    }
    if (i > batchStart) this.batchText.push(data.slice(batchStart, i));
    this.carry = data.slice(i);
    return frames;
  }

  /** Ends the input: reads a last line without a newline and returns the last (partial) frame. */
  end(): DataFrame[] {
    const frames = this.carry === '' ? [] : this.push('\n');
    if (this.stopped || this.row === 0) return frames;
    const frame = this.frame();
    if (frame === undefined) return this.stop(frames, '', 0);
    return [...frames, frame];
  }

  /** After a stop: the text from the first line of the unfinished batch to the end of what was pushed. */
  rest(): string {
    return this.restText;
  }

  private stop(frames: DataFrame[], data: string, batchStart: number): DataFrame[] {
    this.stopped = true;
    this.restText = this.batchText.join('') + data.slice(batchStart);
    this.batchText = [];
    return frames;
  }

  /** Parses the fields of one line into row `this.row`; false if the line is not plain numeric CSV. */
  private readLine(data: string, start: number, end: number): boolean {
    const width = this.kinds.length;
    let p = start;
    for (let c = 0; c < width; c++) {
      // The last field runs to the end of the line: a comma in it (too many fields) does not parse.
      const fieldEnd = c === width - 1 ? end : data.indexOf(',', p);
      if (fieldEnd < 0 || fieldEnd > end) return false;
      const kind = this.kinds[c] as NumericColumnKind;
      if (fieldEnd === p) {
        // A missing value, which integer columns cannot hold.
        if (kind === 'long' || kind === 'integer') return false;
        (this.values[c] as Float64Array)[this.row] = Number.NaN;
        this.missing[c] = true;
      } else {
        const value = parseDecimal(data, p, fieldEnd);
        if (value === UNREADABLE) return false;
        if (kind === 'infer') {
          if (sawDot) this.fraction[c] = true;
        } else if (kind === 'float') {
          if (Math.abs(value) > FLOAT32_MAX) return false;
        } else if (kind !== 'double') {
          // Integer columns: whole numbers in range, exactly as given.
          if (sawDot || sawLong || (kind === 'integer' && (value < INT32_MIN || value > INT32_MAX))) return false;
        }
        (this.values[c] as Float64Array)[this.row] = value;
        this.present[c] = (this.present[c] as number) + 1;
      }
      p = fieldEnd + 1;
    }
    return true;
  }

  /** The current batch as a frame, typed as the generic path types it; undefined if it cannot tell. */
  private frame(): DataFrame | undefined {
    const rows = this.row;
    const columns: Column[] = [];
    for (let c = 0; c < this.kinds.length; c++) {
      const values = (this.values[c] as Float64Array).subarray(0, rows);
      const kind = this.kinds[c] as NumericColumnKind;
      if (kind === 'double') columns.push({ dtype: 'float64', values: Float64Array.from(values) });
      else if (kind === 'float') columns.push({ dtype: 'float32', values: Float32Array.from(values) });
      else if (kind === 'integer') columns.push({ dtype: 'int32', values: Int32Array.from(values) });
      else if (kind === 'long') columns.push({ dtype: 'int64', values: Array.from(values) });
      else if (this.present[c] === 0)
        return undefined; // all missing: pandas makes an object column
      else if (!this.fraction[c] && !this.missing[c]) columns.push({ dtype: 'int64', values: Array.from(values) });
      else columns.push({ dtype: 'float64', values: Float64Array.from(values) });
    }
    this.fraction.fill(false);
    this.missing.fill(false);
    this.present.fill(0);
    this.row = 0;
    return new DataFrame(this.names, columns, rows);
  }
}
