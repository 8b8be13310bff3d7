/**
 * Step 1: drops the rows of a CSV that have a missing value (an empty cell or NA), writes the
 * clean CSV, and logs what it did into the run `keel run` created for it.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createTracker } from '@keel/client/node';
import { parseArgs, readCsv, writeCsv } from './csv.js';

const args = parseArgs(process.argv.slice(2));
const input = args.input ?? 'data/raw.csv';
const output = resolve(args.output ?? 'data/clean.csv');

const table = readCsv(input);
const isMissing = (cell: string) => cell.trim() === '' || cell.trim().toUpperCase() === 'NA';
const rows = table.rows.filter((row) => row.length === table.header.length && !row.some(isMissing));
mkdirSync(dirname(output), { recursive: true });
writeCsv(output, { header: table.header, rows });

const tracker = createTracker();
// Joins the run of this step (MLFLOW_RUN_ID, set by keel run).
await tracker.withRun(async (run) => {
  run.logMetrics({ rows_in: table.rows.length, rows_out: rows.length, rows_dropped: table.rows.length - rows.length });
  await tracker.logArtifact(output, 'data');
});
await tracker.close();
console.log(`prepare: kept ${rows.length} of ${table.rows.length} rows -> ${output}`);
