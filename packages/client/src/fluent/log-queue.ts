/**
 * Background delivery of metrics, params and tags: items are queued per run and sent as
 * `runs/log-batch` calls that respect MLflow's limits (1000 metrics, 100 params, 100 tags,
 * 1000 items in all). Queueing is a push onto an array, so logging returns at once.
 *
 * Metric-only batches may be in flight concurrently (points are independent). A batch that
 * carries params or tags waits until no other such batch of its run is in flight, so a tag set
 * twice ends with the later value and a param is never sent twice in one request.
 */
import type { KeyValue, Metric } from '@keel/contract';
import { BATCH_LIMITS } from './validation.js';

/**
 * A batch as sent to `runs/log-batch`.
 *
 * @example
 * const batch: LogBatch = { metrics: [{ key: 'm', value: 1, timestamp: 0, step: 0 }], params: [], tags: [] };
 */
export interface LogBatch {
  readonly metrics: Metric[];
  readonly params: KeyValue[];
  readonly tags: KeyValue[];
}

/**
 * What was lost when a batch could not be delivered.
 *
 * @example
 * createTracker({ onError: (error, failure) => console.error(failure.runId, failure.metrics, error.message) });
 */
export interface DeliveryFailure {
  readonly runId: string;
  readonly metrics: number;
  readonly params: number;
  readonly tags: number;
}

/**
 * How a `LogQueue` delivers batches and reports the ones it could not deliver.
 *
 * @example
 * new LogQueue({ send: deliver, onFailure: (error) => console.error(error), maxInFlight: 4 });
 */
export interface LogQueueOptions {
  /** Delivers one batch (the client's `logBatch`, with its retries). */
  readonly send: (runId: string, batch: LogBatch) => Promise<void>;
  /** Called once per batch that could not be delivered, with the batch itself (to keep it). */
  readonly onFailure: (error: Error, failure: DeliveryFailure, batch: LogBatch) => void;
  /** Metric-only batches allowed in flight at once (default 2). */
  readonly maxInFlight?: number;
}

/** Room for param and tag values in one batch, in characters (MLflow documents a 1 MB body cap). */
const MAX_BATCH_VALUE_CHARS = 512 * 1024;

/** A FIFO of items kept in chunks of one batch's size, so taking a batch is O(1). */
class ChunkedQueue<T> {
  private readonly chunks: T[][] = [];
  length = 0;

  constructor(private readonly chunkSize: number) {}

  push(item: T): void {
    let last = this.chunks[this.chunks.length - 1];
    if (last === undefined || last.length >= this.chunkSize) {
      last = [];
      this.chunks.push(last);
    }
    last.push(item);
    this.length++;
  }

  peek(): T | undefined {
    return this.chunks[0]?.[0];
  }

  /** Removes and returns up to `max` items from the front. */
  take(max: number): T[] {
    const first = this.chunks[0];
    if (first === undefined || max <= 0) return [];
    if (first.length <= max) {
      this.chunks.shift();
      this.length -= first.length;
      return first;
    }
    const part = first.splice(0, max);
    this.length -= part.length;
    return part;
  }
}

class RunBuffer {
  readonly metrics = new ChunkedQueue<Metric>(BATCH_LIMITS.metrics);
  readonly params = new ChunkedQueue<KeyValue>(BATCH_LIMITS.params);
  readonly tags = new ChunkedQueue<KeyValue>(BATCH_LIMITS.tags);
  /** Whether a batch with params or tags of this run is in flight. */
  ordered = false;

  constructor(readonly runId: string) {}

  get size(): number {
    return this.metrics.length + this.params.length + this.tags.length;
  }

  /** The next batch to send, or undefined when only ordered items remain and one is in flight. */
  nextBatch(): LogBatch | undefined {
    const params: KeyValue[] = [];
    const tags: KeyValue[] = [];
    if (!this.ordered) {
      let chars = 0;
      const keys = new Set<string>();
      // A param key may appear once per request (MLflow refuses duplicates inside one batch).
      while (params.length < BATCH_LIMITS.params && this.params.length > 0 && chars < MAX_BATCH_VALUE_CHARS) {
        const next = this.params.peek() as KeyValue;
        if (keys.has(next.key)) break;
        keys.add(next.key);
        chars += next.value.length;
        params.push(...this.params.take(1));
      }
      while (tags.length < BATCH_LIMITS.tags && this.tags.length > 0 && chars < MAX_BATCH_VALUE_CHARS) {
        const next = this.tags.take(1)[0] as KeyValue;
        chars += next.value.length;
        tags.push(next);
      }
    }
    const room = Math.min(BATCH_LIMITS.metrics, BATCH_LIMITS.total - params.length - tags.length);
    const metrics = this.metrics.take(room);
    if (metrics.length + params.length + tags.length === 0) return undefined;
    return { metrics, params, tags };
  }
}

/**
 * The queue behind the fluent API's logging calls.
 *
 * @example
 * const queue = new LogQueue({ send: (runId, batch) => client.logBatch({ run_id: runId, ...batch }).then(() => {}), onFailure: console.error });
 * queue.addMetric(runId, { key: 'loss', value: 0.1, timestamp: Date.now(), step: 0 });
 * await queue.flush();
 */
export class LogQueue {
  private readonly buffers = new Map<string, RunBuffer>();
  private readonly maxInFlight: number;
  private lastBuffer: RunBuffer | undefined;
  private inFlight = 0;
  private inFlightItems = 0;
  private scheduled = false;
  private failures: Error[] = [];
  private idleWaiters: (() => void)[] = [];
  private readonly sending = new Set<{ runId: string; batch: LogBatch }>();

  constructor(private readonly options: LogQueueOptions) {
    this.maxInFlight = Math.max(1, options.maxInFlight ?? 2);
  }

  /**
   * Removes everything queued and returns it as batches within MLflow's limits, together with
   * the batches still in flight, for a last delivery when the event loop can no longer run
   * (process exit). Sending an in-flight batch again is harmless: the server ignores a metric
   * point identical to one it has, and a param or tag set again to the same value.
   *
   * @example
   * for (const { runId, batch } of queue.drainAll()) deliverSynchronously(runId, batch);
   */
  drainAll(): { runId: string; batch: LogBatch }[] {
    const out: { runId: string; batch: LogBatch }[] = [...this.sending];
    for (const buffer of this.buffers.values()) {
      // In-flight ordering no longer matters: nothing else will be sent after these.
      buffer.ordered = false;
      for (let batch = buffer.nextBatch(); batch !== undefined; batch = buffer.nextBatch()) {
        out.push({ runId: buffer.runId, batch });
      }
    }
    return out;
  }

  /** Items queued or in flight, not yet confirmed by the server. */
  get pending(): number {
    let queued = 0;
    for (const buffer of this.buffers.values()) queued += buffer.size;
    return queued + this.inFlightItems;
  }

  private buffer(runId: string): RunBuffer {
    const last = this.lastBuffer;
    if (last !== undefined && last.runId === runId) return last;
    let buffer = this.buffers.get(runId);
    if (buffer === undefined) {
      buffer = new RunBuffer(runId);
      this.buffers.set(runId, buffer);
    }
    this.lastBuffer = buffer;
    return buffer;
  }

  addMetric(runId: string, metric: Metric): void {
    this.buffer(runId).metrics.push(metric);
    if (!this.scheduled) this.schedule();
  }

  addParam(runId: string, param: KeyValue): void {
    this.buffer(runId).params.push(param);
    if (!this.scheduled) this.schedule();
  }

  addTag(runId: string, tag: KeyValue): void {
    this.buffer(runId).tags.push(tag);
    if (!this.scheduled) this.schedule();
  }

  /**
   * Resolves once everything queued has been delivered; rejects with the delivery errors seen
   * since the previous flush (one error as is, several as an `AggregateError`).
   */
  async flush(): Promise<void> {
    this.pump();
    if (this.pending > 0 || this.inFlight > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
    const failures = this.failures;
    this.failures = [];
    if (failures.length === 1) throw failures[0];
    if (failures.length > 1)
      throw new AggregateError(failures, `${failures.length} log batches could not be delivered`);
  }

  private schedule(): void {
    this.scheduled = true;
    // A microtask: a synchronous logging loop fills whole batches before the first one goes out.
    queueMicrotask(() => {
      this.scheduled = false;
      this.pump();
    });
  }

  private pump(): void {
    for (const buffer of this.buffers.values()) {
      while (this.inFlight < this.maxInFlight && buffer.size > 0) {
        const batch = buffer.nextBatch();
        if (batch === undefined) break;
        this.dispatch(buffer, batch);
      }
    }
    for (const [runId, buffer] of this.buffers) {
      if (buffer.size === 0 && !buffer.ordered && this.lastBuffer !== buffer) this.buffers.delete(runId);
    }
    if (this.inFlight === 0 && this.pending === 0) this.notifyIdle();
  }

  private dispatch(buffer: RunBuffer, batch: LogBatch): void {
    const ordered = batch.params.length > 0 || batch.tags.length > 0;
    const items = batch.metrics.length + batch.params.length + batch.tags.length;
    if (ordered) buffer.ordered = true;
    this.inFlight++;
    this.inFlightItems += items;
    const entry = { runId: buffer.runId, batch };
    this.sending.add(entry);
    this.options
      .send(buffer.runId, batch)
      .catch((error: unknown) => {
        const failure = error instanceof Error ? error : new Error(String(error));
        this.failures.push(failure);
        this.options.onFailure(
          failure,
          { runId: buffer.runId, metrics: batch.metrics.length, params: batch.params.length, tags: batch.tags.length },
          batch,
        );
      })
      .finally(() => {
        this.sending.delete(entry);
        if (ordered) buffer.ordered = false;
        this.inFlight--;
        this.inFlightItems -= items;
        this.pump();
      });
  }

  private notifyIdle(): void {
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const resolve of waiters) resolve();
  }
}
