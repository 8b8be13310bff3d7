/** Tiny CSV helpers for the example (plain comma-separated values, no quoting). */
import { readFileSync, writeFileSync } from 'node:fs';

/** A table: the header and the rows, all as text. */
export interface Table {
  readonly header: string[];
  readonly rows: string[][];
}

export function readCsv(path: string): Table {
  const [head = '', ...lines] = readFileSync(path, 'utf8')
    .split(/\r?\n/)
    .filter((line) => line.trim() !== '');
  return { header: head.split(','), rows: lines.map((line) => line.split(',')) };
}

export function writeCsv(path: string, table: Table): void {
  writeFileSync(path, [table.header, ...table.rows].map((row) => row.join(',')).join('\n') + '\n');
}

/** `--name value` pairs of the command line, as the MLproject commands pass them. */
export function parseArgs(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 2) {
    const name = argv[i] ?? '';
    if (!name.startsWith('--') || argv[i + 1] === undefined) throw new Error(`Expected --name value, got '${name}'`);
    out[name.slice(2)] = argv[i + 1] as string;
  }
  return out;
}
