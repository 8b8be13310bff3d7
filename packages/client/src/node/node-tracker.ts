/**
 * The tracker in Node: environment read once at construction, run context tags (user, source,
 * git commit), local artifact roots written directly, files and directories as artifacts,
 * downloads to disk, optional system metrics, and pending data handled at process exit.
 */
import { invalidParameter } from '@keel/contract';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { type EnvSource, readClientEnv } from '../config.js';
import type { ActiveRun } from '../fluent/active-run.js';
import { Tracker } from '../fluent/tracker.js';
import type { TrackerOptions } from '../fluent/tracker-options.js';
import { installExitHooks } from './exit-hooks.js';
import { type DownloadProgress, downloadFromStore, uploadDirectory, uploadFile } from './file-artifacts.js';
import { LocalArtifactStore } from './local-artifact-store.js';
import { createClient } from './node-client.js';
import { S3StoreOpener, s3StoreSettingsFromEnv } from './s3-artifact-store.js';
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
  /** Deliver pending data and end runs when the process runs out of work (default true). */
  readonly handleExit?: boolean;
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
  private contextTagCache: Record<string, string> | undefined;
  /** Direct S3 access; the SDK loads on the first `s3://` root this tracker meets. */
  private readonly s3: S3StoreOpener;

  constructor(options: NodeTrackerOptions = {}) {
    const env: EnvSource = { ...(options.env ?? process.env) };
    const client = options.client ?? createClient({ ...options, env });
    super({ ...options, client }, env);
    this.sourceName = options.sourceName ?? process.argv[1] ?? '';
    this.s3 = new S3StoreOpener(s3StoreSettingsFromEnv(env));
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
        : installExitHooks({
            pendingCount: () => this.pending,
            activeRunIds: () => this.activeRuns.map((r) => r.id),
            finishAll: () => this.finishAll(),
            warn: (message) => this.warn(message),
          });
  }

  /** Ends every active run FINISHED and delivers queued data, keeping the transport open. */
  private async finishAll(): Promise<void> {
    for (const run of [...this.activeRuns].reverse()) await this.finishRun(run, 'FINISHED');
    await this.flush();
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
