/**
 * `keel gc`: permanently removes runs and experiments in the deleted stage, with their metadata
 * and their artifacts, while servers keep serving.
 *
 * Order of work, and why (crash windows):
 * 1. Candidates are found and checked against the registry: a run a live model version was
 *    registered from (or an experiment holding one, or holding a logged model a version points
 *    at) is kept, because its files are the model's files.
 * 2. The rows are purged in short transactions that also queue the artifact locations
 *    (`TrackingStore.purgeRuns`/`purgeExperiments`). The DELETE itself re-checks the deleted
 *    stage, so a run restored meanwhile is untouched and keeps its files.
 * 3. The queue is swept: each location's files are deleted, then its entry is completed. A crash
 *    or an unreachable store leaves entries queued; the next gc sweeps them first. Files are
 *    therefore never deleted while rows still point at them, and never forgotten.
 */
import { invalidParameter, MlflowError } from '@keel/contract';
import type { ArtifactResolver } from '../artifacts/artifact-resolver.js';
import type { RegistryStore } from '../store/registry-store.js';
import type { DeletedExperiment, DeletedRun, PendingArtifactDeletion, TrackingStore } from '../store/tracking-store.js';

export interface GarbageCollectDeps {
  readonly tracking: TrackingStore;
  readonly registry: RegistryStore;
  readonly artifacts: ArtifactResolver;
}

export interface GarbageCollectOptions {
  /** Only items deleted at least this long ago (ms). */
  readonly olderThanMs?: number;
  /** Only these experiments (each must be deleted) and their runs. */
  readonly experimentIds?: readonly string[];
  /** Only these runs (each must be deleted). */
  readonly runIds?: readonly string[];
  /** Report what would be removed, change nothing. */
  readonly dryRun?: boolean;
  /** Epoch ms the age threshold counts from (default now). */
  readonly now?: number;
  /** Told about each step, for progress output. */
  readonly onProgress?: (message: string) => void;
}

/** Something gc left in place, and why. */
export interface KeptItem {
  readonly kind: 'run' | 'experiment';
  readonly id: string;
  readonly reason: string;
}

export interface GarbageCollectReport {
  readonly dryRun: boolean;
  readonly runs: readonly string[];
  readonly experiments: readonly string[];
  /** Runs that went with removed experiments. */
  readonly experimentRuns: number;
  readonly loggedModels: number;
  readonly kept: readonly KeptItem[];
  /** Artifact locations deleted (or, in a dry run, that would be). */
  readonly artifactsDeleted: readonly string[];
  /** Locations whose files could not be deleted; they stay queued for the next gc. */
  readonly artifactsFailed: readonly { readonly uri: string; readonly owner: string; readonly error: string }[];
}

const PAGE = 1000;

/** Model versions registered from these runs or these logged models, as `name vN` by run or model ID. */
async function registryReferences(
  registry: RegistryStore,
  runIds: readonly string[],
  modelIds: ReadonlySet<string>,
): Promise<Map<string, string>> {
  const refs = new Map<string, string>();
  const note = (id: string | undefined, name: string, version: string) => {
    if (id !== undefined && id !== '' && !refs.has(id)) refs.set(id, `${name} v${version}`);
  };
  // Run IDs are lower-case hex, so they can be quoted as they are.
  for (let at = 0; at < runIds.length; at += 100) {
    const list = runIds
      .slice(at, at + 100)
      .filter((id) => /^[0-9a-f]+$/.test(id))
      .map((id) => `'${id}'`);
    if (list.length === 0) continue;
    let token: string | undefined;
    do {
      const page = await registry.searchModelVersions({
        filter: `run_id IN (${list.join(',')})`,
        max_results: PAGE,
        ...(token === undefined ? {} : { page_token: token }),
      });
      for (const version of page.items) note(version.run_id, version.name, version.version);
      token = page.next_page_token;
    } while (token !== undefined);
  }
  if (modelIds.size > 0) {
    // The registry cannot filter by model ID: read every version once.
    let token: string | undefined;
    do {
      const page = await registry.searchModelVersions({
        max_results: PAGE,
        ...(token === undefined ? {} : { page_token: token }),
      });
      for (const version of page.items) {
        if (version.model_id !== undefined && modelIds.has(version.model_id)) {
          note(version.model_id, version.name, version.version);
        }
      }
      token = page.next_page_token;
    } while (token !== undefined);
  }
  return refs;
}

/** Checks explicitly named runs and experiments: each must exist and be deleted long enough ago. */
async function checkNamed(tracking: TrackingStore, options: GarbageCollectOptions, cutoff: number | undefined) {
  for (const id of options.runIds ?? []) {
    const run = await tracking.getRun(id);
    if (run.info.lifecycle_stage !== 'deleted') {
      throw invalidParameter(`Run ${id} is not in the deleted state; delete it first (keel runs delete).`);
    }
    const [found] = await tracking.findDeletedRuns({
      runIds: [id],
      ...(cutoff === undefined ? {} : { deletedBefore: cutoff }),
    });
    if (found === undefined) throw invalidParameter(`Run ${id} was deleted less than --older-than ago.`);
  }
  for (const id of options.experimentIds ?? []) {
    const experiment = await tracking.getExperiment(id);
    if (experiment.lifecycle_stage !== 'deleted') {
      throw invalidParameter(
        `Experiment ${id} is not in the deleted state; delete it first (keel experiments delete).`,
      );
    }
    if (cutoff !== undefined && Number(experiment.last_update_time ?? 0) > cutoff) {
      throw invalidParameter(`Experiment ${id} was deleted less than --older-than ago.`);
    }
  }
}

interface Plan {
  readonly runs: DeletedRun[];
  readonly experiments: DeletedExperiment[];
  readonly kept: KeptItem[];
}

async function plan(
  deps: GarbageCollectDeps,
  options: GarbageCollectOptions,
  cutoff: number | undefined,
): Promise<Plan> {
  const age = cutoff === undefined ? {} : { deletedBefore: cutoff };
  const named = options.runIds !== undefined || options.experimentIds !== undefined;
  const experiments =
    named && options.experimentIds === undefined
      ? []
      : await deps.tracking.findDeletedExperiments({
          ...age,
          ...(options.experimentIds ? { experimentIds: options.experimentIds } : {}),
        });
  const runs =
    named && options.runIds === undefined
      ? []
      : await deps.tracking.findDeletedRuns({ ...age, ...(options.runIds ? { runIds: options.runIds } : {}) });
  const experimentIds = new Set(experiments.map((e) => e.experiment_id));
  const loneRuns = runs.filter((run) => !experimentIds.has(run.experiment_id));
  const allRunIds = [...loneRuns.map((r) => r.run_id), ...experiments.flatMap((e) => e.run_ids)];
  const modelIds = new Set(experiments.flatMap((e) => e.logged_model_ids));
  const refs = await registryReferences(deps.registry, allRunIds, modelIds);
  const kept: KeptItem[] = [];
  const keptRuns = new Set<string>();
  for (const run of loneRuns) {
    const ref = refs.get(run.run_id);
    if (ref !== undefined) {
      kept.push({ kind: 'run', id: run.run_id, reason: `model version ${ref} was registered from it` });
      keptRuns.add(run.run_id);
    }
  }
  const purgedExperiments: DeletedExperiment[] = [];
  const extraRuns: DeletedRun[] = [];
  for (const experiment of experiments) {
    const referenced = [...experiment.run_ids, ...experiment.logged_model_ids].filter((id) => refs.has(id));
    if (referenced.length === 0) {
      purgedExperiments.push(experiment);
      continue;
    }
    const first = referenced[0] as string;
    kept.push({
      kind: 'experiment',
      id: experiment.experiment_id,
      reason: `model version ${refs.get(first)} depends on ${referenced.length} of its runs or models`,
    });
    // Its unreferenced deleted runs can still go on their own.
    const loose = await deps.tracking.findDeletedRuns({ experimentIds: [experiment.experiment_id], ...age });
    for (const run of loose) {
      if (refs.has(run.run_id)) {
        kept.push({
          kind: 'run',
          id: run.run_id,
          reason: `model version ${refs.get(run.run_id)} was registered from it`,
        });
      } else {
        extraRuns.push(run);
      }
    }
  }
  return {
    runs: [...loneRuns.filter((r) => !keptRuns.has(r.run_id)), ...extraRuns],
    experiments: purgedExperiments,
    kept,
  };
}

/**
 * Removes the directory a run or logged model kept its `artifacts` in (`<root>/<exp>/<run id>`)
 * once it is empty, so no empty directory named after a purged run is left behind. Only a parent
 * named like the owner's ID goes, and only when nothing else is in it; a failure here leaves
 * an empty directory, never lost data, so it does not fail the deletion.
 */
async function removeEmptyOwnerDirectory(deps: GarbageCollectDeps, entry: PendingArtifactDeletion): Promise<void> {
  const ownerId = entry.owner.split(' ').at(-1) ?? '';
  const match = /^(.*)\/([^/]+)\/artifacts\/?$/.exec(entry.artifact_uri);
  if (match === null || ownerId === '' || match[2] !== ownerId) return;
  try {
    const parent = await deps.artifacts.repositoryFor(`${match[1]}/${match[2]}`);
    if ((await parent.list('')).length === 0) await parent.delete('');
  } catch {
    // Left for the operator: an empty directory.
  }
}

/** Deletes the files of every queued location, completing each entry once its files are gone. */
async function sweep(
  deps: GarbageCollectDeps,
  pending: readonly PendingArtifactDeletion[],
  progress: (message: string) => void,
): Promise<Pick<GarbageCollectReport, 'artifactsDeleted' | 'artifactsFailed'>> {
  const deleted: string[] = [];
  const failed: { uri: string; owner: string; error: string }[] = [];
  for (const entry of pending) {
    try {
      const repository = await deps.artifacts.repositoryFor(entry.artifact_uri);
      await repository.delete('');
      await removeEmptyOwnerDirectory(deps, entry);
      await deps.tracking.completeArtifactDeletion(entry.pending_id);
      deleted.push(entry.artifact_uri);
      progress(`Deleted artifacts of ${entry.owner}: ${entry.artifact_uri}`);
    } catch (error) {
      const message = error instanceof MlflowError ? `${error.code}: ${error.message}` : String(error);
      failed.push({ uri: entry.artifact_uri, owner: entry.owner, error: message });
      progress(`Could not delete artifacts of ${entry.owner} (${entry.artifact_uri}); kept queued: ${message}`);
    }
  }
  return { artifactsDeleted: deleted, artifactsFailed: failed };
}

/**
 * Removes deleted runs and experiments permanently and reports what it did.
 *
 * @example
 * const report = await garbageCollect({ tracking, registry, artifacts }, { olderThanMs: 30 * 86_400_000 });
 */
export async function garbageCollect(
  deps: GarbageCollectDeps,
  options: GarbageCollectOptions = {},
): Promise<GarbageCollectReport> {
  const progress = options.onProgress ?? (() => {});
  const cutoff = options.olderThanMs === undefined ? undefined : (options.now ?? Date.now()) - options.olderThanMs;
  await checkNamed(deps.tracking, options, cutoff);
  const { runs, experiments, kept } = await plan(deps, options, cutoff);
  const loggedModels = experiments.reduce((n, e) => n + e.logged_model_ids.length, 0);
  const experimentRuns = experiments.reduce((n, e) => n + e.run_ids.length, 0);
  if (options.dryRun) {
    const leftovers = await deps.tracking.listPendingArtifactDeletions();
    return {
      dryRun: true,
      runs: runs.map((r) => r.run_id),
      experiments: experiments.map((e) => e.experiment_id),
      experimentRuns,
      loggedModels,
      kept,
      artifactsDeleted: [...leftovers.map((p) => p.artifact_uri), ...runs.map((r) => r.artifact_uri)],
      artifactsFailed: [],
    };
  }
  const purgedRuns = await deps.tracking.purgeRuns(
    runs.map((r) => r.run_id),
    cutoff,
  );
  for (const id of purgedRuns.removed) progress(`Removed run ${id}`);
  const purgedExperiments = await deps.tracking.purgeExperiments(
    experiments.map((e) => e.experiment_id),
    cutoff,
  );
  for (const id of purgedExperiments.removed) progress(`Removed experiment ${id} with its runs and logged models`);
  // Everything queued, including what an interrupted gc left behind.
  const swept = await sweep(deps, await deps.tracking.listPendingArtifactDeletions(), progress);
  const removedExperiments = new Set(purgedExperiments.removed);
  const removed = experiments.filter((e) => removedExperiments.has(e.experiment_id));
  return {
    dryRun: false,
    runs: purgedRuns.removed,
    experiments: purgedExperiments.removed,
    experimentRuns: removed.reduce((n, e) => n + e.run_ids.length, 0),
    loggedModels: removed.reduce((n, e) => n + e.logged_model_ids.length, 0),
    kept,
    ...swept,
  };
}
