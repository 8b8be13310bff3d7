/** Options of the fluent tracker and of `startRun`. */
import type { MultipartOptions } from '../artifacts/proxy-artifact-store.js';
import type { KeelClient } from '../client/keel-client.js';
import type { ClientOptions } from '../config.js';
import type { DeliveryFailure } from './log-queue.js';

/**
 * Options of a tracker; unset ones come from the environment it is given.
 *
 * @example
 * const tracker = new Tracker({ trackingUri: 'http://127.0.0.1:5000', experimentName: 'demo' });
 */
export interface TrackerOptions extends ClientOptions {
  /** Use this client instead of building one from the client options. */
  readonly client?: KeelClient;
  /** Experiment of new runs, created if missing (`MLFLOW_EXPERIMENT_NAME`). */
  readonly experimentName?: string;
  /** Experiment ID of new runs (`MLFLOW_EXPERIMENT_ID`). */
  readonly experimentId?: string;
  /** A run the first top-level `startRun()` joins instead of creating one (`MLFLOW_RUN_ID`). */
  readonly runId?: string;
  /** Extra tags for every new run (`MLFLOW_RUN_CONTEXT`, a JSON object). */
  readonly runContext?: Readonly<Record<string, string>>;
  /** Called for each batch of metrics, params or tags that could not be delivered. */
  readonly onError?: (error: Error, failure: DeliveryFailure) => void;
  /** Where warnings go (default `console.warn`, i.e. stderr in Node). */
  readonly warn?: (message: string) => void;
  /** Metric-only log batches in flight at once (default 2). */
  readonly maxInFlightBatches?: number;
  /** When proxy uploads go multipart (default: from 500 MiB, 10 MiB parts). */
  readonly multipart?: Partial<MultipartOptions>;
}

/**
 * How `startRun` starts or joins a run.
 *
 * @example
 * await tracker.startRun({ runName: 'fold-1', nested: true, tags: { fold: '1' } });
 */
export interface StartRunOptions {
  readonly runName?: string;
  readonly experimentId?: string;
  /** Experiment by name, created if missing. */
  readonly experimentName?: string;
  /** Start a child of the active run instead of refusing because one is active. */
  readonly nested?: boolean;
  /** Explicit parent run (implies nesting). */
  readonly parentRunId?: string;
  readonly tags?: Readonly<Record<string, unknown>>;
  /** Markdown description (`mlflow.note.content`). */
  readonly description?: string;
  /** Join this existing run (it is set RUNNING again). */
  readonly runId?: string;
}
