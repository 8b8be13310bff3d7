/**
 * Hot-path queries compiled once and replayed with new parameters. Building and compiling a
 * Kysely query costs more than running it on SQLite, so the logging path compiles each query
 * shape once per dialect (with sentinel values) and afterwards only substitutes parameters.
 */
import type { Compilable, CompiledQuery, Kysely } from 'kysely';

interface Template {
  readonly compiled: CompiledQuery;
  /** For each compiled parameter, the index of the caller's value it stands for. */
  readonly order: readonly number[];
}

/** A sentinel standing for the caller's value number `index`. */
const SENTINEL_PREFIX = '\u{1F6A7}keel-param-';
const sentinel = (index: number): never => `${SENTINEL_PREFIX}${index}` as never;

/** Caches compiled query shapes for one database. */
export class PreparedQueries<DB> {
  private readonly templates = new Map<string, Template>();

  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Returns the compiled query `key` with `values` bound. `build` receives a function that
   * yields a placeholder for value `i`; every placeholder must reach the compiled parameters.
   */
  bind(
    key: string,
    values: readonly unknown[],
    build: (db: Kysely<DB>, p: (i: number) => never) => Compilable,
  ): CompiledQuery {
    let template = this.templates.get(key);
    if (template === undefined) {
      const compiled = build(this.db, sentinel).compile();
      const order = compiled.parameters.map((parameter) => {
        if (typeof parameter !== 'string' || !parameter.startsWith(SENTINEL_PREFIX)) {
          throw new Error(`Prepared query '${key}' has a parameter that is not a placeholder`);
        }
        return Number(parameter.slice(SENTINEL_PREFIX.length));
      });
      template = { compiled, order };
      this.templates.set(key, template);
    }
    const { compiled, order } = template;
    const parameters = new Array<unknown>(order.length);
    for (let i = 0; i < order.length; i++) parameters[i] = values[order[i] as number];
    return { ...compiled, parameters };
  }
}

/**
 * `size` rows of placeholders for a multi-row insert: in row `r`, column `columns[j]` stands for
 * value `r * columns.length + j`, so the values are laid out row after row in column order.
 *
 * @example
 * q.insertInto('tags').values(placeholderRows(['run_uuid', 'key', 'value'], 2, p));
 */
export function placeholderRows<C extends string>(
  columns: readonly C[],
  size: number,
  p: (i: number) => never,
): Array<Record<C, never>> {
  return Array.from({ length: size }, (_, r) => {
    const row = {} as Record<C, never>;
    columns.forEach((column, j) => {
      row[column] = p(r * columns.length + j);
    });
    return row;
  });
}

/** Splits `items` into consecutive groups whose sizes come from `chunkSizes`. */
export function sizedChunks<T>(items: readonly T[], largest: number): T[][] {
  const out: T[][] = [];
  let offset = 0;
  for (const size of chunkSizes(items.length, largest)) {
    out.push(items.slice(offset, offset + size));
    offset += size;
  }
  return out;
}

/** Splits `count` rows into chunk sizes from a small fixed set, so few query shapes exist. */
export function chunkSizes(count: number, largest: number): number[] {
  const sizes = [500, 100, 20, 5, 1].filter((s) => s <= largest);
  const out: number[] = [];
  let left = count;
  for (const size of sizes) {
    while (left >= size) {
      out.push(size);
      left -= size;
    }
  }
  return out;
}
