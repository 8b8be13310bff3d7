/**
 * The fluent API for training scripts: an active experiment, a stack of active runs (nested
 * runs carry `mlflow.parentRunId`), background batching of metrics, params and tags, and
 * artifacts through the right store for each run's root. MLflow's call sequences are followed
 * (tracking-api.md §10): get-by-name then create for experiments, get then update RUNNING to
 * resume a run.
 */
import { type Experiment, invalidParameter, type RunStatus, tracking } from '@keel/contract';
import { resolveArtifactStore } from '../artifacts/artifact-resolver.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { DEFAULT_MULTIPART, type MultipartOptions } from '../artifacts/proxy-artifact-store.js';
import { KeelClient } from '../client/keel-client.js';
import { type EnvSource, readClientEnv } from '../config.js';
import { ActiveRun, type DatasetSpec, type MetricOptions, type RunHost } from './active-run.js';
import { encodeLogBatch } from './batch-encoding.js';
import { type LogBatch, LogQueue } from './log-queue.js';
import { generateRunName } from './run-names.js';
import { createRunWithTags, getOrCreateExperiment, parseRunContext, resumeRun } from './run-start.js';
import type { StartRunOptions, TrackerOptions } from './tracker-options.js';
import { toValueString } from './validation.js';

/**
 * Tracks training runs. Works in browsers and Node; in Node prefer `createTracker()` from
 * `@keel/client/node`, which adds the environment, system tags, files, and exit handling.
 *
 * @example
 * const tracker = new Tracker({ trackingUri: 'http://127.0.0.1:5000' });
 * await tracker.setExperiment('demo');
 * await tracker.withRun(async (run) => {
 *   run.logParam('lr', 0.1);
 *   run.logMetric('loss', 0.5, 0);
 * });
 */
export class Tracker implements RunHost {
  readonly client: KeelClient;
  readonly queue: LogQueue;
  protected readonly warn: (message: string) => void;
  private readonly envExperimentName: string | undefined;
  private readonly envExperimentId: string | undefined;
  private readonly runContext: Readonly<Record<string, string>>;
  private readonly multipart: MultipartOptions;
  private joinRunId: string | undefined;
  private experimentId: string | undefined;
  private readonly stack: ActiveRun[] = [];

  constructor(options: TrackerOptions = {}, env: EnvSource = {}) {
    this.client = options.client ?? new KeelClient(options, env);
    this.warn = options.warn ?? ((message) => console.warn(message));
    this.envExperimentName = options.experimentName ?? readClientEnv(env, 'MLFLOW_EXPERIMENT_NAME');
    this.envExperimentId = options.experimentId ?? readClientEnv(env, 'MLFLOW_EXPERIMENT_ID');
    this.joinRunId = options.runId ?? readClientEnv(env, 'MLFLOW_RUN_ID');
    this.runContext = Object.freeze(options.runContext ?? parseRunContext(readClientEnv(env, 'MLFLOW_RUN_CONTEXT')));
    this.multipart = Object.freeze({
      ...DEFAULT_MULTIPART,
      ...definedOnly({
        thresholdBytes: readClientEnv(env, 'MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE'),
        partBytes: readClientEnv(env, 'MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE'),
      }),
      ...options.multipart,
    });
    const onError = options.onError;
    let warned = false;
    this.queue = new LogQueue({
      send: async (runId, batch) => {
        await this.client.callEncoded(tracking.logBatch, encodeLogBatch(runId, batch));
      },
      onFailure: (error, failure, batch) => {
        const kept = this.keepUndelivered(failure.runId, batch);
        // One line for the first failure: a server that went away fails every later batch too.
        if (!warned) {
          warned = true;
          const where = kept === undefined ? '' : `; kept in ${kept}, as are any later values that cannot be delivered`;
          this.warn(
            `[keel] could not deliver ${failure.metrics} metric(s), ${failure.params} param(s) and ${failure.tags} tag(s) of run ${failure.runId}: ${error.message}${where}`,
          );
        }
        onError?.(error, failure);
      },
      ...(options.maxInFlightBatches === undefined ? {} : { maxInFlight: options.maxInFlightBatches }),
    });
  }

  /** The innermost active run, if any. */
  get activeRun(): ActiveRun | undefined {
    return this.stack[this.stack.length - 1];
  }

  /** Every run started by this tracker and not yet ended, outermost first. */
  get activeRuns(): readonly ActiveRun[] {
    return [...this.stack];
  }

  /**
   * Metrics, params and tags queued or in flight, not yet confirmed by the server.
   *
   * @example
   * if (tracker.pending > 0) await tracker.flush();
   */
  get pending(): number {
    return this.queue.pending;
  }

  /** The experiment chosen with `setExperiment`, if any. */
  get activeExperimentId(): string | undefined {
    return this.experimentId;
  }

  /**
   * Makes `name` the experiment of new runs, creating it if missing.
   *
   * @example
   * const experiment = await tracker.setExperiment('churn-model');
   */
  async setExperiment(name: string): Promise<Experiment> {
    const experiment = await getOrCreateExperiment(this.client, name);
    if (experiment.lifecycle_stage === 'deleted') {
      throw invalidParameter(
        `Cannot set a deleted experiment '${name}' as the active experiment. Restore it, or pick another name.`,
      );
    }
    this.experimentId = experiment.experiment_id;
    return experiment;
  }

  private async resolveExperimentId(options: StartRunOptions, parent: ActiveRun | undefined): Promise<string> {
    if (options.experimentId !== undefined) return options.experimentId;
    if (options.experimentName !== undefined)
      return (await getOrCreateExperiment(this.client, options.experimentName)).experiment_id;
    if (parent !== undefined) return parent.experimentId;
    if (this.experimentId !== undefined) return this.experimentId;
    if (this.envExperimentId !== undefined) return this.envExperimentId;
    if (this.envExperimentName !== undefined) return (await this.setExperiment(this.envExperimentName)).experiment_id;
    return '0';
  }

  /**
   * Starts a run (or joins one: `runId`, or `MLFLOW_RUN_ID` for the first top-level run) and makes it active.
   *
   * @example
   * const run = await tracker.startRun({ runName: 'baseline', tags: { model: 'logreg' } });
   */
  async startRun(options: StartRunOptions = {}): Promise<ActiveRun> {
    const active = this.activeRun;
    const nested = options.nested === true || options.parentRunId !== undefined;
    if (active !== undefined && !nested) {
      throw invalidParameter(
        `Run with UUID ${active.id} is already active. To start a new run, end the current one with endRun() first; to start a nested run, call startRun({ nested: true }).`,
      );
    }
    let joinId = options.runId;
    if (joinId === undefined && active === undefined && this.joinRunId !== undefined) {
      // MLFLOW_RUN_ID is consumed once, by the first top-level run.
      joinId = this.joinRunId;
      this.joinRunId = undefined;
    }
    const parentRunId = options.parentRunId ?? (nested ? active?.id : undefined);
    const run =
      joinId === undefined ? await this.createRun(options, parentRunId, active) : await this.joinRun(joinId, options);
    this.stack.push(run);
    await this.runStarted(run);
    return run;
  }

  private async createRun(options: StartRunOptions, parentRunId: string | undefined, parent: ActiveRun | undefined) {
    const experimentId = await this.resolveExperimentId(options, parentRunId === undefined ? undefined : parent);
    const tags: Record<string, string> = { ...(await this.contextTags()), ...this.runContext };
    for (const [key, value] of Object.entries(options.tags ?? {})) tags[key] = toValueString(value);
    tags['mlflow.runName'] = options.runName ?? tags['mlflow.runName'] ?? generateRunName();
    if (parentRunId !== undefined) tags['mlflow.parentRunId'] = parentRunId;
    if (options.description !== undefined) tags['mlflow.note.content'] = options.description;
    return new ActiveRun(this, await createRunWithTags(this.client, experimentId, tags), parentRunId);
  }

  private async joinRun(runId: string, options: StartRunOptions): Promise<ActiveRun> {
    const { info, parentRunId } = await resumeRun(this.client, runId, options.runName);
    const joined = new ActiveRun(this, info, parentRunId);
    if (options.tags !== undefined) joined.setTags(options.tags);
    return joined;
  }

  /**
   * Ends the innermost active run (default status FINISHED) after its queued data is delivered.
   *
   * @example
   * await tracker.endRun('FAILED');
   */
  async endRun(status: RunStatus = 'FINISHED'): Promise<void> {
    const run = this.activeRun;
    if (run !== undefined) await this.finishRun(run, status);
  }

  /** Ends `run`: stops its monitors, delivers queued data, then records status and end time. */
  async finishRun(run: ActiveRun, status: RunStatus): Promise<void> {
    if (!run.markEnded()) return;
    const at = this.stack.indexOf(run);
    if (at >= 0) this.stack.splice(at, 1);
    await this.runEnding(run);
    let deliveryError: unknown;
    try {
      await this.queue.flush();
    } catch (error) {
      deliveryError = error;
    }
    await this.client.updateRun({ run_id: run.id, status, end_time: Date.now() });
    this.runEnded(run, status);
    if (deliveryError !== undefined) throw deliveryError;
  }

  /**
   * Runs `fn` inside a new run: FINISHED when it returns, FAILED (and the error rethrown) when it throws.
   *
   * @example
   * const accuracy = await tracker.withRun(async (run) => train(run), { runName: 'trial-3' });
   */
  async withRun<T>(fn: (run: ActiveRun) => T | Promise<T>, options: StartRunOptions = {}): Promise<T> {
    const run = await this.startRun(options);
    let result: T;
    try {
      result = await fn(run);
    } catch (error) {
      try {
        await this.finishRun(run, 'FAILED');
      } catch (endError) {
        this.warn(`[keel] could not end run ${run.id} as FAILED: ${(endError as Error).message}`);
      }
      throw error;
    }
    await this.finishRun(run, 'FINISHED');
    return result;
  }

  private requireRun(): ActiveRun {
    const run = this.activeRun;
    if (run === undefined) throw invalidParameter('No active run: call startRun() or withRun() first.');
    return run;
  }

  /**
   * Queues a metric point on the active run; returns at once.
   *
   * @example
   * tracker.logMetric('loss', 0.3, { step: 2 });
   */
  logMetric(key: string, value: number, stepOrOptions?: number | MetricOptions): void {
    this.requireRun().logMetric(key, value, stepOrOptions);
  }

  /** Queues several metrics on the active run. @example tracker.logMetrics({ loss: 0.3, acc: 0.9 }, 2); */
  logMetrics(metrics: Readonly<Record<string, number>>, stepOrOptions?: number | MetricOptions): void {
    this.requireRun().logMetrics(metrics, stepOrOptions);
  }

  /** Queues a param on the active run. @example tracker.logParam('lr', 0.01); */
  logParam(key: string, value: unknown): void {
    this.requireRun().logParam(key, value);
  }

  /** Queues params on the active run. @example tracker.logParams({ lr: 0.01, batch: 32 }); */
  logParams(params: Readonly<Record<string, unknown>>): void {
    this.requireRun().logParams(params);
  }

  /** Queues a tag on the active run. @example tracker.setTag('stage', 'dev'); */
  setTag(key: string, value: unknown): void {
    this.requireRun().setTag(key, value);
  }

  /** Queues tags on the active run. @example tracker.setTags({ a: '1', b: '2' }); */
  setTags(tags: Readonly<Record<string, unknown>>): void {
    this.requireRun().setTags(tags);
  }

  /** Records a dataset input of the active run. @example await tracker.logInput({ name: 'd', source: 'x.csv' }, { context: 'training' }); */
  async logInput(dataset: DatasetSpec, options?: { context?: string; tags?: Record<string, string> }): Promise<void> {
    await this.requireRun().logInput(dataset, options);
  }

  /** Saves text as an artifact of the active run. @example await tracker.logText('hi', 'notes.txt'); */
  async logText(text: string, artifactFile: string): Promise<void> {
    await this.requireRun().logText(text, artifactFile);
  }

  /** Saves an object as JSON on the active run. @example await tracker.logDict({ a: 1 }, 'config.json'); */
  async logDict(value: unknown, artifactFile: string): Promise<void> {
    await this.requireRun().logDict(value, artifactFile);
  }

  /** Saves PNG bytes on the active run. @example await tracker.logImage(png, 'plot.png'); */
  async logImage(png: Uint8Array, artifactFile: string): Promise<void> {
    await this.requireRun().logImage(png, artifactFile);
  }

  /**
   * Waits until every queued metric, param and tag is delivered; rejects with delivery failures.
   *
   * @example
   * await tracker.flush();
   */
  async flush(): Promise<void> {
    await this.queue.flush();
  }

  /**
   * Ends the active runs (FINISHED), delivers queued data and releases the transport.
   *
   * @example
   * await tracker.close();
   */
  async close(): Promise<void> {
    let firstError: unknown;
    for (const run of [...this.stack].reverse()) {
      await this.finishRun(run, 'FINISHED').catch((error: unknown) => {
        firstError ??= error;
      });
    }
    await this.queue.flush().catch((error: unknown) => {
      firstError ??= error;
    });
    await this.client.close();
    if (firstError !== undefined) throw firstError;
  }

  /**
   * The store behind an artifact URI: the proxy for `mlflow-artifacts:` roots, the disk for local
   * ones and S3 with the process's own credentials (Node).
   *
   * @example
   * const store = tracker.artifactStoreFor(run.artifactUri);
   */
  artifactStoreFor(uri: string): ArtifactStore {
    const { transport, config } = this.client;
    const local = this.localStoreOpener();
    const remote = this.remoteStoreOpeners();
    return resolveArtifactStore(uri, {
      transport,
      trackingUri: config.trackingUri,
      multipart: this.multipart,
      ...(local === undefined ? {} : { local }),
      ...(remote === undefined ? {} : { remote }),
    });
  }

  /**
   * The artifact store of any run, by ID.
   *
   * @example
   * const files = await (await tracker.artifactStoreForRun(runId)).list();
   */
  async artifactStoreForRun(runId: string): Promise<ArtifactStore> {
    const { run } = await this.client.getRun({ run_id: runId });
    return this.artifactStoreFor(run.info.artifact_uri);
  }

  /** Tags describing where a run comes from (Node adds user, source and git commit). */
  protected async contextTags(): Promise<Record<string, string>> {
    const user = this.client.config.username;
    return user === undefined ? {} : { 'mlflow.user': user };
  }

  /** How local artifact roots are opened; browsers have no disk (Node overrides this). */
  protected localStoreOpener(): ((uri: string) => ArtifactStore) | undefined {
    return undefined;
  }

  /** Openers of object stores reached directly, by scheme; browsers have none (Node adds `s3`). */
  protected remoteStoreOpeners(): ReadonlyMap<string, (uri: string) => ArtifactStore> | undefined {
    return undefined;
  }

  /** Called after a run starts or is joined. */
  protected async runStarted(_run: ActiveRun): Promise<void> {}

  /** Called when a run is about to end, before its queued data is flushed. */
  protected async runEnding(_run: ActiveRun): Promise<void> {}

  /** Called once a run's end was recorded (Node prints where to see it). */
  protected runEnded(_run: ActiveRun, _status: RunStatus): void {}

  /**
   * Keeps a batch that could not be delivered and says where (Node appends it to a file); the
   * browser has nowhere durable to put it, so the values are only reported.
   */
  protected keepUndelivered(_runId: string, _batch: LogBatch): string | undefined {
    return undefined;
  }
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
