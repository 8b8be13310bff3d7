/**
 * The tracking side of a project run (projects.md §5): choosing the experiment, creating the
 * run with MLflow's project tags and its params, finding a finished run to reuse, recording the
 * final status (unless the command already did) with the reason of a failure, and storing the
 * run's log as an artifact. It also downloads remote `path` parameters through the SDK.
 */
import { createWriteStream } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { fileURLToPath } from 'node:url';
import type { ArtifactStore, KeelClient, Run, RunStatus } from '@keel/client';
import { parseModelUri, resolveModelUri, tracking } from '@keel/contract';
import type { JobOutcome } from './backend/project-backend.js';
import { ProjectError } from './errors.js';
import type { UriDownloader } from './parameters.js';

/** Tags of a project run that Keel adds beyond MLflow's. */
export const PROJECT_TAGS = {
  failureReason: 'keel.project.failureReason',
  slurmJobId: 'keel.slurm.jobId',
} as const;

const TERMINAL: readonly string[] = ['FINISHED', 'FAILED', 'KILLED'];

/** Whether a run status is final. */
export function isTerminalStatus(status: string): boolean {
  return TERMINAL.includes(status);
}

/**
 * A tracking URI the child process can use from another directory: local stores made absolute
 * (`sqlite:///mlflow.db` -> `sqlite:////abs/mlflow.db`, `./mlruns` -> `/abs/mlruns`).
 */
export function absoluteTrackingUri(uri: string, cwd: string): string {
  const sqlite = /^sqlite:\/\/\/(.*)$/i.exec(uri);
  if (sqlite !== null) {
    const path = sqlite[1] as string;
    if (path === '' || path === ':memory:' || isAbsolute(path)) return uri;
    return `sqlite:///${resolve(cwd, path)}`;
  }
  if (/^file:/i.test(uri)) return resolve(fileURLToPath(uri));
  if (/^[A-Za-z][A-Za-z0-9+.-]*:/.test(uri)) return uri;
  return resolve(cwd, uri);
}

/**
 * The directory of a local tracking store (its database and, by default, its artifacts), which a
 * container must see at the same path; undefined for servers.
 */
export function localTrackingDir(absoluteUri: string): string | undefined {
  const sqlite = /^sqlite:\/\/\/(\/.*)$/i.exec(absoluteUri);
  if (sqlite !== null) return dirname(sqlite[1] as string);
  return isAbsolute(absoluteUri) ? absoluteUri : undefined;
}

/** Which experiment a run goes to. */
export interface ExperimentChoice {
  readonly experimentId?: string;
  readonly experimentName?: string;
}

/**
 * The experiment ID: the given ID; else the experiment of that name (created if missing); else
 * `MLFLOW_EXPERIMENT_ID` / `MLFLOW_EXPERIMENT_NAME`; else the default experiment `0`.
 */
export async function resolveExperimentId(
  client: KeelClient,
  choice: ExperimentChoice,
  env: Readonly<Record<string, string | undefined>>,
): Promise<string> {
  if (choice.experimentId !== undefined && choice.experimentName !== undefined) {
    throw new ProjectError('Give an experiment ID or an experiment name, not both.', true);
  }
  const id =
    choice.experimentId ?? (choice.experimentName === undefined ? env.MLFLOW_EXPERIMENT_ID || undefined : undefined);
  if (id !== undefined) return id;
  const name = choice.experimentName ?? (env.MLFLOW_EXPERIMENT_NAME || undefined);
  if (name === undefined) return '0';
  try {
    return (await client.getExperimentByName({ experiment_name: name })).experiment.experiment_id;
  } catch (error) {
    if ((error as { code?: string }).code !== 'RESOURCE_DOES_NOT_EXIST') throw error;
    return (await client.createExperiment({ name })).experiment_id;
  }
}

/**
 * Creates the run (RUNNING) with its tags, then logs every param in batches of 100.
 */
export async function createProjectRun(
  client: KeelClient,
  input: {
    readonly experimentId: string;
    readonly runName?: string;
    readonly user: string;
    readonly tags: Readonly<Record<string, string>>;
    readonly params: readonly { key: string; value: string }[];
  },
): Promise<Run> {
  const { run } = await client.createRun({
    experiment_id: input.experimentId,
    start_time: Date.now(),
    user_id: input.user,
    ...(input.runName === undefined ? {} : { run_name: input.runName }),
    tags: Object.entries(input.tags).map(([key, value]) => ({ key, value })),
  });
  for (let i = 0; i < input.params.length; i += 100) {
    await client.logBatch({ run_id: run.info.run_id, params: input.params.slice(i, i + 100) });
  }
  return run;
}

/** Sets tags on a run in one call. */
export async function setRunTags(
  client: KeelClient,
  runId: string,
  tags: Readonly<Record<string, string>>,
): Promise<void> {
  const list = Object.entries(tags).map(([key, value]) => ({ key, value }));
  if (list.length > 0) await client.logBatch({ run_id: runId, tags: list });
}

/**
 * A FINISHED run of the same entry point, with exactly these params, made from the same git
 * commit, in `experimentId` (the newest one), or undefined.
 */
export async function findReusableRun(
  client: KeelClient,
  input: {
    readonly experimentId: string;
    readonly entryPoint: string;
    readonly gitCommit: string;
    readonly params: readonly { key: string; value: string }[];
  },
): Promise<Run | undefined> {
  if (!/^[0-9a-f]{7,64}$/.test(input.gitCommit)) return undefined;
  const wanted = new Map(input.params.map((p) => [p.key, p.value]));
  const request = {
    experiment_ids: [input.experimentId],
    // The commit is hex (checked above), so it needs no quoting; the rest is compared here.
    filter: `attributes.status = 'FINISHED' and tags.\`mlflow.source.git.commit\` = '${input.gitCommit}'`,
    order_by: ['attributes.start_time DESC'],
  };
  for await (const run of client.paginate(tracking.searchRuns, request, 'runs')) {
    const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
    if (tags.get('mlflow.project.entryPoint') !== input.entryPoint) continue;
    const params = run.data.params ?? [];
    if (params.length !== wanted.size || params.some((p) => wanted.get(p.key) !== p.value)) continue;
    return run;
  }
  return undefined;
}

/**
 * Records how a run ended: the failure reason as a tag, then the status, unless the command has
 * already put the run in a final state (MLflow leaves it as the command set it).
 */
export async function finishProjectRun(client: KeelClient, runId: string, outcome: JobOutcome): Promise<RunStatus> {
  const { run } = await client.getRun({ run_id: runId });
  // A reason recorded where the command ran (a Slurm job's own keel run) is the more precise one.
  const hasReason = (run.data.tags ?? []).some((t) => t.key === PROJECT_TAGS.failureReason);
  if (outcome.status !== 'FINISHED' && outcome.reason !== undefined && !hasReason) {
    await setRunTags(client, runId, { [PROJECT_TAGS.failureReason]: outcome.reason });
  }
  if (isTerminalStatus(run.info.status)) return run.info.status;
  await client.updateRun({ run_id: runId, status: outcome.status, end_time: Date.now() });
  return outcome.status;
}

/** What opening artifact stores needs: the SDK's resolver with local roots read from disk. */
export async function artifactStoreAt(client: KeelClient, uri: string): Promise<ArtifactStore> {
  const { DEFAULT_MULTIPART, LocalArtifactStore, resolveArtifactStore } = await import('@keel/client/node');
  return resolveArtifactStore(uri, {
    transport: client.transport,
    trackingUri: client.config.trackingUri,
    multipart: DEFAULT_MULTIPART,
    local: (root) => new LocalArtifactStore(root),
  });
}

/** Uploads the run's log file as `logs/<file name>`. */
export async function uploadRunLog(client: KeelClient, runId: string, file: string): Promise<void> {
  const { uploadFile } = await import('@keel/client/node');
  const { run } = await client.getRun({ run_id: runId });
  await uploadFile(await artifactStoreAt(client, run.info.artifact_uri), file, 'logs');
}

function splitLast(uri: string): { parent: string; name: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  return { parent: trimmed.slice(0, slash + 1), name: trimmed.slice(slash + 1) };
}

/**
 * Downloads `path` parameter URIs: `runs:/` and `models:/` through the contract's model URI
 * resolver, artifact roots (`mlflow-artifacts:`, proxy URLs, local roots) through the SDK's
 * stores, and any other `http(s)` URL with a plain GET.
 */
export function artifactDownloader(client: KeelClient): UriDownloader {
  return async (uri, dir) => {
    const { downloadFromStore, modelUriClientFor } = await import('@keel/client/node');
    const parsed = parseModelUri(uri);
    const isProxyUrl = uri.includes('/api/2.0/mlflow-artifacts/artifacts');
    if (parsed.kind === 'artifact' && /^https?:\/\//i.test(uri) && !isProxyUrl) {
      const response = await fetch(uri);
      if (!response.ok || response.body === null) throw new Error(`HTTP ${response.status}`);
      const target = join(dir, basename(new URL(uri).pathname) || 'download');
      await pipeline(
        Readable.fromWeb(response.body as unknown as NodeReadableStream<Uint8Array>),
        createWriteStream(target),
      );
      return target;
    }
    const { artifactUri } = await resolveModelUri(uri, modelUriClientFor(client));
    if (parsed.kind !== 'artifact' && parsed.path === '') {
      // A whole model or run: its files go straight into the directory.
      return downloadFromStore(await artifactStoreAt(client, artifactUri), '', dir);
    }
    const { parent, name } = splitLast(artifactUri);
    return downloadFromStore(await artifactStoreAt(client, parent), name, dir);
  };
}
