/**
 * Batch scoring (`keel models predict`): the input is read in chunks (CSV and JSON Lines from a
 * stream, Parquet row group by row group), each chunk of rows is scored with the same signature
 * enforcement as the scoring server, and one prediction per input row is written as it comes, so
 * memory stays flat whatever the file size. A JSON document (an `/invocations` body) is scored
 * whole, exactly as the server would answer it.
 */
import { once } from 'node:events';
import { type Readable, Writable } from 'node:stream';
import { invalidParameter, MlflowError } from '@keel/contract';
import { CsvParser, csvLine, csvRecordsToFrame, headerNames } from '../data/csv.js';
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';
import type { ServedModel } from '../scoring/model-slot.js';
import { predictionsJson } from '../scoring/predictions.js';
import { csvColumnTypes } from '../scoring/request-parsing.js';
import { createScoringApp } from '../scoring/scoring-app.js';
import { enforceInput } from '../signature/enforce.js';
import { enforceParams } from '../signature/params.js';

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

/** One prediction per row of a chunk's output, or an error when the output is not row-shaped. */
function predictionRows(output: unknown, rows: number): unknown[] {
  if (output instanceof DataFrame) return output.records();
  if (output instanceof Tensor) return output.rows();
  if (Array.isArray(output)) return output;
  if (ArrayBuffer.isView(output)) return Array.from(output as unknown as ArrayLike<unknown>);
  if (isTensorMap(output) && Object.values(output).every((t) => t.shape[0] === rows)) {
    const columns = Object.entries(output).map(([name, t]) => [name, t.rows()] as const);
    return Array.from({ length: rows }, (_, r) =>
      Object.fromEntries(columns.map(([name, values]) => [name, values[r]])),
    );
  }
  throw invalidParameter(
    'The model returned one value for the whole chunk rather than one prediction per row, so its output cannot be streamed; score the file as one JSON request (--content-type json) instead.',
  );
}

/** Writes predictions in the chosen format, waiting for the destination to drain. */
class PredictionWriter {
  private first = true;
  private columns: string[] | undefined;

  constructor(
    private readonly out: Writable,
    private readonly format: BatchOutputFormat,
  ) {}

  private async write(text: string): Promise<void> {
    if (text === '') return;
    if (!this.out.write(text)) await once(this.out, 'drain');
  }

  /** Writes one chunk's predictions: `rows` as JSON text (a list) in json format, else the values. */
  async rows(rows: readonly unknown[], listJson?: string): Promise<void> {
    if (rows.length === 0 || listJson === '[]') return;
    if (this.format === 'json') {
      const json = listJson ?? predictionsJson(rows);
      await this.write(this.first ? '{"predictions":[' : ',');
      await this.write(json.slice(1, -1));
    } else if (this.format === 'jsonl') {
      let text = '';
      for (const row of rows) text += `${predictionsJson(row)}\n`;
      await this.write(text);
    } else {
      let text = '';
      if (this.columns === undefined) {
        const sample = rows[0];
        this.columns =
          typeof sample === 'object' && sample !== null && !Array.isArray(sample)
            ? Object.keys(sample)
            : ['prediction'];
        text += csvLine(this.columns);
      }
      const columns = this.columns;
      for (const row of rows) {
        const isRecord = typeof row === 'object' && row !== null && !Array.isArray(row);
        text += csvLine(isRecord ? columns.map((c) => (row as Record<string, unknown>)[c]) : [row]);
      }
      await this.write(text);
    }
    this.first = false;
  }

  async end(): Promise<void> {
    if (this.format === 'json') await this.write(this.first ? '{"predictions":[]}\n' : ']}\n');
  }
}

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
  const take = (records: string[][]) => {
    for (const record of records) {
      if (record.length === 1 && record[0] === '') continue;
      if (names === undefined) {
        names = headerNames(record);
        types = csvColumnTypes(options.model.signature?.inputs, names);
      } else pending.push(record);
    }
  };
  input.setEncoding('utf8');
  for await (const chunk of input as AsyncIterable<string>) {
    onBytes(Buffer.byteLength(chunk));
    take(parser.push(chunk));
    while (pending.length >= batchSize) {
      const batch = pending.slice(0, batchSize);
      pending = pending.slice(batchSize);
      yield csvRecordsToFrame(names as string[], batch, types, line);
      line += batch.length;
    }
  }
  take(parser.end());
  if (names === undefined) throw invalidParameter('The CSV input is empty: it needs a header row.');
  for (let i = 0; i < pending.length; i += batchSize) {
    yield csvRecordsToFrame(names, pending.slice(i, i + batchSize), types, line + i);
  }
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
    // A frame output is written straight from its columns (no row objects) in the json format.
    const direct = options.outputFormat === 'json' && output instanceof DataFrame;
    await writer.rows(
      direct ? [true] : predictionRows(output, frame.length),
      direct ? predictionsJson(output) : undefined,
    );
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
