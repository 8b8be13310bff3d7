/**
 * A run being logged to. Metrics, params and tags are validated at the call and queued for
 * background delivery; dataset inputs and artifacts are sent right away.
 */
import { type Dataset, invalidParameter, type RunInfo, type RunStatus } from '@keel/contract';
import type { ArtifactSource, ArtifactStore } from '../artifacts/artifact-store.js';
import { bytesSource } from '../artifacts/artifact-store.js';
import { validateArtifactPath } from '../artifacts/artifact-uri.js';
import type { KeelClient } from '../client/keel-client.js';
import type { LogQueue } from './log-queue.js';
import { checkInteger, checkKey, toValueString, wireMetricValue } from './validation.js';

/**
 * Where a metric point sits: its step (default 0) and timestamp (default now, in ms).
 *
 * @example
 * run.logMetric('loss', 0.25, { step: 3 });
 */
export interface MetricOptions {
  readonly step?: number;
  readonly timestamp?: number;
}

/**
 * A dataset to record as a run input. `digest` is computed from the other fields when omitted.
 *
 * @example
 * await run.logInput({ name: 'iris', source: 'file:///data/iris.csv', sourceType: 'local' }, { context: 'training' });
 */
export interface DatasetSpec {
  readonly name: string;
  readonly source: string;
  /** `local`, `http`, `s3`, `code`, ... (default `local`). */
  readonly sourceType?: string;
  readonly digest?: string;
  /** Usually a JSON document describing columns. */
  readonly schema?: string;
  readonly profile?: string;
}

/**
 * What a run needs from the tracker that started it (implemented by `Tracker`).
 *
 * @example
 * const run = new ActiveRun(tracker, runInfo);
 */
export interface RunHost {
  readonly client: KeelClient;
  readonly queue: LogQueue;
  artifactStoreFor(uri: string): ArtifactStore;
  finishRun(run: ActiveRun, status: RunStatus): Promise<void>;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** An 8-hex-digit FNV-1a digest, short like MLflow's dataset digests. */
function digestOf(...parts: (string | undefined)[]): string {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    for (let i = 0; i < (part ?? '').length; i++) {
      hash ^= (part as string).charCodeAt(i);
      hash = Math.imul(hash, 0x01000193) >>> 0;
    }
    hash = Math.imul(hash ^ 0xff, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

/**
 * A run started or joined by a tracker.
 *
 * @example
 * const run = await tracker.startRun({ runName: 'baseline' });
 * run.logParam('lr', 0.01);
 * for (let epoch = 0; epoch < 10; epoch++) run.logMetric('loss', 1 / (epoch + 1), epoch);
 * await run.end();
 */
export class ActiveRun {
  readonly id: string;
  readonly experimentId: string;
  readonly artifactUri: string;
  /** The run as it was when started or joined. */
  readonly info: RunInfo;
  readonly parentRunId: string | undefined;
  private readonly params = new Map<string, string>();
  private store: ArtifactStore | undefined;
  private ended = false;

  constructor(
    private readonly host: RunHost,
    info: RunInfo,
    parentRunId?: string,
  ) {
    this.info = info;
    this.id = info.run_id;
    this.experimentId = info.experiment_id;
    this.artifactUri = info.artifact_uri;
    this.parentRunId = parentRunId;
  }

  /** Whether `end()` (or the tracker's `endRun`) has been called. */
  get isEnded(): boolean {
    return this.ended;
  }

  /**
   * Queues one metric point; returns at once. The third argument is the step or `{ step, timestamp }`.
   *
   * @example
   * run.logMetric('accuracy', 0.91, 7);
   */
  logMetric(key: string, value: number, stepOrOptions?: number | MetricOptions): void {
    checkKey(key);
    const wire = wireMetricValue(key, value);
    let step = 0;
    let timestamp: number;
    if (typeof stepOrOptions === 'number') {
      step = stepOrOptions;
      timestamp = Date.now();
    } else {
      step = stepOrOptions?.step ?? 0;
      timestamp = stepOrOptions?.timestamp ?? Date.now();
      if (stepOrOptions?.timestamp !== undefined) checkInteger('timestamp', timestamp);
    }
    if (step !== 0) checkInteger('step', step);
    this.host.queue.addMetric(this.id, { key, value: wire, timestamp, step });
  }

  /**
   * Queues several metrics at the same step and timestamp.
   *
   * @example
   * run.logMetrics({ loss: 0.2, accuracy: 0.93 }, { step: 5 });
   */
  logMetrics(metrics: Readonly<Record<string, number>>, stepOrOptions?: number | MetricOptions): void {
    const options = typeof stepOrOptions === 'number' ? { step: stepOrOptions } : stepOrOptions;
    const fixed = { step: options?.step ?? 0, timestamp: options?.timestamp ?? Date.now() };
    for (const [key, value] of Object.entries(metrics)) this.logMetric(key, value, fixed);
  }

  /**
   * Queues one param. Params are write-once: logging a key again with another value throws.
   *
   * @example
   * run.logParam('optimizer', 'sgd');
   */
  logParam(key: string, value: unknown): void {
    checkKey(key);
    const text = toValueString(value);
    const previous = this.params.get(key);
    if (previous !== undefined) {
      if (previous === text) return;
      throw invalidParameter(
        `Changing param values is not allowed. Param with key='${key}' was already logged with value='${previous}' for run ID='${this.id}'. Attempted logging new value '${text}'.`,
      );
    }
    this.params.set(key, text);
    this.host.queue.addParam(this.id, { key, value: text });
  }

  /**
   * Queues several params.
   *
   * @example
   * run.logParams({ lr: 0.01, epochs: 20 });
   */
  logParams(params: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(params)) this.logParam(key, value);
  }

  /**
   * Queues one tag (a later value for the same key wins).
   *
   * @example
   * run.setTag('stage', 'tuning');
   */
  setTag(key: string, value: unknown): void {
    checkKey(key);
    this.host.queue.addTag(this.id, { key, value: toValueString(value) });
  }

  /**
   * Queues several tags.
   *
   * @example
   * run.setTags({ team: 'vision', owner: 'ana' });
   */
  setTags(tags: Readonly<Record<string, unknown>>): void {
    for (const [key, value] of Object.entries(tags)) this.setTag(key, value);
  }

  /**
   * Records a dataset the run consumed, with its role (`mlflow.data.context`) and extra tags.
   *
   * @example
   * await run.logInput({ name: 'train', source: 'data/train.csv' }, { context: 'training' });
   */
  async logInput(
    dataset: DatasetSpec,
    options: { readonly context?: string; readonly tags?: Readonly<Record<string, string>> } = {},
  ): Promise<void> {
    const wire: Dataset = {
      name: dataset.name,
      digest: dataset.digest ?? digestOf(dataset.name, dataset.source, dataset.schema, dataset.profile),
      source_type: dataset.sourceType ?? 'local',
      source: dataset.source,
      ...(dataset.schema === undefined ? {} : { schema: dataset.schema }),
      ...(dataset.profile === undefined ? {} : { profile: dataset.profile }),
    };
    const tags = Object.entries({
      ...(options.context === undefined ? {} : { 'mlflow.data.context': options.context }),
      ...options.tags,
    }).map(([key, value]) => ({ key, value }));
    await this.host.client.logInputs({ run_id: this.id, datasets: [{ dataset: wire, tags }] });
  }

  /**
   * The store behind this run's artifact root.
   *
   * @example
   * const files = await run.artifacts().list();
   */
  artifacts(): ArtifactStore {
    this.store ??= this.host.artifactStoreFor(this.artifactUri);
    return this.store;
  }

  /**
   * Uploads bytes as an artifact at `artifactPath` (relative to the run's artifact root).
   *
   * @example
   * await run.logArtifactBytes(new Uint8Array([1, 2, 3]), 'raw/data.bin');
   */
  async logArtifactBytes(data: string | Uint8Array | ArtifactSource, artifactPath: string): Promise<void> {
    validateArtifactPath(artifactPath);
    if (artifactPath === '') throw invalidParameter('An artifact file name is required.');
    const source = typeof data === 'string' || data instanceof Uint8Array ? bytesSource(data) : data;
    await this.artifacts().write(artifactPath, source);
  }

  /**
   * Saves text as an artifact file.
   *
   * @example
   * await run.logText('all good', 'notes/summary.txt');
   */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.logArtifactBytes(text, artifactFile);
  }

  /**
   * Saves an object as JSON (also valid YAML, so `.yaml` names work).
   *
   * @example
   * await run.logDict({ layers: [4, 8, 1] }, 'config.json');
   */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    await this.logArtifactBytes(`${JSON.stringify(value, null, 2)}\n`, artifactFile);
  }

  /**
   * Saves a PNG image given as encoded PNG bytes.
   *
   * @example
   * await run.logImage(pngBytes, 'plots/confusion.png');
   */
  async logImage(png: Uint8Array, artifactFile: string): Promise<void> {
    if (!PNG_SIGNATURE.every((byte, i) => png[i] === byte)) {
      throw invalidParameter('logImage expects encoded PNG bytes (the data does not start with the PNG signature).');
    }
    await this.logArtifactBytes(png, artifactFile);
  }

  /**
   * Ends the run: waits for its queued data, then sets its status (default FINISHED) and end time.
   *
   * @example
   * await run.end('KILLED');
   */
  async end(status: RunStatus = 'FINISHED'): Promise<void> {
    await this.host.finishRun(this, status);
  }

  /** Marks the run ended; returns false if it already was (called by the tracker). */
  markEnded(): boolean {
    if (this.ended) return false;
    this.ended = true;
    return true;
  }
}
