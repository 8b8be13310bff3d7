/**
 * Writing batch predictions as JSON (`{"predictions": [...]}`), JSON Lines or CSV, one chunk of
 * rows at a time. Each chunk's text goes into one Buffer, row by row: encoding many small strings
 * into a Buffer costs a fraction of building the chunk's text as one large string and encoding it.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { invalidParameter } from '@keel/contract';
import { csvLine } from '../data/csv.js';
import { DataFrame } from '../data/data-frame.js';
import { isTensorMap, Tensor } from '../data/tensor.js';
import { frameRecordJson, predictionsJson } from '../scoring/predictions.js';
import type { BatchOutputFormat } from './batch-predict.js';

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

/** Text gathered as UTF-8 into a growing Buffer. */
class TextChunk {
  private buffer = Buffer.allocUnsafe(1 << 16);
  private length = 0;

  add(text: string): void {
    // At most 3 bytes per UTF-16 unit.
    const room = text.length * 3;
    if (this.length + room > this.buffer.length) {
      const bigger = Buffer.allocUnsafe(Math.max(this.buffer.length * 2, this.length + room));
      this.buffer.copy(bigger, 0, 0, this.length);
      this.buffer = bigger;
    }
    this.length += this.buffer.write(text, this.length);
  }

  /** The bytes gathered (a fresh buffer is used next: the stream may hold these until written). */
  take(): Buffer {
    const bytes = this.buffer.subarray(0, this.length);
    this.buffer = Buffer.allocUnsafe(this.buffer.length);
    this.length = 0;
    return bytes;
  }
}

/**
 * Writes predictions in the chosen format, waiting for the destination to drain.
 *
 * @example
 * const writer = new PredictionWriter(process.stdout, 'jsonl');
 * await writer.chunk(await model.predictor.predict(frame), frame.length);
 * await writer.end();
 */
export class PredictionWriter {
  private first = true;
  private columns: string[] | undefined;
  private readonly text = new TextChunk();

  constructor(
    private readonly out: Writable,
    private readonly format: BatchOutputFormat,
  ) {}

  private async flush(): Promise<void> {
    const bytes = this.text.take();
    if (bytes.length > 0 && !this.out.write(bytes)) await once(this.out, 'drain');
  }

  /** Writes the model's output for a chunk of `rows` input rows: one prediction per row. */
  async chunk(output: unknown, rows: number): Promise<void> {
    // A plain frame is written straight from its columns (no row objects) in JSON formats.
    const rowJson = output instanceof DataFrame && this.format !== 'csv' ? frameRecordJson(output) : undefined;
    if (rowJson === undefined) return this.rows(predictionRows(output, rows));
    const length = (output as DataFrame).length;
    if (length === 0) return;
    for (let r = 0; r < length; r++) {
      if (this.format === 'jsonl') {
        this.text.add(rowJson(r));
        this.text.add('\n');
      } else {
        this.text.add(this.first ? '{"predictions":[' : ',');
        this.first = false;
        this.text.add(rowJson(r));
      }
    }
    this.first = false;
    await this.flush();
  }

  /** Writes a list of predictions, one per row. */
  async rows(rows: readonly unknown[]): Promise<void> {
    if (rows.length === 0) return;
    if (this.format === 'json') {
      const json = predictionsJson(rows);
      if (json === '[]') return;
      this.text.add(this.first ? '{"predictions":[' : ',');
      this.text.add(json.slice(1, -1));
    } else if (this.format === 'jsonl') {
      for (const row of rows) {
        this.text.add(predictionsJson(row));
        this.text.add('\n');
      }
    } else {
      if (this.columns === undefined) {
        const sample = rows[0];
        this.columns =
          typeof sample === 'object' && sample !== null && !Array.isArray(sample)
            ? Object.keys(sample)
            : ['prediction'];
        this.text.add(csvLine(this.columns));
      }
      const columns = this.columns;
      for (const row of rows) {
        const isRecord = typeof row === 'object' && row !== null && !Array.isArray(row);
        this.text.add(csvLine(isRecord ? columns.map((c) => (row as Record<string, unknown>)[c]) : [row]));
      }
    }
    this.first = false;
    await this.flush();
  }

  /** Ends the output (closes the JSON document). */
  async end(): Promise<void> {
    if (this.format === 'json') this.text.add(this.first ? '{"predictions":[]}\n' : ']}\n');
    await this.flush();
  }
}
