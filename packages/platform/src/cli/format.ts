/**
 * Human output of the client-side commands: aligned tables, "label: value" blocks, local
 * timestamps, sizes and durations. Scripts use `--json`, which prints the wire entities as
 * they are.
 */
import type { CliIo } from './output.js';

/** One column of a table. */
export interface Column<T> {
  readonly header: string;
  readonly value: (row: T) => string | number | undefined;
  /** Longer cells are cut with an ellipsis (IDs are never given a limit). */
  readonly maxWidth?: number;
  readonly align?: 'left' | 'right';
}

/** A cell as one line: newlines and tabs would break the alignment. */
function cellText(value: string | number | undefined, maxWidth: number | undefined): string {
  const text = value === undefined || value === '' ? '-' : String(value).replace(/[\r\n\t]+/g, ' ');
  if (maxWidth === undefined || text.length <= maxWidth) return text;
  return `${text.slice(0, Math.max(1, maxWidth - 1))}…`;
}

/**
 * Renders rows as columns separated by two spaces, headers first; trailing spaces trimmed.
 *
 * @example
 * renderTable([{ id: '1' }], [{ header: 'ID', value: (r) => r.id }]); // "ID\n1"
 */
export function renderTable<T>(rows: readonly T[], columns: readonly Column<T>[]): string {
  const cells = rows.map((row) => columns.map((c) => cellText(c.value(row), c.maxWidth)));
  const widths = columns.map((c, i) => Math.max(c.header.length, ...cells.map((r) => (r[i] as string).length)));
  const line = (values: readonly string[]) =>
    values
      .map((v, i) => {
        const width = widths[i] as number;
        return columns[i]?.align === 'right' ? v.padStart(width) : v.padEnd(width);
      })
      .join('  ')
      .trimEnd();
  return [line(columns.map((c) => c.header)), ...cells.map(line)].join('\n');
}

/**
 * Prints a table, or `empty` when there are no rows.
 *
 * @example
 * printTable(io, experiments, columns, 'No experiments found.');
 */
export function printTable<T>(io: CliIo, rows: readonly T[], columns: readonly Column<T>[], empty: string): void {
  io.out(rows.length === 0 ? empty : renderTable(rows, columns));
}

/**
 * Renders `label: value` lines with the values aligned; undefined values are skipped.
 *
 * @example
 * renderDetails([['Name', 'churn'], ['Description', undefined]]); // "Name:  churn"
 */
export function renderDetails(pairs: readonly (readonly [string, string | number | undefined])[]): string {
  const shown = pairs.filter(([, v]) => v !== undefined && v !== '');
  const width = Math.max(0, ...shown.map(([label]) => label.length + 1));
  return shown.map(([label, value]) => `${`${label}:`.padEnd(width)}  ${String(value)}`).join('\n');
}

/**
 * A titled section for describe commands: the title, then the table or "(none)".
 *
 * @example
 * renderSection('Tags', tags, [{ header: 'KEY', value: (t) => t.key }]);
 */
export function renderSection<T>(title: string, rows: readonly T[], columns: readonly Column<T>[]): string {
  return `\n\n${title}:\n${rows.length === 0 ? '  (none)' : indent(renderTable(rows, columns))}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
}

const pad2 = (n: number) => String(n).padStart(2, '0');

/**
 * A millisecond timestamp as local time, ISO 8601 style (`2025-11-28 14:03:07`); '-' when unset.
 *
 * @example
 * formatTime(Date.now());
 */
export function formatTime(ms: number | string | undefined | null): string {
  const value = Number(ms);
  if (ms === undefined || ms === null || ms === '' || !Number.isFinite(value) || value <= 0) return '-';
  const d = new Date(value);
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

/**
 * A duration in the largest sensible units (`850ms`, `12.3s`, `4m05s`, `2h03m`).
 *
 * @example
 * formatDuration(65_000); // "1m05s"
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms < 0) return '-';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 60) return `${minutes}m${pad2(Math.floor((ms % 60_000) / 1000))}s`;
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
}

/**
 * A byte count with a binary unit (`512 B`, `1.5 KiB`, `3.2 MiB`).
 *
 * @example
 * formatBytes(1536); // "1.5 KiB"
 */
export function formatBytes(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

/**
 * Prints a value as indented JSON on stdout.
 *
 * @example
 * printJson(io, { experiment_id: '1' });
 */
export function printJson(io: CliIo, value: unknown): void {
  io.out(JSON.stringify(value, null, 2));
}
