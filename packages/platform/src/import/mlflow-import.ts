/**
 * `keel import-mlflow`: copies an MLflow backend store (and, optionally, its artifacts) into a
 * Keel store. Experiments, runs, logged models and registered models keep their IDs, names and
 * timestamps. The import is resumable: items are committed one by one and items already in the
 * target are skipped, so running the same command again after an interruption finishes the job
 * and copies nothing twice.
 */
import { sql } from 'kysely';
import type { KeelSchema } from '../store/sql/registry/schema.js';
import type { SqlDatabase } from '../store/sql/sql-database.js';
import type { ArtifactRelocation, CopyStats } from './artifact-relocation.js';
import { importRegistry, type RegistryImportStats } from './import-registry.js';
import { importExperiments, importLoggedModels, importRuns, type TrackingImportStats } from './import-tracking.js';
import type { MlflowSource } from './mlflow-source.js';

/** How far an import has come, for progress output. */
export interface ImportProgress {
  readonly phase: 'experiments' | 'runs' | 'logged-models' | 'registered-models';
  readonly done: number;
  readonly total: number;
}

export interface MlflowImportOptions {
  readonly source: MlflowSource;
  readonly target: SqlDatabase<KeelSchema>;
  readonly artifacts: ArtifactRelocation;
  readonly defaultArtifactRoot: string;
  readonly onProgress?: (progress: ImportProgress) => void;
}

/** What an import copied, and what it skipped or could not copy. */
export interface MlflowImportReport extends TrackingImportStats, RegistryImportStats {
  readonly artifactFiles: CopyStats;
  /** Artifact locations stored as they were (outside `--artifacts`, or none given). */
  readonly artifactLocationsKept: number;
}

async function count(source: MlflowSource, table: string, experiments?: readonly number[]): Promise<number> {
  if (!source.has(table)) return 0;
  let query = source.db.selectFrom(table).select(sql<number>`count(*)`.as('n'));
  if (experiments !== undefined) {
    if (experiments.length === 0) return 0;
    query = query.where('experiment_id', 'in', experiments);
  }
  const row = (await query.executeTakeFirst()) as { n: number | string } | undefined;
  return Number(row?.n ?? 0);
}

/** PostgreSQL identity columns do not follow explicit IDs: move the sequence past them. */
async function advanceIdentity(target: SqlDatabase<KeelSchema>): Promise<void> {
  if (target.dialect !== 'postgres') return;
  await target.transaction(async (db) => {
    await sql`select setval(pg_get_serial_sequence('experiments', 'experiment_id'), coalesce((select max(experiment_id) from experiments), 0) + 1, false)`.execute(
      db,
    );
  });
}

/**
 * Runs the import and reports what it did.
 *
 * @example
 * const report = await importMlflow({ source, target, artifacts, defaultArtifactRoot: 'mlflow-artifacts:/' });
 */
export async function importMlflow(options: MlflowImportOptions): Promise<MlflowImportReport> {
  const { source, target, artifacts } = options;
  const tracking: TrackingImportStats = {
    experiments: 0,
    experimentsSkipped: 0,
    conflicts: [],
    runs: 0,
    runsSkipped: 0,
    metricPoints: 0,
    params: 0,
    tags: 0,
    inputs: 0,
    loggedModels: 0,
    loggedModelsSkipped: 0,
  };
  const registry: RegistryImportStats = {
    registeredModels: 0,
    registeredModelsSkipped: 0,
    modelVersions: 0,
    aliases: 0,
  };
  const report = options.onProgress ?? (() => {});
  const experimentTotal = await count(source, 'experiments');
  let done = 0;
  let total = experimentTotal;
  let phase: ImportProgress['phase'] = 'experiments';
  const context = {
    source,
    target,
    artifacts,
    defaultArtifactRoot: options.defaultArtifactRoot,
    stats: tracking,
    progress: () => report({ phase, done: ++done, total }),
  };
  const experiments = await importExperiments(context);
  report({ phase, done: experimentTotal, total: experimentTotal });
  await advanceIdentity(target);

  const ids = [...experiments];
  phase = 'runs';
  done = 0;
  total = await count(source, 'runs', ids);
  await importRuns(context, experiments);
  phase = 'logged-models';
  done = 0;
  total = await count(source, 'logged_models', ids);
  await importLoggedModels(context, experiments);
  phase = 'registered-models';
  done = 0;
  total = await count(source, 'registered_models');
  await importRegistry(source, target, artifacts, registry, () => report({ phase, done: ++done, total }));
  return { ...tracking, ...registry, artifactFiles: { ...artifacts.stats }, artifactLocationsKept: artifacts.kept };
}
