/**
 * Dynamic batching for the ONNX flavor: requests that reach the model in the same event-loop turn
 * (concurrent requests on a busy server do) run as one inference, their rows concatenated along
 * the batch dimension and the outputs split back per request. Each onnxruntime run has a fixed
 * cost that dwarfs a single row's compute, so this is what lets a small model keep up with the
 * HTTP layer. Requests of different shapes or types, models without a variable batch dimension,
 * and outputs that are not row-aligned are run one by one, as are the members of a batch that fails.
 */
import type { InferenceSession, Tensor as OrtTensor } from 'onnxruntime-node';
import { Tensor } from '../data/tensor.js';
import type { TensorDType } from '../signature/schema.js';

type OrtTensorCtor = typeof import('onnxruntime-node').Tensor;

/** numpy dtype of each onnxruntime element type (64-bit integers kept as JS numbers). */
export const DTYPE_OF_ORT: Readonly<Record<string, TensorDType>> = {
  float32: 'float32',
  float64: 'float64',
  float16: 'float32',
  int8: 'int8',
  int16: 'int16',
  int32: 'int32',
  int64: 'int64',
  uint8: 'uint8',
  uint16: 'uint16',
  uint32: 'uint32',
  uint64: 'uint64',
  bool: 'bool',
  string: 'str',
};

/** A Keel tensor of (part of) onnxruntime output data. */
export function tensorFromOrt(type: string, shape: number[], raw: ArrayLike<unknown>): Tensor {
  const dtype = DTYPE_OF_ORT[type] ?? 'object';
  if (type === 'int64' || type === 'uint64') {
    const data = new Float64Array(raw.length);
    for (let i = 0; i < raw.length; i++) data[i] = Number(raw[i] as bigint);
    return new Tensor(dtype, shape, data);
  }
  if (type === 'float16') return new Tensor('float32', shape, Float32Array.from(raw as ArrayLike<number>));
  if (type === 'bool') return new Tensor('bool', shape, Uint8Array.from(raw as ArrayLike<number>));
  if (type === 'string') return new Tensor('str', shape, Array.from(raw));
  return new Tensor(dtype, shape, raw as Float32Array);
}

type Feeds = Record<string, OrtTensor>;

interface Job {
  readonly feeds: Feeds;
  readonly rows: number;
  resolve(outputs: Record<string, Tensor>): void;
  reject(error: unknown): void;
}

/** Most rows one batched inference takes. */
const MAX_BATCH_ROWS = 8192;

function concat(parts: readonly ArrayLike<unknown>[], like: ArrayLike<unknown>): ArrayLike<unknown> {
  const total = parts.reduce((n, p) => n + p.length, 0);
  if (Array.isArray(like)) return parts.flatMap((p) => Array.from(p));
  const Ctor = (like as unknown as { constructor: new (n: number) => { set(a: ArrayLike<unknown>, at: number): void } })
    .constructor;
  const out = new Ctor(total);
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out as unknown as ArrayLike<unknown>;
}

function slice(data: ArrayLike<unknown>, start: number, end: number): ArrayLike<unknown> {
  return Array.isArray(data) ? data.slice(start, end) : (data as Float32Array).subarray(start, end);
}

/**
 * Queues inferences and runs those of one turn together.
 *
 * @example
 * const batcher = new OnnxBatcher(session, ort.Tensor, ['label'], true);
 * const outputs = await batcher.submit({ X: tensor }, 1);
 */
export class OnnxBatcher {
  private queue: Job[] = [];
  private scheduled = false;
  private alone = 0;

  constructor(
    private readonly session: InferenceSession,
    private readonly Tensor: OrtTensorCtor,
    private readonly outputs: readonly string[],
    /** Whether every model input has a variable first (batch) dimension. */
    private readonly batchable: boolean,
  ) {}

  /** Runs `feeds` (whose tensors all have `rows` as their first dimension) and resolves with the outputs. */
  submit(feeds: Feeds, rows: number): Promise<Record<string, Tensor>> {
    return new Promise((resolve, reject) => {
      this.queue.push({ feeds, rows, resolve, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Which jobs may share an inference: same inputs, types and trailing dimensions, rows first. */
  private keyOf(job: Job): string {
    const aligned = Object.values(job.feeds).every((t) => Number(t.dims[0]) === job.rows);
    if (!aligned) return `alone:${this.alone++}`;
    return Object.entries(job.feeds)
      .map(([name, t]) => `${name}:${t.type}:${t.dims.slice(1).join('x')}`)
      .join('|');
  }

  private flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    this.queue = [];
    if (!this.batchable || jobs.length === 1) {
      for (const job of jobs) void this.runAlone(job);
      return;
    }
    const groups = new Map<string, Job[]>();
    for (const job of jobs) {
      const key = this.keyOf(job);
      const group = groups.get(key);
      if (group === undefined) groups.set(key, [job]);
      else group.push(job);
    }
    for (const group of groups.values()) {
      let batch: Job[] = [];
      let rows = 0;
      for (const job of group) {
        if (batch.length > 0 && rows + job.rows > MAX_BATCH_ROWS) {
          void this.runBatch(batch);
          batch = [];
          rows = 0;
        }
        batch.push(job);
        rows += job.rows;
      }
      if (batch.length > 0) void this.runBatch(batch);
    }
  }

  private async run(feeds: Feeds): Promise<InferenceSession.OnnxValueMapType> {
    return this.session.run(feeds, [...this.outputs]);
  }

  private async runAlone(job: Job): Promise<void> {
    try {
      const results = await this.run(job.feeds);
      const out: Record<string, Tensor> = {};
      for (const name of this.outputs) {
        const value = results[name] as OrtTensor;
        out[name] = tensorFromOrt(value.type, value.dims.map(Number), value.data as ArrayLike<unknown>);
      }
      job.resolve(out);
    } catch (error) {
      job.reject(error);
    }
  }

  private async runBatch(jobs: readonly Job[]): Promise<void> {
    if (jobs.length === 1) return this.runAlone(jobs[0] as Job);
    const total = jobs.reduce((n, j) => n + j.rows, 0);
    const first = jobs[0] as Job;
    const feeds: Feeds = {};
    for (const [name, sample] of Object.entries(first.feeds)) {
      const data = concat(
        jobs.map((j) => (j.feeds[name] as OrtTensor).data as ArrayLike<unknown>),
        sample.data as ArrayLike<unknown>,
      );
      feeds[name] = new this.Tensor(sample.type as 'float32', data as Float32Array, [total, ...sample.dims.slice(1)]);
    }
    let results: InferenceSession.OnnxValueMapType;
    try {
      results = await this.run(feeds);
    } catch {
      // One bad request must not fail the others: run them one by one to attribute the error.
      for (const job of jobs) void this.runAlone(job);
      return;
    }
    const aligned = this.outputs.every((name) => Number((results[name] as OrtTensor).dims[0]) === total);
    if (!aligned) {
      for (const job of jobs) void this.runAlone(job);
      return;
    }
    let offset = 0;
    for (const job of jobs) {
      const out: Record<string, Tensor> = {};
      for (const name of this.outputs) {
        const value = results[name] as OrtTensor;
        const dims = value.dims.map(Number);
        const perRow = dims.slice(1).reduce((a, b) => a * b, 1);
        const part = slice(value.data as ArrayLike<unknown>, offset * perRow, (offset + job.rows) * perRow);
        out[name] = tensorFromOrt(value.type, [job.rows, ...dims.slice(1)], part);
      }
      offset += job.rows;
      job.resolve(out);
    }
  }
}
