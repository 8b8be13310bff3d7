/**
 * One resolver for every way of naming a model (registry-api.md §7): `models:/<name>/<version>`,
 * `models:/<name>/<stage>`, `models:/<name>/latest`, `models:/<name>@<alias>`, `models:/m-<id>`,
 * `runs:/<run_id>/<path>` and plain artifact URIs, each to a URI its artifacts can be downloaded
 * from. It talks to a narrow `ModelUriClient`, so the SDK/CLI (over HTTP) and the server (over
 * its stores) share it.
 */
import type { ModelVersion } from './entities/registry.js';
import type { LoggedModel, Run } from './entities/tracking.js';
import { invalidParameter, notFound } from './errors.js';
import { appendToUri, uriScheme } from './uri.js';

/** The registry and tracking calls resolution needs; each throws its API's errors (404 ...). */
export interface ModelUriClient {
  getModelVersionDownloadUri(name: string, version: string): Promise<string>;
  /** Newest version per stage (all stages when `stages` is absent). */
  getLatestVersions(name: string, stages?: readonly string[]): Promise<readonly ModelVersion[]>;
  getModelVersionByAlias(name: string, alias: string): Promise<ModelVersion>;
  getLoggedModel(modelId: string): Promise<LoggedModel>;
  getRun(runId: string): Promise<Run>;
  searchLoggedModels(input: {
    readonly experiment_ids: readonly string[];
    readonly filter?: string;
    readonly max_results?: number;
    readonly page_token?: string;
  }): Promise<{ readonly models: readonly LoggedModel[]; readonly next_page_token?: string }>;
}

/**
 * Optional ability: telling whether anything exists at an artifact URI. With it, `runs:/` URIs
 * follow MLflow's order exactly (run artifacts first, logged model by name second); without it
 * a logged model of that name produced by the run wins over the run path.
 */
export interface ArtifactProbe {
  artifactExists(uri: string): Promise<boolean>;
}

/** Whether a client can probe artifact existence. */
export function canProbeArtifacts(client: ModelUriClient): client is ModelUriClient & ArtifactProbe {
  return typeof (client as Partial<ArtifactProbe>).artifactExists === 'function';
}

/** What a model URI names. `path` is a sub-path inside the model ('' for the model itself). */
export type ParsedModelUri =
  | { readonly kind: 'version'; readonly name: string; readonly version: string; readonly path: string }
  | { readonly kind: 'stage'; readonly name: string; readonly stage: string; readonly path: string }
  | { readonly kind: 'latest'; readonly name: string; readonly path: string }
  | { readonly kind: 'alias'; readonly name: string; readonly alias: string; readonly path: string }
  | { readonly kind: 'logged-model'; readonly modelId: string; readonly path: string }
  | { readonly kind: 'run'; readonly runId: string; readonly path: string }
  | { readonly kind: 'artifact'; readonly uri: string };

/** The outcome of resolution. */
export interface ResolvedModelUri {
  /** The URI as given. */
  readonly uri: string;
  readonly parsed: ParsedModelUri;
  /** Where to download from: an `s3://`, `mlflow-artifacts:`, `file:` ... URI or a local path. */
  readonly artifactUri: string;
  /** The registered version it led to, for `models:/<name>...` forms. */
  readonly registered?: { readonly name: string; readonly version: string };
  /** The logged model it led to (`models:/m-...`, or a `runs:/` URI that fell back to one). */
  readonly modelId?: string;
  /** The run, for `runs:/` URIs. */
  readonly runId?: string;
}

function improperModelsUri(uri: string): Error {
  return invalidParameter(
    `Not a proper models:/ URI: ${uri}. Models URIs must be of the form 'models:/model_name/suffix' or 'models:/model_name@alias' where suffix is a model version, stage, or the string 'latest' and where alias is a registered model alias. Only one of suffix or alias can be defined at a time.`,
  );
}

/**
 * Parses a model URI without any I/O. `models:/` accepts a sub-path after the model part
 * (`models:/iris/3/MLmodel`, `models:/iris@champion/data`); `runs:/` needs a run ID.
 *
 * @example
 * parseModelUri('models:/iris@champion') // { kind: 'alias', name: 'iris', alias: 'champion', path: '' }
 */
export function parseModelUri(uri: string): ParsedModelUri {
  const scheme = uriScheme(uri);
  if (scheme === 'models') return parseModelsUri(uri);
  if (scheme === 'runs') return parseRunsUri(uri);
  return { kind: 'artifact', uri };
}

function parseModelsUri(uri: string): ParsedModelUri {
  const rest = uri.slice('models:'.length).split(/[?#]/, 1)[0] ?? '';
  // `models://<profile>@databricks/...` selects a remote Databricks registry.
  if (rest.startsWith('//')) {
    throw invalidParameter(`Remote model registries are not supported in model URIs: ${uri}`);
  }
  if (!rest.startsWith('/')) throw improperModelsUri(uri);
  const segments = rest.slice(1).split('/');
  const first = segments[0] ?? '';
  if (first === '') throw improperModelsUri(uri);
  if (first.includes('@')) {
    const at = first.lastIndexOf('@');
    const name = first.slice(0, at);
    const alias = first.slice(at + 1);
    if (name === '' || alias === '') throw improperModelsUri(uri);
    return { kind: 'alias', name, alias, path: subPath(segments.slice(1)) };
  }
  if (segments.length === 1 || (segments.length === 2 && segments[1] === '')) {
    return { kind: 'logged-model', modelId: first, path: '' };
  }
  const suffix = segments[1] as string;
  if (suffix === '') throw improperModelsUri(uri);
  const path = subPath(segments.slice(2));
  if (/^\d+$/.test(suffix)) return { kind: 'version', name: first, version: suffix, path };
  if (suffix.toLowerCase() === 'latest') return { kind: 'latest', name: first, path };
  return { kind: 'stage', name: first, stage: suffix, path };
}

function parseRunsUri(uri: string): ParsedModelUri {
  const rest = uri.slice('runs:'.length).split(/[?#]/, 1)[0] ?? '';
  const match = /^\/+([^/]+)(?:\/(.*))?$/.exec(rest);
  if (match === null) {
    throw invalidParameter(
      `Not a proper runs:/ URI: ${uri}. Runs URIs must be of the form 'runs:/<run_id>/run-relative/path/to/artifact'`,
    );
  }
  return { kind: 'run', runId: match[1] as string, path: subPath((match[2] ?? '').split('/')) };
}

function subPath(segments: readonly string[]): string {
  return segments.filter((s) => s !== '').join('/');
}

/**
 * Resolves a model URI to a downloadable artifact URI. Failures name what was missing
 * (`No versions of model with name 'iris' and stage 'Production' found`); errors of the
 * client's calls (unknown model, version, run) pass through unchanged.
 *
 * @example
 * const { artifactUri } = await resolveModelUri('models:/iris@champion', client);
 */
export async function resolveModelUri(uri: string, client: ModelUriClient): Promise<ResolvedModelUri> {
  const parsed = parseModelUri(uri);
  switch (parsed.kind) {
    case 'artifact':
      return { uri, parsed, artifactUri: uri };
    case 'logged-model': {
      const model = await client.getLoggedModel(parsed.modelId);
      return { uri, parsed, artifactUri: model.info.artifact_uri, modelId: model.info.model_id };
    }
    case 'run':
      return resolveRunUri(uri, parsed, client);
    default: {
      const version = await registeredVersion(parsed, client);
      const base = await client.getModelVersionDownloadUri(parsed.name, version);
      return {
        uri,
        parsed,
        artifactUri: appendToUri(base, parsed.path),
        registered: { name: parsed.name, version },
      };
    }
  }
}

/** The version number a `models:/<name>...` URI designates. */
async function registeredVersion(
  parsed: Extract<ParsedModelUri, { name: string }>,
  client: ModelUriClient,
): Promise<string> {
  switch (parsed.kind) {
    case 'version':
      return parsed.version;
    case 'alias':
      return (await client.getModelVersionByAlias(parsed.name, parsed.alias)).version;
    case 'stage':
    case 'latest': {
      const stage = parsed.kind === 'stage' ? parsed.stage : undefined;
      const versions = await client.getLatestVersions(parsed.name, stage === undefined ? undefined : [stage]);
      const newest = versions.reduce<ModelVersion | undefined>(
        (best, v) => (best === undefined || Number(v.version) > Number(best.version) ? v : best),
        undefined,
      );
      if (newest === undefined) {
        const stageText = stage === undefined ? '' : ` and stage '${stage}'`;
        throw notFound(`No versions of model with name '${parsed.name}'${stageText} found`);
      }
      return newest.version;
    }
  }
}

async function resolveRunUri(
  uri: string,
  parsed: Extract<ParsedModelUri, { kind: 'run' }>,
  client: ModelUriClient,
): Promise<ResolvedModelUri> {
  const run = await client.getRun(parsed.runId);
  const runPath = appendToUri(run.info.artifact_uri, parsed.path);
  const inRun = { uri, parsed, artifactUri: runPath, runId: parsed.runId };
  if (parsed.path === '') return inRun;
  const probe = canProbeArtifacts(client) ? client : undefined;
  if (probe !== undefined && (await probe.artifactExists(runPath))) return inRun;
  // MLflow 3 logs models outside the run: the first segment may be a logged model's name.
  const [name = '', ...rest] = parsed.path.split('/');
  const model = await loggedModelOfRun(client, run, name);
  if (model !== undefined) {
    return {
      uri,
      parsed,
      artifactUri: appendToUri(model.info.artifact_uri, ...rest),
      runId: parsed.runId,
      modelId: model.info.model_id,
    };
  }
  if (probe === undefined) return inRun;
  throw notFound(
    `No artifacts at '${runPath}' and no logged model named '${name}' produced by run '${parsed.runId}' (from '${uri}')`,
  );
}

// Logged model names cannot contain these, so such a segment cannot name one (and never needs quoting).
const NOT_A_MODEL_NAME = /[/:.%"']/;
const SEARCH_PAGE_LIMIT = 20;

/**
 * The run's logged model called `name`; when several, the one recorded at the highest step in
 * the run's outputs (then the newest), as MLflow picks.
 */
async function loggedModelOfRun(client: ModelUriClient, run: Run, name: string): Promise<LoggedModel | undefined> {
  if (name === '' || NOT_A_MODEL_NAME.test(name)) return undefined;
  const candidates: LoggedModel[] = [];
  let token: string | undefined;
  for (let page = 0; page < SEARCH_PAGE_LIMIT; page++) {
    const result = await client.searchLoggedModels({
      experiment_ids: [run.info.experiment_id],
      filter: `name = '${name}'`,
      ...(token === undefined ? {} : { page_token: token }),
    });
    for (const model of result.models) {
      if (model.info.source_run_id === run.info.run_id && model.info.name === name) candidates.push(model);
    }
    token = result.next_page_token;
    if (!token) break;
  }
  const steps = new Map((run.outputs?.model_outputs ?? []).map((o) => [o.model_id, o.step]));
  const rank = (m: LoggedModel) => steps.get(m.info.model_id) ?? Number.NEGATIVE_INFINITY;
  candidates.sort((a, b) => rank(b) - rank(a) || b.info.creation_timestamp_ms - a.info.creation_timestamp_ms);
  return candidates[0];
}
