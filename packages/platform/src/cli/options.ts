/** Option parsers and helpers shared by the client-side command groups. */
import { InvalidArgumentError, Option } from 'commander';
import { usageError } from './output.js';

/** MLflow's `--view` values and the wire `ViewType` each one means. */
export const VIEW_TYPES = { active_only: 'ACTIVE_ONLY', deleted_only: 'DELETED_ONLY', all: 'ALL' } as const;

/** The `-v, --view` option of experiment and run listings. */
export function viewOption(what: string): Option {
  return new Option('-v, --view <view>', `which ${what} to show`)
    .choices(Object.keys(VIEW_TYPES))
    .default('active_only');
}

/** The wire `ViewType` of a parsed `--view`. */
export function viewType(view: string | undefined): (typeof VIEW_TYPES)[keyof typeof VIEW_TYPES] {
  return VIEW_TYPES[(view ?? 'active_only') as keyof typeof VIEW_TYPES] ?? 'ACTIVE_ONLY';
}

/** The "Examples:" footer of a command's `--help`. */
export function examples(...lines: string[]): string {
  return `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  ${l}`).join('\n')}`;
}

/** Parser of repeatable options: every occurrence is kept, in order. */
export function collect(value: string, previous: readonly string[] = []): string[] {
  return [...previous, value];
}

/** Parser of whole numbers >= 1 (`--max-results`). */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < 1) {
    throw new InvalidArgumentError('Expected a whole number of at least 1.');
  }
  return n;
}

/** `key=value` pairs of a repeatable option, in order; a pair without `=` is a usage error. */
export function keyValues(pairs: readonly string[] | undefined, flag: string): { key: string; value: string }[] {
  return (pairs ?? []).map((pair) => {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw usageError(`${flag} expects key=value, got '${pair}'.`);
    return { key: pair.slice(0, eq), value: pair.slice(eq + 1) };
  });
}

/**
 * The first `max` items of a paginated listing (all of them without `max`).
 *
 * @example
 * const runs = await take(client.paginate(tracking.searchRuns, request, 'runs'), 100);
 */
export async function take<T>(items: AsyncIterable<T>, max: number | undefined): Promise<T[]> {
  const out: T[] = [];
  if (max !== undefined && max <= 0) return out;
  for await (const item of items) {
    out.push(item);
    if (max !== undefined && out.length >= max) break;
  }
  return out;
}

/** Quotes a value for a search filter; the grammar has no escapes, so a name holding both quote kinds cannot be searched. */
export function quoteFilterValue(value: string): string {
  if (!value.includes("'")) return `'${value}'`;
  if (!value.includes('"')) return `"${value}"`;
  throw usageError(`Cannot search for '${value}': it contains both kinds of quotes.`);
}
