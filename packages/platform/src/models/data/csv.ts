/**
 * CSV in and out, as pandas reads what `DataFrame.to_csv()` writes: RFC 4180 quoting, CRLF or
 * LF, a header row (an empty header cell, the index column, becomes `Unnamed: <i>`), short rows
 * padded with missing values, long rows refused. `CsvParser` is incremental, so a file of any
 * size is read chunk by chunk; lines without quotes take a fast path.
 */
import { badRequest, type MlflowError } from '@keel/contract';
import { type Column, DataFrame } from './data-frame.js';
import { ConversionError, castScalar, scalarStorage } from './values.js';

/** Splits CSV text into records across chunk boundaries. */
export class CsvParser {
  private carry = '';
  private record: string[] = [];
  private field = '';
  private inQuotes = false;
  private quotedField = false;
  /** 1-based number of the line being read (for messages). */
  line = 1;

  /** Adds text; returns the records it completed. */
  push(text: string): string[][] {
    const data = this.carry + text;
    this.carry = '';
    const out: string[][] = [];
    let i = 0;
    const n = data.length;
    // The next quote at or after `i` (found once, not per line: per line would be quadratic).
    let quote = -2;
    while (i < n) {
      if (!this.inQuotes && this.field === '' && this.record.length === 0 && !this.quotedField) {
        // Fast path: a whole line without quotes.
        const end = data.indexOf('\n', i);
        if (end < 0) break;
        if (quote !== -1 && quote < i) quote = data.indexOf('"', i);
        if (quote < 0 || quote > end) {
          let line = data.slice(i, end);
          if (line.endsWith('\r')) line = line.slice(0, -1);
          out.push(line.split(','));
          this.line++;
          i = end + 1;
          continue;
        }
      }
      const c = data[i] as string;
      if (this.inQuotes) {
        if (c === '"') {
          if (i + 1 >= n) break; // need the next character to tell "" from a closing quote
          if (data[i + 1] === '"') {
            this.field += '"';
            i += 2;
            continue;
          }
          this.inQuotes = false;
          i++;
          continue;
        }
        if (c === '\n') this.line++;
        this.field += c;
        i++;
        continue;
      }
      if (c === '"' && this.field === '') {
        this.inQuotes = true;
        this.quotedField = true;
        i++;
      } else if (c === ',') {
        this.record.push(this.field);
        this.field = '';
        this.quotedField = false;
        i++;
      } else if (c === '\n' || c === '\r') {
        if (c === '\r' && i + 1 >= n) break; // CRLF may straddle chunks
        this.record.push(this.field);
        out.push(this.record);
        this.record = [];
        this.field = '';
        this.quotedField = false;
        this.line++;
        i += c === '\r' && data[i + 1] === '\n' ? 2 : 1;
      } else {
        this.field += c;
        i++;
      }
    }
    this.carry = data.slice(i);
    return out;
  }

  /**
   * Hands back the text after the last complete record, when no record is half read (no open
   * quote, no field of the line read yet), so another reader may take over from there.
   */
  takeCarry(): string | undefined {
    if (this.inQuotes || this.field !== '' || this.record.length > 0 || this.quotedField) return undefined;
    const carry = this.carry;
    this.carry = '';
    return carry;
  }

  /** Ends the input; returns the last record, if the text did not end with a newline. */
  end(): string[][] {
    const out = this.push('\n\u0000');
    // The sentinel only flushes a trailing record; it never forms one of its own.
    this.carry = '';
    this.field = '';
    this.record = [];
    if (this.inQuotes) throw csvError('EOF inside string (an unclosed quote)');
    return out;
  }
}

function csvError(detail: string): MlflowError {
  return badRequest(
    `Failed to parse input as a Pandas DataFrame. Ensure that the input is a valid CSV-formatted Pandas DataFrame produced using the \`pandas.DataFrame.to_csv()\` method. Error: '${detail}'`,
  );
}

/** Column names of a header row, as pandas names them. */
export function headerNames(header: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return header.map((raw, i) => {
    let name = raw === '' ? `Unnamed: ${i}` : raw;
    const count = seen.get(name) ?? 0;
    seen.set(name, count + 1);
    if (count > 0) name = `${name}.${count}`;
    return name;
  });
}

const INT = /^\s*[+-]?\d+\s*$/;
const FLOAT = /^\s*[+-]?(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|nan|NaN|inf|-?Infinity)\s*$/;
const BOOLS: Readonly<Record<string, boolean>> = {
  True: true,
  true: true,
  TRUE: true,
  False: false,
  false: false,
  FALSE: false,
};

/** pandas' `read_csv` type inference for one column of text (empty cells are missing values). */
function inferCsvColumn(cells: readonly string[]): Column {
  let ints = true;
  let floats = true;
  let bools = true;
  let missing = false;
  for (const cell of cells) {
    if (cell === '') {
      missing = true;
      continue;
    }
    if (ints && !INT.test(cell)) ints = false;
    if (floats && !FLOAT.test(cell)) floats = false;
    if (bools && !(cell in BOOLS)) bools = false;
    if (!ints && !floats && !bools) break;
  }
  const n = cells.length;
  if (ints && !missing && n > 0) {
    const values = new Array<number>(n);
    for (let i = 0; i < n; i++) values[i] = Number(cells[i]);
    return { dtype: 'int64', values };
  }
  if ((ints || floats) && cells.some((c) => c !== '')) {
    const values = new Float64Array(n);
    for (let i = 0; i < n; i++) values[i] = cells[i] === '' ? Number.NaN : Number.parseFloat(cells[i] as string);
    return { dtype: 'float64', values };
  }
  if (bools && !missing && n > 0) return { dtype: 'bool', values: cells.map((c) => BOOLS[c] as boolean) };
  return { dtype: 'object', values: cells.map((c) => (c === '' ? null : c)) };
}

/** A column of text converted to a declared scalar type (pandas' `read_csv(dtype=...)`). */
function typedCsvColumn(name: string, cells: readonly string[], type: string): Column {
  const n = cells.length;
  const values = scalarStorage(type, n);
  for (let i = 0; i < n; i++) {
    const cell = cells[i] as string;
    if (cell === '') {
      if (type === 'long' || type === 'integer') throw csvError(`Integer column has NA values in column ${name}`);
      values[i] = (type === 'double' || type === 'float' ? Number.NaN : null) as never;
      continue;
    }
    try {
      values[i] = castScalar(type === 'string' ? cell : cell.trim(), type) as never;
    } catch (error) {
      if (error instanceof ConversionError) throw csvError(`${error.message} (column ${name})`);
      throw error;
    }
  }
  const dtype =
    { double: 'float64', float: 'float32', integer: 'int32', long: 'int64', boolean: 'bool' }[type] ?? 'object';
  return { dtype, values };
}

/**
 * Records of text as a DataFrame; `types` maps column names to declared scalar types (columns
 * without one are inferred as pandas does).
 */
export function csvRecordsToFrame(
  names: readonly string[],
  records: readonly string[][],
  types: ReadonlyMap<string, string> = new Map(),
  firstLine = 2,
): DataFrame {
  const width = names.length;
  const cells: string[][] = names.map(() => new Array(records.length));
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as string[];
    if (record.length > width) {
      throw csvError(
        `Error tokenizing data. C error: Expected ${width} fields in line ${firstLine + r}, saw ${record.length}`,
      );
    }
    for (let c = 0; c < width; c++) (cells[c] as string[])[r] = record[c] ?? '';
  }
  return new DataFrame(
    names,
    names.map((name, c) => {
      const type = types.get(name);
      return type === undefined
        ? inferCsvColumn(cells[c] as string[])
        : typedCsvColumn(name, cells[c] as string[], type);
    }),
    records.length,
  );
}

/**
 * Parses a whole CSV text (a `text/csv` request body).
 *
 * @example
 * parseCsvFrame('a,b\n1,x\n2,y\n').records(); // [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]
 */
export function parseCsvFrame(text: string, types?: ReadonlyMap<string, string>): DataFrame {
  const parser = new CsvParser();
  const records = [...parser.push(text), ...parser.end()].filter((r) => !(r.length === 1 && r[0] === ''));
  const header = records.shift();
  if (header === undefined) throw csvError('No columns to parse from file');
  return csvRecordsToFrame(headerNames(header), records, types);
}

function csvCell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isNaN(value) ? '' : String(value);
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : JSON.stringify(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One CSV line (with its newline) of `values`. */
export function csvLine(values: readonly unknown[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) line += (i === 0 ? '' : ',') + csvCell(values[i]);
  return `${line}\n`;
}
