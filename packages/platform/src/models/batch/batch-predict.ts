/**
 * Batch scoring (`keel models predict`): the input is read in chunks (CSV and JSON Lines from a
 * stream, Parquet row group by row group), each chunk of rows is scored with the same signature
 * enforcement as the scoring server, and one prediction per input row is written as it comes, so
 * memory stays flat whatever the file size. A JSON document (an `/invocations` body) is scored
 * whole, exactly as the server would answer it.
 */
import { type Readable, Writable } from 'node:stream';
import { invalidParameter, MlflowError } from '@keel/contract';
import { CsvParser, csvRecordsToFrame, headerNames } from '../data/csv.js';
import { NumericCsvReader, numericColumnKinds } from '../data/csv-numeric.js';
import { DataFrame } from '../data/data-frame.js';
import type { ServedModel } from '../scoring/model-slot.js';
import { csvColumnTypes } from '../scoring/request-parsing.js';
import { createScoringApp } from '../scoring/scoring-app.js';
import { enforceInput } from '../signature/enforce.js';
import { enforceParams } from '../signature/params.js';
import { PredictionWriter } from './prediction-writer.js';

export type BatchInputFormat = 'json' | 'jsonl' | 'csv' | 'parquet';
export type BatchOutputFormat = 'json' | 'jsonl' | 'csv';

/** Progress of a batch run. */
export interface BatchProgress {
  readonly rows: number;
  /** Input bytes consumed so far, and in all (0 when unknown, e.g. stdin). */
  readonly bytes: number;
  readonly totalBytes: number;
}

/** What `batchPredict` takes. */
export interface BatchPredictOptions {
  readonly model: ServedModel;
  readonly format: BatchInputFormat;
  /** A readable stream of the input (CSV, JSON, JSON Lines). */
  readonly input?: Readable;
  /** The input file (required for Parquet, which needs random access). */
  readonly inputPath?: string;
  readonly totalBytes?: number;
  readonly output: Writable;
  readonly outputFormat: BatchOutputFormat;
  /** Rows per chunk (default 10 000). */
  readonly batchSize?: number;
  readonly onProgress?: (progress: BatchProgress) => void;
  readonly warn?: (message: string) => void;
}

/**
 * CSV chunks of `batchSize` rows. The header, and text with quotes, go through the generic
 * parser; once the header shows numeric columns, lines are read by the numeric reader (numbers
 * parsed straight into typed columns), which hands the text back to the generic parser from the
 * first batch it cannot read, so both paths cut the same batches with the same values.
 */
async function* csvChunks(
  input: Readable,
  options: BatchPredictOptions,
  batchSize: number,
  onBytes: (n: number) => void,
): AsyncGenerator<DataFrame> {
  const parser = new CsvParser();
  let names: string[] | undefined;
  let types = new Map<string, string>();
  let pending: string[][] = [];
  let line = 2;
  let numeric: NumericCsvReader | undefined;
  let triedNumeric = false;
  const take = (records: string[][]) => {
    for (const record of records) {
      if (record.length === 1 && record[0] === '') continue;
      if (names === undefined) {
        names = headerNames(record);
        types = csvColumnTypes(options.model.signature?.inputs, names);
      } else pending.push(record);
    }
  };
  function* genericFrames(all: boolean): Generator<DataFrame> {
    while (pending.length >= batchSize || (all && pending.length > 0)) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      yield csvRecordsToFrame(names as string[], batch, types, line);
      line += batch.length;
    }
  }
  function* numericFrames(frames: readonly DataFrame[]): Generator<DataFrame> {
    for (const frame of frames) {
      yield frame;
      line += frame.length;
    }
    if (numeric?.stopped) {
      // The generic parser takes over at the first line of the batch the numeric reader left.
      take(parser.push(numeric.rest()));
      numeric = undefined;
    }
  }
  /** Switches to the numeric reader when the columns and the text read so far allow; returns its first text. */
  const startNumeric = (seen: string): string | undefined => {
    const kinds = numericColumnKinds(names as string[], types);
    if (kinds === undefined || seen.includes('"')) return undefined;
    const carry = parser.takeCarry();
    if (carry === undefined) return undefined;
    numeric = new NumericCsvReader(names as string[], kinds, batchSize);
    // The unfinished batch's records came from lines without quotes: joined, they are those lines.
    let text = '';
    for (const record of pending) text += `${record.join(',')}\n`;
    pending = [];
    return text + carry;
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    onBytes(Buffer.byteLength(chunk));
    if (numeric !== undefined) {
      yield* numericFrames(numeric.push(chunk));
      continue;
    }
    take(parser.push(chunk));
    yield* genericFrames(false);
    if (names !== undefined && !triedNumeric) {
      triedNumeric = true;
      const text = startNumeric(chunk);
      if (text !== undefined) yield* numericFrames((numeric as NumericCsvReader | undefined)?.push(text) ?? []);
    }
  }
  if (numeric !== undefined) yield* numericFrames(numeric.end());
  take(parser.end());
  if (names === undefined) throw invalidParameter('The CSV input is empty: it needs a header row.');
  yield* genericFrames(true);
}

async function* jsonlChunks(
  input: Readable,
  batchSize: number,
  onBytes: (n: number) => void,
): AsyncGenerator<DataFrame> {
  let carry = '';
  let records: Record<string, unknown>[] = [];
  let lineNumber = 0;
  const parseLine = (line: string) => {
    lineNumber++;
    if (line.trim() === '') return;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch (error) {
      throw invalidParameter(`Line ${lineNumber} of the JSON Lines input is not JSON: ${(error as Error).message}`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw invalidParameter(`Line ${lineNumber} of the JSON Lines input must be an object (one record per line).`);
    }
    records.push(value as Record<string, unknown>);
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    onBytes(Buffer.byteLength(chunk));
    const lines = (carry + chunk).split('\n');
    carry = lines.pop() ?? '';
    for (const line of lines) parseLine(line);
    while (records.length >= batchSize) {
      yield DataFrame.fromRecords(records.slice(0, batchSize));
      records = records.slice(batchSize);
    }
  }
  parseLine(carry);
  if (records.length > 0) yield DataFrame.fromRecords(records);
}

async function* parquetChunks(
  path: string,
  batchSize: number,
  onBytes: (n: number) => void,
): AsyncGenerator<DataFrame> {
  const { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects } = await import('hyparquet');
  const { compressors } = await import('hyparquet-compressors');
  const file = await asyncBufferFromFile(path);
  const metadata = await parquetMetadataAsync(file);
  const total = Number(metadata.num_rows);
  const bytesPerRow = total === 0 ? 0 : file.byteLength / total;
  for (let start = 0; start < total; start += batchSize) {
    const end = Math.min(total, start + batchSize);
    const rows = await parquetReadObjects({ file, metadata, rowStart: start, rowEnd: end, compressors });
    for (const row of rows) {
      for (const [key, value] of Object.entries(row)) if (typeof value === 'bigint') row[key] = Number(value);
    }
    onBytes(Math.round((end - start) * bytesPerRow));
    yield DataFrame.fromRecords(rows);
  }
}

async function readAll(input: Readable, onBytes: (n: number) => void): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of input) {
    const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer);
    onBytes(buffer.length);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Scores an input and writes the predictions; resolves with the number of rows scored.
 *
 * @example
 * await batchPredict({ model, format: 'csv', input: createReadStream('data.csv'), output: process.stdout, outputFormat: 'json' });
 */
export async function batchPredict(options: BatchPredictOptions): Promise<{ rows: number }> {
  const batchSize = options.batchSize ?? 10_000;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw invalidParameter('The batch size must be at least 1.');
  let bytes = 0;
  let rows = 0;
  const totalBytes = options.totalBytes ?? 0;
  const report = () => options.onProgress?.({ rows, bytes, totalBytes });
  const onBytes = (n: number) => {
    bytes += n;
  };
  const writer = new PredictionWriter(options.output, options.outputFormat);
  const model = options.model;
  const warn = options.warn ?? (() => {});

  if (options.format === 'json') {
    if (options.input === undefined) throw invalidParameter('No input to score.');
    const body = await readAll(options.input, onBytes);
    const answer = await createScoringApp({ model, warn }).invocations({ contentType: 'application/json', body });
    if (answer.status !== 200) {
      let parsed: { error_code?: string; message?: string } = {};
      try {
        parsed = JSON.parse(answer.body) as typeof parsed;
      } catch {
        parsed = { message: answer.body };
      }
      throw new MlflowError(parsed.error_code ?? 'BAD_REQUEST', parsed.message ?? answer.body);
    }
    const value = JSON.parse(answer.body) as { predictions?: unknown };
    const predictions = 'predictions' in value ? value.predictions : value;
    if (options.outputFormat === 'json') {
      await new Promise<void>((resolve, reject) =>
        options.output.write(`${answer.body}\n`, (error) => (error ? reject(error) : resolve())),
      );
      rows = Array.isArray(predictions) ? predictions.length : 1;
    } else {
      const list = Array.isArray(predictions) ? predictions : [predictions];
      await writer.rows(list);
      rows = list.length;
    }
    report();
    return { rows };
  }

  let chunks: AsyncGenerator<DataFrame>;
  if (options.format === 'parquet') {
    if (options.inputPath === undefined)
      throw invalidParameter('Parquet input must be a file (it cannot be read from stdin).');
    chunks = parquetChunks(options.inputPath, batchSize, onBytes);
  } else {
    if (options.input === undefined) throw invalidParameter('No input to score.');
    chunks =
      options.format === 'csv'
        ? csvChunks(options.input, options, batchSize, onBytes)
        : jsonlChunks(options.input, batchSize, onBytes);
  }
  const schema = model.signature;
  const params = enforceParams(undefined, schema?.params, warn);
  for await (const frame of chunks) {
    const input = enforceInput(frame, schema?.inputs, warn);
    const output = await model.predictor.predict(input, params);
    await writer.chunk(output, frame.length);
    rows += frame.length;
    report();
  }
  await writer.end();
  return { rows };
}

/** A writable that discards everything (benchmarks). */
export function nullOutput(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}
