/**
 * The tracker in Node: environment read once at construction, run context tags (user, source,
 * git commit), local artifact roots written directly, files and directories as artifacts,
 * downloads to disk, optional system metrics, a line saying where each ended run can be seen,
 * values that could not be delivered kept in a file, and runs ended however the process ends.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { invalidParameter, type RunStatus } from '@keel/contract';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { type EnvSource, isHttpUri, readClientEnv } from '../config.js';
import type { ActiveRun } from '../fluent/active-run.js';
import { encodeLogBatch } from '../fluent/batch-encoding.js';
import type { LogBatch } from '../fluent/log-queue.js';
import { Tracker } from '../fluent/tracker.js';
import type { TrackerOptions } from '../fluent/tracker-options.js';
import { registerExitTarget } from './exit-hooks.js';
import { type DownloadProgress, downloadFromStore, uploadDirectory, uploadFile } from './file-artifacts.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { type LoggedModelInfo, type LogModelOptions, logModel } from './models.js';
import { createClient } from './node-client.js';
import { S3StoreOpener, s3StoreSettingsFromEnv } from './s3-artifact-store.js';
import { finishSynchronously } from './sync-finish.js';
import { SystemMetricsMonitor } from './system-metrics.js';
import { nodeContextTags } from './system-tags.js';

/**
 * Tracker options in Node. Unset ones come from the environment (a snapshot taken at construction).
 *
 * @example
 * createTracker({ experimentName: 'demo', systemMetrics: { intervalMs: 5000 } });
 */
export interface NodeTrackerOptions extends TrackerOptions {
  /** Environment to read (default: `process.env`, read once now). */
  readonly env?: EnvSource;
  /** Base of relative local store paths (default: `process.cwd()`). */
  readonly cwd?: string;
  /** Log `system/...` metrics while runs are active (`MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING`). */
  readonly systemMetrics?: boolean | { readonly intervalMs?: number };
  /**
   * End active runs however the process ends (default true): FINISHED when it runs out of work,
   * FAILED on an uncaught error or a non-zero `process.exit()`, KILLED on SIGINT/SIGTERM.
   */
  readonly handleExit?: boolean;
  /**
   * Print one line on stderr when a run ends, with its name and where to see it
   * (`KEEL_PRINT_RUN_LINKS`, default true), like MLflow's "View run ... at ...".
   */
  readonly printRunLinks?: boolean;
  /** Directory where values that could not be delivered are kept (default: `keel-undelivered` in the working directory). */
  readonly undeliveredDir?: string;
  /** The `mlflow.source.name` of new runs (default: the entry script, `process.argv[1]`). */
  readonly sourceName?: string;
}

/**
 * A tracker for Node scripts.
 *
 * @example
 * const tracker = createTracker();
 * await tracker.setExperiment('demo');
 * await tracker.withRun(async (run) => {
 *   run.logParams({ lr: 0.1 });
 *   run.logMetric('loss', 0.4, 1);
 *   await tracker.logArtifact('model.json');
 * });
 */
export class NodeTracker extends Tracker {
  private readonly sourceName: string;
  private readonly systemMetricsIntervalMs: number | undefined;
  private readonly monitors = new Map<ActiveRun, SystemMetricsMonitor>();
  private readonly removeExitHooks: (() => void) | undefined;
  private readonly printRunLinks: boolean;
  private readonly cwd: string;
  private readonly undeliveredDir: string;
  private contextTagCache: Record<string, string> | undefined;
  /** Direct S3 access; the SDK loads on the first `s3://` root this tracker meets. */
  private readonly s3: S3StoreOpener;

  constructor(options: NodeTrackerOptions = {}) {
    const env: EnvSource = { ...(options.env ?? process.env) };
    const client = options.client ?? createClient({ ...options, env });
    super({ ...options, client }, env);
    this.sourceName = options.sourceName ?? process.argv[1] ?? '';
    this.s3 = new S3StoreOpener(s3StoreSettingsFromEnv(env));
    this.printRunLinks = options.printRunLinks ?? readClientEnv(env, 'KEEL_PRINT_RUN_LINKS') ?? true;
    this.cwd = options.cwd ?? process.cwd();
    this.undeliveredDir = options.undeliveredDir ?? join(this.cwd, 'keel-undelivered');
    const wanted = options.systemMetrics ?? readClientEnv(env, 'MLFLOW_ENABLE_SYSTEM_METRICS_LOGGING') ?? false;
    const envSeconds = readClientEnv(env, 'MLFLOW_SYSTEM_METRICS_SAMPLING_INTERVAL');
    this.systemMetricsIntervalMs =
      wanted === false
        ? undefined
        : ((typeof wanted === 'object' ? wanted.intervalMs : undefined) ??
          (envSeconds === undefined ? 10_000 : envSeconds * 1000));
    this.removeExitHooks =
      options.handleExit === false
        ? undefined
        : registerExitTarget({
            isIdle: () => this.pending === 0 && this.activeRuns.length === 0,
            finishAll: () => this.endAll('FINISHED'),
            endAll: (status) => this.endAll(status),
            finishSync: (status) => this.finishSync(status),
            warn: (message) => this.warn(message),
          });
  }

  /** Ends every active run (innermost first) and delivers queued data, keeping the transport open. */
  private async endAll(status: RunStatus): Promise<void> {
    for (const run of [...this.activeRuns].reverse()) await this.finishRun(run, status);
    await this.flush();
  }

  /**
   * Delivers what is queued and ends the active runs with `status` when the event loop can no
   * longer run; what cannot be delivered is kept in the undelivered file.
   */
  private finishSync(status: RunStatus): void {
    const queued = this.queue.drainAll();
    // Only runs not ended yet: an uncaught error ends them here, and the exit hook that follows
    // must not end (and announce) them a second time.
    const runs = [...this.activeRuns].reverse().filter((run) => run.markEnded());
    if (queued.length === 0 && runs.length === 0) return;
    const { config } = this.client;
    const result = finishSynchronously({
      client: {
        trackingUri: config.trackingUri,
        headers: config.headers,
        insecureTls: config.insecureTls,
        ...(config.serverCertPath === undefined ? {} : { serverCertPath: config.serverCertPath }),
        ...(config.clientCertPath === undefined ? {} : { clientCertPath: config.clientCertPath }),
        cwd: this.cwd,
      },
      batches: queued.map(({ runId, batch }) => encodeLogBatch(runId, batch)),
      runs: runs.map((run) => ({ run_id: run.id, status, end_time: Date.now() })),
    });
    const kept = new Set<string>();
    for (const index of result.undelivered) {
      const item = queued[index];
      if (item !== undefined) kept.add(this.keepUndelivered(item.runId, item.batch));
    }
    if (kept.size > 0)
      this.warn(
        `[keel] could not deliver every value at exit (${result.error ?? 'unknown error'}); kept in ${[...kept].join(', ')}`,
      );
    for (const run of runs) {
      if (result.endedRuns.includes(run.id)) this.runEnded(run, status);
      else this.warn(`[keel] could not end run ${run.id} as ${status}: ${result.error ?? 'unknown error'}`);
    }
  }

  protected override runEnded(run: ActiveRun, status: RunStatus): void {
    if (!this.printRunLinks) return;
    const name = run.info.run_name || run.id;
    const uri = this.client.config.trackingUri;
    const outcome = status === 'FINISHED' ? '' : ` (${status})`;
    if (isHttpUri(uri)) {
      const base = uri.replace(/\/+$/, '');
      process.stderr.write(
        `🏃 View run ${name} at: ${base}/#/experiments/${run.experimentId}/runs/${run.id}${outcome}\n`,
      );
    } else {
      process.stderr.write(
        `🏃 Run ${name} (${run.id}) ended ${status} in ${uri}; see it with: keel runs describe -r ${run.id} --tracking-uri ${uri}\n`,
      );
    }
  }

  /** Appends the batch (as its `runs/log-batch` body, one per line) to the run's undelivered file. */
  protected override keepUndelivered(runId: string, batch: LogBatch): string {
    const file = join(this.undeliveredDir, `${runId}.jsonl`);
    mkdirSync(this.undeliveredDir, { recursive: true });
    appendFileSync(file, `${encodeLogBatch(runId, batch)}\n`);
    const shown = relative(this.cwd, file);
    return shown.startsWith('..') ? file : shown;
  }

  protected override async contextTags(): Promise<Record<string, string>> {
    this.contextTagCache ??= nodeContextTags(this.sourceName, this.client.config.username);
    return { ...this.contextTagCache };
  }

  protected override localStoreOpener(): (uri: string) => ArtifactStore {
    return (uri) => new LocalArtifactStore(uri);
  }

  protected override remoteStoreOpeners(): ReadonlyMap<string, (uri: string) => ArtifactStore> {
    return new Map([['s3', (uri: string) => this.s3.open(uri)]]);
  }

  protected override async runStarted(run: ActiveRun): Promise<void> {
    if (this.systemMetricsIntervalMs === undefined) return;
    const monitor = new SystemMetricsMonitor(
      (metrics, step) => run.logMetrics(metrics, step),
      this.systemMetricsIntervalMs,
    );
    this.monitors.set(run, monitor);
    monitor.start();
  }

  protected override async runEnding(run: ActiveRun): Promise<void> {
    this.monitors.get(run)?.stop();
    this.monitors.delete(run);
  }

  private runOrActive(run: ActiveRun | undefined): ActiveRun {
    const target = run ?? this.activeRun;
    if (target === undefined)
      throw invalidParameter('No active run: call startRun() or withRun() first, or pass a run.');
    return target;
  }

  /**
   * Uploads a local file to `<artifactPath>/<file name>` of a run (default: the active run).
   *
   * @example
   * await tracker.logArtifact('out/confusion.png', 'plots');
   */
  async logArtifact(localPath: string, artifactPath?: string, run?: ActiveRun): Promise<void> {
    await uploadFile(this.runOrActive(run).artifacts(), localPath, artifactPath);
  }

  /**
   * Uploads a local directory tree under `artifactPath` of a run (default: the active run).
   *
   * @example
   * await tracker.logArtifacts('out/model', 'model');
   */
  async logArtifacts(localDir: string, artifactPath?: string, run?: ActiveRun): Promise<void> {
    await uploadDirectory(this.runOrActive(run).artifacts(), localDir, artifactPath);
  }

  /**
   * Downloads a run's artifact file or directory (`''` for everything) into `dst`, streaming,
   * and returns the local path (`dst/<path>`).
   *
   * @example
   * const dir = await tracker.downloadArtifacts(runId, 'model', '/tmp/model', { onProgress: (p) => console.log(p.bytes) });
   */
  async downloadArtifacts(
    runId: string,
    path: string,
    dst: string,
    options: { readonly onProgress?: (progress: DownloadProgress) => void; readonly signal?: AbortSignal } = {},
  ): Promise<string> {
    return downloadFromStore(await this.artifactStoreForRun(runId), path, dst, options);
  }

  /**
   * Logs a model produced by a run (default: the active run) as MLflow 3's `log_model` does:
   * a logged model with the run's params and its metrics at `step`, loadable as
   * `models:/m-<id>`; registered too when `registeredModelName` is given. Pending metrics are
   * delivered first, so the model gets them.
   *
   * @example
   * const info = await tracker.logModel({ flavor: 'onnx', model: 'model.onnx', inputExample: [[1, 2, 3, 4]], registeredModelName: 'iris' });
   */
  async logModel(options: LogModelOptions, run?: ActiveRun): Promise<LoggedModelInfo> {
    const target = run ?? this.activeRun;
    await this.flush();
    const experimentId = options.experimentId ?? target?.experimentId ?? this.activeExperimentId;
    return logModel(this.client, {
      ...options,
      ...(target === undefined ? {} : { runId: target.id }),
      ...(experimentId === undefined ? {} : { experimentId }),
    });
  }

  /**
   * Stops monitors, ends active runs, delivers pending data, closes the transport and removes the exit hooks.
   *
   * @example
   * await tracker.close();
   */
  override async close(): Promise<void> {
    this.removeExitHooks?.();
    for (const monitor of this.monitors.values()) monitor.stop();
    this.monitors.clear();
    try {
      await super.close();
    } finally {
      await this.s3.close();
    }
  }
}

/**
 * Creates a Node tracker (see `NodeTracker`).
 *
 * @example
 * const tracker = createTracker({ trackingUri: 'sqlite:///mlflow.db' });
 */
export function createTracker(options: NodeTrackerOptions = {}): NodeTracker {
  return new NodeTracker(options);
}
