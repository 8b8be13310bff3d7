/**
 * The `MLmodel` file (models.md §2): reading it with a safe YAML schema (plain data only: no
 * tags, so no `!!python/object`), checking the keys Keel relies on, keeping every other key as
 * is, and writing it back the way MLflow's `yaml.safe_dump` does (sorted keys, the creation time
 * quoted so YAML 1.1 readers keep it a string).
 */
import { randomUUID } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { invalidParameter, MLFLOW_COMPAT_VERSION, type MlflowError, notFound } from '@keel/contract';
import { parseDocument, stringify } from 'yaml';
import { type ModelSignature, signatureFromMlModel, signatureToMlModel } from './signature/schema.js';

/** The file name of the descriptor (exact, case-sensitive, no extension). */
export const MLMODEL_FILE = 'MLmodel';

/** A flavor's configuration block. */
export type FlavorConfig = Readonly<Record<string, unknown>>;

/**
 * An `MLmodel` in its wire shape (MLflow's key names). Unknown keys are kept.
 *
 * @example
 * const mlmodel = await readMlModel('/tmp/model');
 * Object.keys(mlmodel.flavors); // ['python_function', 'sklearn']
 */
export interface MlModel {
  readonly artifact_path?: string;
  readonly flavors: Readonly<Record<string, FlavorConfig>>;
  readonly mlflow_version?: string;
  readonly model_uuid?: string;
  readonly model_id?: string;
  readonly run_id?: string;
  readonly utc_time_created?: string;
  readonly signature?: {
    readonly inputs?: string | null;
    readonly outputs?: string | null;
    readonly params?: string | null;
  };
  readonly is_signature_from_type_hint?: boolean;
  readonly type_hint_from_example?: boolean;
  readonly saved_input_example_info?: Readonly<Record<string, unknown>>;
  readonly model_size_bytes?: number;
  readonly metadata?: Readonly<Record<string, unknown>>;
  readonly env_vars?: readonly string[];
  readonly [key: string]: unknown;
}

/** Most aliases a file may expand (a "billion laughs" document is refused). */
const MAX_ALIAS_COUNT = 100;

function invalid(source: string, message: string): MlflowError {
  return invalidParameter(`Invalid MLmodel file ${source}: ${message}`);
}

function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Parses `MLmodel` text. `source` names the file in error messages.
 *
 * @example
 * parseMlModel('flavors:\n  onnx: {data: model.onnx}\n').flavors.onnx; // { data: 'model.onnx' }
 */
export function parseMlModel(text: string, source = MLMODEL_FILE): MlModel {
  const doc = parseDocument(text, { schema: 'core', uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) throw invalid(source, `not valid YAML (${doc.errors[0]?.message.split('\n')[0]})`);
  const tagWarning = doc.warnings.find((w) => w.code === 'TAG_RESOLVE_FAILED');
  if (tagWarning !== undefined) {
    throw invalid(source, `YAML tags are not allowed (${tagWarning.message.split('\n')[0]})`);
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    throw invalid(source, (error as Error).message);
  }
  return validateMlModel(value, source);
}

function checkType(model: Record<string, unknown>, key: string, type: string, source: string): void {
  const value = model[key];
  if (value === undefined || value === null) return;
  const ok = type === 'mapping' ? isMapping(value) : type === 'list' ? Array.isArray(value) : typeof value === type;
  if (!ok) throw invalid(source, `'${key}' must be a ${type}`);
}

/** Checks the shape of a decoded `MLmodel` mapping. */
export function validateMlModel(value: unknown, source = MLMODEL_FILE): MlModel {
  if (!isMapping(value)) throw invalid(source, 'the document must be a mapping');
  const flavors = value.flavors ?? {};
  if (!isMapping(flavors)) throw invalid(source, "'flavors' must be a mapping of flavor name to its configuration");
  for (const [name, config] of Object.entries(flavors)) {
    if (config !== null && !isMapping(config)) throw invalid(source, `flavor '${name}' must be a mapping`);
  }
  for (const key of ['artifact_path', 'mlflow_version', 'model_uuid', 'model_id', 'run_id']) {
    checkType(value, key, 'string', source);
  }
  for (const key of ['signature', 'saved_input_example_info', 'metadata']) checkType(value, key, 'mapping', source);
  checkType(value, 'env_vars', 'list', source);
  // Validates the signature now, so a broken one fails at load rather than on the first request.
  signatureFromMlModel(value.signature);
  const normalized: Record<string, unknown> = { ...value };
  // An unquoted creation time may have been read as something else by another writer; keep text.
  if (normalized.utc_time_created !== undefined && normalized.utc_time_created !== null) {
    normalized.utc_time_created = String(normalized.utc_time_created);
  }
  normalized.flavors = Object.fromEntries(Object.entries(flavors).map(([k, v]) => [k, v ?? {}]));
  return normalized as unknown as MlModel;
}

/** Reads and validates `<dir>/MLmodel`. */
export async function readMlModel(dir: string): Promise<MlModel> {
  const path = join(dir, MLMODEL_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw notFound(`No MLmodel file in ${dir}: this directory is not an MLflow model`);
    }
    throw error;
  }
  return parseMlModel(text, path);
}

/** The signature declared in an `MLmodel`, if any. */
export function signatureOf(model: MlModel): ModelSignature | undefined {
  return signatureFromMlModel(model.signature);
}

/** MLmodel text as MLflow writes it (sorted keys; strings YAML 1.1 would read as another type are quoted). */
export function serializeMlModel(model: MlModel): string {
  const clean = JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
  return stringify(clean, { version: '1.1', sortMapEntries: true, lineWidth: 0 });
}

/** Writes `<dir>/MLmodel`. */
export async function writeMlModel(dir: string, model: MlModel): Promise<void> {
  await writeFile(join(dir, MLMODEL_FILE), serializeMlModel(model));
}

/** MLflow's `utc_time_created` text: `YYYY-MM-DD HH:MM:SS.ffffff`, UTC, no zone suffix. */
export function utcTimeCreated(date: Date = new Date()): string {
  return `${date.toISOString().replace('T', ' ').replace('Z', '')}000`;
}

/** A new model UUID: 32 hex digits. */
export function newModelUuid(): string {
  return randomUUID().replaceAll('-', '');
}

/**
 * A new `MLmodel` for `flavors`, with the signature (if any) in MLflow's JSON-string form.
 *
 * @example
 * createMlModel({ onnx: { data: 'model.onnx' } }, { signature });
 */
export function createMlModel(
  flavors: Readonly<Record<string, FlavorConfig>>,
  options: {
    readonly signature?: ModelSignature;
    readonly runId?: string;
    readonly artifactPath?: string;
    readonly modelId?: string;
    readonly metadata?: Readonly<Record<string, unknown>>;
    readonly extra?: Readonly<Record<string, unknown>>;
  } = {},
): MlModel {
  return {
    ...(options.artifactPath === undefined ? {} : { artifact_path: options.artifactPath }),
    flavors,
    mlflow_version: MLFLOW_COMPAT_VERSION,
    model_uuid: options.modelId ?? newModelUuid(),
    ...(options.modelId === undefined ? {} : { model_id: options.modelId }),
    ...(options.runId === undefined ? {} : { run_id: options.runId }),
    utc_time_created: utcTimeCreated(),
    ...(options.signature === undefined
      ? {}
      : {
          signature: signatureToMlModel(options.signature),
          is_signature_from_type_hint: false,
          type_hint_from_example: false,
        }),
    ...(options.metadata === undefined ? {} : { metadata: options.metadata }),
    ...options.extra,
  };
}
