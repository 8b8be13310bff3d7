/**
 * A small columnar table, Keel's counterpart of a pandas DataFrame: named columns of equal
 * length, each with a numpy-style dtype (`int64`, `float64`, `bool`, `object`, ...) inferred from
 * its values the way pandas infers it from JSON. Column-based models receive one.
 */
import { invalidParameter } from '@keel/contract';

/** The values of one column: a plain array, or a typed array for numeric columns. */
export type ColumnValues =
  | readonly unknown[]
  | Float64Array
  | Float32Array
  | Int32Array
  | Int16Array
  | Int8Array
  | Uint8Array;

/** One column. `dtype` is numpy's name (`float64`, `int64`, `bool`, `object`, `datetime64[ns]`, ...). */
export interface Column {
  readonly dtype: string;
  readonly values: ColumnValues;
}

/**
 * pandas' dtype of a column built from JSON values: all booleans -> `bool`, all integers ->
 * `int64`, numbers (a null among them becomes NaN) -> `float64`, dates -> `datetime64[ns]`,
 * anything else (strings, mixed, nested) -> `object`.
 */
export function inferColumnDType(values: ArrayLike<unknown>): string {
  const n = values.length;
  if (n === 0) return 'object';
  let bools = 0;
  let ints = 0;
  let floats = 0;
  let nulls = 0;
  let dates = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (typeof v === 'number') {
      if (Number.isInteger(v)) ints++;
      else floats++;
    } else if (typeof v === 'boolean') bools++;
    else if (v === null || v === undefined) nulls++;
    else if (v instanceof Date) dates++;
  }
  if (bools === n) return 'bool';
  if (ints === n) return 'int64';
  if (ints + floats + nulls === n && ints + floats > 0) return 'float64';
  if (dates + nulls === n && dates > 0) return 'datetime64[ns]';
  return 'object';
}

/**
 * A table of named columns.
 *
 * @example
 * const df = DataFrame.fromRecords([{ a: 1, b: 'x' }, { a: 2, b: 'y' }]);
 * df.column('a'); // [1, 2]
 * df.records();   // [{ a: 1, b: 'x' }, { a: 2, b: 'y' }]
 */
export class DataFrame {
  private readonly byName: ReadonlyMap<string, Column>;

  constructor(
    readonly columns: readonly string[],
    data: readonly Column[],
    readonly length: number,
  ) {
    if (data.length !== columns.length) throw new Error('DataFrame: one column per name expected');
    const byName = new Map<string, Column>();
    columns.forEach((name, i) => {
      // Row objects are built from column names; this one would set their prototype instead.
      if (name === '__proto__') throw invalidParameter("Invalid column name '__proto__'");
      const column = data[i] as Column;
      if (column.values.length !== length) {
        throw invalidParameter(
          `All arrays must be of the same length (column '${name}' has ${column.values.length} values, expected ${length})`,
        );
      }
      byName.set(name, column);
    });
    if (byName.size !== columns.length) throw invalidParameter(`Duplicate column names: ${columns.join(', ')}`);
    this.byName = byName;
  }

  /** A frame from column arrays; dtypes are inferred unless given. */
  static fromColumns(
    columns: Readonly<Record<string, ArrayLike<unknown>>>,
    dtypes: Readonly<Record<string, string>> = {},
  ): DataFrame {
    const names = Object.keys(columns);
    const data = names.map((name) => {
      const values = columns[name] as ArrayLike<unknown>;
      const stored =
        Array.isArray(values) || ArrayBuffer.isView(values) ? (values as ColumnValues) : Array.from(values);
      return { dtype: dtypes[name] ?? inferColumnDType(stored), values: stored };
    });
    const length = data.length === 0 ? 0 : (data[0] as Column).values.length;
    return new DataFrame(names, data, length);
  }

  /** A frame from row objects (pandas' `records` orient); a key missing from a row is null. */
  static fromRecords(records: readonly Readonly<Record<string, unknown>>[]): DataFrame {
    const names: string[] = [];
    const seen = new Set<string>();
    for (const record of records) {
      for (const key of Object.keys(record)) {
        if (!seen.has(key)) {
          seen.add(key);
          names.push(key);
        }
      }
    }
    const columns = Object.fromEntries(
      names.map((name) => [name, records.map((r) => (Object.hasOwn(r, name) ? r[name] : null))]),
    );
    const frame = DataFrame.fromColumns(columns);
    return names.length === 0 ? new DataFrame([], [], records.length) : frame;
  }

  /** A frame from rows of values; unnamed columns are called `0`, `1`, ... as pandas numbers them. */
  static fromRows(rows: readonly unknown[], columns?: readonly string[]): DataFrame {
    const width = columns?.length ?? rows.reduce<number>((w, r) => Math.max(w, Array.isArray(r) ? r.length : 1), 0);
    const names = columns ?? Array.from({ length: width }, (_, i) => String(i));
    const data: unknown[][] = names.map(() => new Array(rows.length));
    rows.forEach((row, r) => {
      const cells = Array.isArray(row) ? row : [row];
      if (cells.length !== width) {
        throw invalidParameter(`${width} columns passed, passed data had ${cells.length} columns`);
      }
      for (let c = 0; c < width; c++) (data[c] as unknown[])[r] = cells[c];
    });
    return DataFrame.fromColumns(Object.fromEntries(names.map((n, i) => [n, data[i] as unknown[]])));
  }

  /** Whether the frame has a column. */
  has(name: string): boolean {
    return this.byName.has(name);
  }

  /** The column `name` (throws when absent). */
  get(name: string): Column {
    const column = this.byName.get(name);
    if (column === undefined) throw invalidParameter(`No column '${name}' (columns: ${this.columns.join(', ')})`);
    return column;
  }

  /** The values of column `name`. */
  column(name: string): ColumnValues {
    return this.get(name).values;
  }

  /** The dtype of column `name`. */
  dtype(name: string): string {
    return this.get(name).dtype;
  }

  /** The value at row `row` of column `name`. */
  value(name: string, row: number): unknown {
    return this.get(name).values[row];
  }

  /** Rows as objects (pandas' `to_dict(orient="records")`). */
  records(): Record<string, unknown>[] {
    const out: Record<string, unknown>[] = new Array(this.length);
    const cols = this.columns.map((name) => this.get(name).values);
    for (let r = 0; r < this.length; r++) {
      const row: Record<string, unknown> = {};
      for (let c = 0; c < cols.length; c++) row[this.columns[c] as string] = (cols[c] as ColumnValues)[r];
      out[r] = row;
    }
    return out;
  }

  /** Rows as arrays, in column order. */
  rows(): unknown[][] {
    const cols = this.columns.map((name) => this.get(name).values);
    const out: unknown[][] = new Array(this.length);
    for (let r = 0; r < this.length; r++) out[r] = cols.map((c) => c[r]);
    return out;
  }

  /** A frame of the given columns, in that order. */
  select(names: readonly string[]): DataFrame {
    return new DataFrame(
      names,
      names.map((n) => this.get(n)),
      this.length,
    );
  }

  /** A frame with `column` set (added or replaced). */
  withColumn(name: string, column: Column): DataFrame {
    const names = this.has(name) ? this.columns : [...this.columns, name];
    return new DataFrame(
      names,
      names.map((n) => (n === name ? column : this.get(n))),
      this.length,
    );
  }

  /** The records, as `JSON.stringify` writes a frame (MLflow's response orient). */
  toJSON(): Record<string, unknown>[] {
    return this.records();
  }
}
