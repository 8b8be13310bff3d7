/**
 * Reading MLflow's file store (`mlruns/`, the tracking URI of MLflow's early releases): the tree
 * is loaded into a scratch SQLite database of MLflow's SQL schema, so the one importer that reads
 * MLflow's SQLite and PostgreSQL stores reads it too. The layout, as MLflow's FileStore writes it
 * and as its own file-store-to-database migration reads it:
 *
 *     <mlruns>/<experiment_id>/meta.yaml, tags/<key>
 *     <mlruns>/<experiment_id>/<run_id>/meta.yaml, params/<key>, tags/<key>, metrics/<key>,
 *                                      inputs/<id>/meta.yaml, outputs/<model_id>/meta.yaml
 *     <mlruns>/<experiment_id>/datasets/<id>/meta.yaml
 *     <mlruns>/<experiment_id>/models/<model_id>/meta.yaml, params/, tags/, metrics/
 *     <mlruns>/.trash/<experiment_id>/...          (deleted experiments, same layout)
 *     <mlruns>/models/<name>/meta.yaml, tags/, aliases/<alias>, version-<n>/meta.yaml, version-<n>/tags/
 *
 * Keys may contain `/`, so a key is its file's path below the folder. Metric files hold one point
 * per line: `<timestamp> <value> [<step>]` (logged models add `<run_id> [<dataset> <digest>]`).
 * Values are read as Python wrote them (`nan`, `inf`, `-inf` included). A file that cannot be
 * parsed stops the import with its path: nothing is silently dropped.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { MLFLOW_SQL_SCHEMA } from './mlflow-schema.js';

type Row = Record<string, unknown>;
type Meta = Record<string, unknown>;

/** How many items the scratch database received, for the caller's progress line. */
export interface FileStoreLoadStats {
  experiments: number;
  runs: number;
  metricPoints: number;
  registeredModels: number;
}

/** Folders of an experiment directory that are not runs. */
const EXPERIMENT_FOLDERS = new Set(['tags', 'datasets', 'traces', 'models', '.trash']);
/** MLflow's RunStatus enum, as stored in a run's meta.yaml. */
const RUN_STATUS = new Map([
  [1, 'RUNNING'],
  [2, 'SCHEDULED'],
  [3, 'FINISHED'],
  [4, 'FAILED'],
  [5, 'KILLED'],
]);
/** MLflow's LoggedModelStatus, by the names a meta.yaml may hold. */
const LOGGED_MODEL_STATUS = new Map([
  ['UNSPECIFIED', 0],
  ['PENDING', 1],
  ['READY', 2],
  ['FAILED', 3],
  ['UPLOAD_FAILED', 3],
]);

function subdirs(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
}

function readMeta(dir: string, file = 'meta.yaml'): Meta | undefined {
  const path = join(dir, file);
  if (!existsSync(path)) return undefined;
  let meta: unknown;
  try {
    meta = parseYaml(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read ${path}: ${(error as Error).message}`);
  }
  if (meta === null || meta === undefined) return undefined;
  if (typeof meta !== 'object' || Array.isArray(meta)) throw new Error(`Cannot read ${path}: not a YAML mapping.`);
  return meta as Meta;
}

/** The files below `dir` by key (their path below it, `/`-separated) and content. */
function keyFiles(dir: string, prefix = ''): Array<[string, string]> {
  if (!existsSync(dir)) return [];
  const out: Array<[string, string]> = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const key = prefix === '' ? entry.name : `${prefix}/${entry.name}`;
    const path = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...keyFiles(path, key));
    else if (entry.isFile()) out.push([key, readFileSync(path, 'utf8')]);
  }
  return out.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

/** A float as Python's `str(float)` wrote it. */
function parsePythonFloat(text: string): number {
  const lower = text.toLowerCase();
  if (lower === 'nan' || lower === '-nan') return Number.NaN;
  if (lower === 'inf' || lower === 'infinity' || lower === '+inf') return Number.POSITIVE_INFINITY;
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  const value = Number(text);
  return text.trim() === '' ? Number.NaN : value;
}

function parseInteger(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : Number.NaN;
}

/** One metric point of a run's metric file. */
interface MetricLine {
  readonly timestamp: number;
  readonly value: number;
  readonly step: number;
  readonly rest: readonly string[];
}

function metricLines(file: string, content: string, minFields: number): MetricLine[] {
  const points: MetricLine[] = [];
  for (const [index, raw] of content.split('\n').entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const fields = line.split(' ');
    const timestamp = parseInteger(fields[0], Number.NaN);
    const value = parsePythonFloat(fields[1] ?? '');
    const step = parseInteger(fields[2], 0);
    const valueOk = !Number.isNaN(value) || /^[-+]?nan$/i.test(fields[1] ?? '');
    if (fields.length < minFields || Number.isNaN(timestamp) || !valueOk || Number.isNaN(step)) {
      throw new Error(`Cannot read ${file}, line ${index + 1}: expected '<timestamp> <value> <step>', got '${line}'.`);
    }
    points.push({ timestamp, value, step, rest: fields.slice(3) });
  }
  return points;
}

const text = (value: unknown): string | null =>
  value === undefined || value === null ? null : typeof value === 'string' ? value : String(value);
const integer = (value: unknown): number | null => {
  if (value === undefined || value === null || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? Math.trunc(n) : null;
};

/** Writes rows into the scratch database with one prepared statement per table. */
class ScratchWriter {
  readonly #statements = new Map<string, import('better-sqlite3').Statement>();
  constructor(private readonly db: import('better-sqlite3').Database) {}

  insert(table: string, row: Row): void {
    const columns = Object.keys(row);
    const id = `${table}(${columns.join(',')})`;
    let statement = this.#statements.get(id);
    if (statement === undefined) {
      statement = this.db.prepare(
        `INSERT OR IGNORE INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`,
      );
      this.#statements.set(id, statement);
    }
    statement.run(...columns.map((c) => row[c]));
  }
}

function loadRun(w: ScratchWriter, runDir: string, runId: string, experimentId: number, stats: FileStoreLoadStats) {
  const meta = readMeta(runDir);
  if (meta === undefined) return;
  const id = text(meta.run_uuid) ?? text(meta.run_id) ?? runId;
  const status = typeof meta.status === 'number' ? (RUN_STATUS.get(meta.status) ?? 'RUNNING') : text(meta.status);
  w.insert('runs', {
    run_uuid: id,
    name: text(meta.run_name) ?? text(meta.name),
    source_type: typeof meta.source_type === 'string' ? meta.source_type : 'LOCAL',
    source_name: text(meta.source_name) ?? '',
    entry_point_name: text(meta.entry_point_name) ?? '',
    user_id: text(meta.user_id),
    status: status ?? 'RUNNING',
    start_time: integer(meta.start_time),
    end_time: integer(meta.end_time),
    deleted_time: integer(meta.deleted_time),
    source_version: text(meta.source_version) ?? '',
    lifecycle_stage: text(meta.lifecycle_stage) ?? 'active',
    artifact_uri: text(meta.artifact_uri),
    experiment_id: experimentId,
  });
  stats.runs++;
  for (const [key, value] of keyFiles(join(runDir, 'params'))) w.insert('params', { key, value, run_uuid: id });
  for (const [key, value] of keyFiles(join(runDir, 'tags'))) w.insert('tags', { key, value, run_uuid: id });
  const metricsDir = join(runDir, 'metrics');
  for (const [key, content] of keyFiles(metricsDir)) {
    let latest: MetricLine | undefined;
    for (const point of metricLines(join(metricsDir, key), content, 2)) {
      const isNan = Number.isNaN(point.value);
      w.insert('metrics', {
        key,
        value: isNan ? 0 : point.value,
        timestamp: point.timestamp,
        run_uuid: id,
        step: point.step,
        is_nan: isNan ? 1 : 0,
      });
      stats.metricPoints++;
      // MLflow's latest value: the greatest (step, timestamp, value), NaN compared as 0.
      const cmp = (p: MetricLine) => [p.step, p.timestamp, Number.isNaN(p.value) ? 0 : p.value];
      if (latest === undefined || compareTuples(cmp(point), cmp(latest)) > 0) latest = point;
    }
    if (latest !== undefined) {
      const isNan = Number.isNaN(latest.value);
      w.insert('latest_metrics', {
        key,
        value: isNan ? 0 : latest.value,
        timestamp: latest.timestamp,
        step: latest.step,
        is_nan: isNan ? 1 : 0,
        run_uuid: id,
      });
    }
  }
  loadRunInputs(w, runDir, id);
}

function compareTuples(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) < (b[i] as number) ? -1 : 1;
  return 0;
}

function loadRunInputs(w: ScratchWriter, runDir: string, runId: string): void {
  const inputsDir = join(runDir, 'inputs');
  for (const inputId of subdirs(inputsDir)) {
    const meta = readMeta(join(inputsDir, inputId));
    if (meta === undefined) continue;
    const sourceType = text(meta.source_type) ?? 'DATASET';
    const sourceId = text(meta.source_id) ?? '';
    // The file store records a model input as MODEL -> RUN; the database as RUN_INPUT -> MODEL_INPUT.
    const row =
      sourceType === 'DATASET'
        ? { source_type: 'DATASET', source_id: sourceId, destination_type: 'RUN', destination_id: runId }
        : sourceType === 'MODEL'
          ? { source_type: 'RUN_INPUT', source_id: runId, destination_type: 'MODEL_INPUT', destination_id: sourceId }
          : undefined;
    if (row === undefined) continue;
    w.insert('inputs', { input_uuid: inputId, ...row, step: 0 });
    const tags = meta.tags;
    if (tags !== null && typeof tags === 'object') {
      for (const [name, value] of Object.entries(tags as Meta)) {
        w.insert('input_tags', { input_uuid: inputId, name, value: text(value) ?? '' });
      }
    }
  }
  const outputsDir = join(runDir, 'outputs');
  for (const modelId of subdirs(outputsDir)) {
    const meta = readMeta(join(outputsDir, modelId)) ?? {};
    w.insert('inputs', {
      input_uuid: `${runId}-output-${modelId}`,
      source_type: 'RUN_OUTPUT',
      source_id: runId,
      destination_type: 'MODEL_OUTPUT',
      destination_id: modelId,
      step: integer(meta.step) ?? 0,
    });
  }
}

function loadDatasets(w: ScratchWriter, experimentDir: string, experimentId: number): void {
  const datasetsDir = join(experimentDir, 'datasets');
  for (const datasetId of subdirs(datasetsDir)) {
    const meta = readMeta(join(datasetsDir, datasetId));
    if (meta === undefined) continue;
    w.insert('datasets', {
      dataset_uuid: text(meta.dataset_uuid) ?? datasetId,
      experiment_id: experimentId,
      name: text(meta.name) ?? '',
      digest: text(meta.digest) ?? '',
      dataset_source_type: text(meta.source_type) ?? '',
      dataset_source: text(meta.source) ?? '',
      dataset_schema: text(meta.schema),
      dataset_profile: text(meta.profile),
    });
  }
}

function loggedModelStatus(value: unknown): number {
  if (typeof value === 'number') return value;
  const name = (text(value) ?? '').replace(/^LOGGED_MODEL_/, '').replace(/^STATUS_/, '');
  return LOGGED_MODEL_STATUS.get(name) ?? 0;
}

function loadLoggedModels(w: ScratchWriter, experimentDir: string, experimentId: number): void {
  const modelsDir = join(experimentDir, 'models');
  for (const dirName of subdirs(modelsDir)) {
    const modelDir = join(modelsDir, dirName);
    const meta = readMeta(modelDir);
    if (meta === undefined) continue;
    const modelId = text(meta.model_id) ?? dirName;
    w.insert('logged_models', {
      model_id: modelId,
      experiment_id: experimentId,
      name: text(meta.name) ?? '',
      artifact_location: text(meta.artifact_location) ?? '',
      creation_timestamp_ms: integer(meta.creation_timestamp) ?? 0,
      last_updated_timestamp_ms: integer(meta.last_updated_timestamp) ?? integer(meta.creation_timestamp) ?? 0,
      status: loggedModelStatus(meta.status),
      lifecycle_stage: text(meta.lifecycle_stage) ?? 'active',
      model_type: text(meta.model_type),
      source_run_id: text(meta.source_run_id),
      status_message: text(meta.status_message),
    });
    const common = { model_id: modelId, experiment_id: experimentId };
    for (const [key, value] of keyFiles(join(modelDir, 'params')))
      w.insert('logged_model_params', { ...common, param_key: key, param_value: value });
    for (const [key, value] of keyFiles(join(modelDir, 'tags')))
      w.insert('logged_model_tags', { ...common, tag_key: key, tag_value: value });
    const metricsDir = join(modelDir, 'metrics');
    for (const [key, content] of keyFiles(metricsDir)) {
      for (const point of metricLines(join(metricsDir, key), content, 4)) {
        w.insert('logged_model_metrics', {
          ...common,
          metric_name: key,
          metric_timestamp_ms: point.timestamp,
          metric_step: point.step,
          metric_value: point.value,
          run_id: point.rest[0] ?? '',
          dataset_name: point.rest[1] ?? null,
          dataset_digest: point.rest[2] ?? null,
        });
      }
    }
  }
}

function loadExperiment(w: ScratchWriter, experimentDir: string, dirName: string, stats: FileStoreLoadStats): void {
  const meta = readMeta(experimentDir);
  if (meta === undefined) return;
  const id = Number(text(meta.experiment_id) ?? dirName);
  if (!Number.isSafeInteger(id)) {
    throw new Error(
      `Cannot read ${join(experimentDir, 'meta.yaml')}: experiment_id '${meta.experiment_id}' is not an integer.`,
    );
  }
  w.insert('experiments', {
    experiment_id: id,
    name: text(meta.name) ?? `experiment_${id}`,
    artifact_location: text(meta.artifact_location),
    lifecycle_stage: text(meta.lifecycle_stage) ?? 'active',
    creation_time: integer(meta.creation_time),
    last_update_time: integer(meta.last_update_time),
  });
  stats.experiments++;
  for (const [key, value] of keyFiles(join(experimentDir, 'tags')))
    w.insert('experiment_tags', { key, value, experiment_id: id });
  loadDatasets(w, experimentDir, id);
  for (const runId of subdirs(experimentDir)) {
    if (!EXPERIMENT_FOLDERS.has(runId)) loadRun(w, join(experimentDir, runId), runId, id, stats);
  }
  loadLoggedModels(w, experimentDir, id);
}

function loadRegistry(w: ScratchWriter, root: string, stats: FileStoreLoadStats): void {
  const modelsDir = join(root, 'models');
  for (const dirName of subdirs(modelsDir)) {
    const modelDir = join(modelsDir, dirName);
    const meta = readMeta(modelDir);
    if (meta === undefined) continue;
    const name = text(meta.name) ?? dirName;
    w.insert('registered_models', {
      name,
      creation_time: integer(meta.creation_timestamp),
      last_updated_time: integer(meta.last_updated_timestamp),
      description: text(meta.description),
    });
    stats.registeredModels++;
    for (const [key, value] of keyFiles(join(modelDir, 'tags')))
      w.insert('registered_model_tags', { key, value, name });
    for (const versionDir of subdirs(modelDir).filter((d) => d.startsWith('version-'))) {
      const v = readMeta(join(modelDir, versionDir));
      const version = integer(v?.version);
      if (v === undefined || version === null) continue;
      w.insert('model_versions', {
        name,
        version,
        creation_time: integer(v.creation_timestamp),
        last_updated_time: integer(v.last_updated_timestamp),
        description: text(v.description),
        user_id: text(v.user_id),
        current_stage: text(v.current_stage) ?? 'None',
        source: text(v.source),
        storage_location: text(v.storage_location),
        run_id: text(v.run_id),
        run_link: text(v.run_link),
        status: text(v.status) ?? 'READY',
        status_message: text(v.status_message),
      });
      for (const [key, value] of keyFiles(join(modelDir, versionDir, 'tags')))
        w.insert('model_version_tags', { key, value, name, version });
    }
    for (const [alias, value] of keyFiles(join(modelDir, 'aliases'))) {
      const version = integer(value.trim());
      if (version !== null) w.insert('registered_model_aliases', { alias, version, name });
    }
  }
}

/**
 * Loads the file store at `root` into a new SQLite file of MLflow's schema in a scratch
 * directory, and returns its path and how to remove it.
 *
 * @example
 * const scratch = loadMlflowFileStore('/data/mlruns');
 * // ... read `sqlite:///${scratch.file}` ...
 * scratch.remove();
 */
export async function loadMlflowFileStore(
  root: string,
): Promise<{ file: string; stats: FileStoreLoadStats; remove(): void }> {
  if (!statSync(root, { throwIfNoEntry: false })?.isDirectory()) throw new Error(`No MLflow file store at ${root}.`);
  const dir = mkdtempSync(join(tmpdir(), 'keel-mlruns-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  const file = join(dir, 'mlflow.db');
  const stats: FileStoreLoadStats = { experiments: 0, runs: 0, metricPoints: 0, registeredModels: 0 };
  const { default: Database } = await import('better-sqlite3');
  const db = new Database(file);
  try {
    // A scratch copy: nothing to protect against power loss, and MLflow leaves foreign keys off.
    db.pragma('journal_mode = OFF');
    db.pragma('synchronous = OFF');
    db.pragma('foreign_keys = OFF');
    db.exec(MLFLOW_SQL_SCHEMA);
    const writer = new ScratchWriter(db);
    db.transaction(() => {
      for (const parent of [root, join(root, '.trash')]) {
        for (const name of subdirs(parent)) {
          if (parent === root && (name === 'models' || name === '.trash')) continue;
          loadExperiment(writer, join(parent, name), name, stats);
        }
      }
      loadRegistry(writer, root, stats);
    })();
    db.close();
    return { file, stats, remove };
  } catch (error) {
    if (db.open) db.close();
    remove();
    throw error;
  }
}
