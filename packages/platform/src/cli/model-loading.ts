/**
 * What `keel models serve|predict|generate-dockerfile` share: the model options, fetching the
 * model named by `-m` (a local directory is used in place; registry, run and logged-model URIs
 * are downloaded through the tracking server), and loading it with the flavor registry.
 */
import type { KeelClient, LocalModel } from '@keel/client/node';
import type { ParsedModelUri } from '@keel/contract';
import type { Command } from 'commander';
import { readEnv } from '../config/env.js';
import type { LoadedModel } from '../models/load-model.js';
import type { ServedModelInfo } from '../models/scoring/model-slot.js';
import { type CliContext, type ClientFlags, DEFAULT_CLI_TRACKING_URI, openClient } from './connect.js';
import { positiveInt } from './options.js';

/** Options of the commands that load a model. */
export interface ModelFlags extends ClientFlags {
  readonly modelUri: string;
  readonly envManager?: string;
  readonly python?: string;
  readonly flavor?: string;
}

export const MODEL_URI_HELP =
  'the model: a local directory, runs:/<run_id>/<path>, models:/<name>/<version|stage|latest>, models:/<name>@<alias>, models:/m-<id>, or an artifact URI';

/** Adds `--tracking-uri` (where registry, run and logged-model URIs are resolved). */
export function addTrackingUriOption(command: Command): Command {
  return command.option(
    '--tracking-uri <uri>',
    `tracking server (or local store) that resolves runs:/ and models:/ URIs (env MLFLOW_TRACKING_URI) [default: ${DEFAULT_CLI_TRACKING_URI}]`,
  );
}

/** Adds `-m`, `--env-manager`, `--python`, `--flavor` and `--tracking-uri`. */
export function addModelOptions(command: Command): Command {
  return addTrackingUriOption(
    command
      .requiredOption('-m, --model-uri <uri>', MODEL_URI_HELP)
      .option(
        '--env-manager <name>',
        "environment of python_function models: local (the interpreter given by --python, as is), or virtualenv, uv, conda (created from the model's python_env.yaml / conda.yaml, cached under MLFLOW_ENV_ROOT) [default: local]",
      )
      .option('--python <path>', 'Python interpreter of --env-manager local (env KEEL_PYTHON) [default: python3]')
      .option(
        '--flavor <name>',
        'load with this flavor instead of the first one Keel can run (onnx, js_function, python_function)',
      ),
  );
}

/** Parser of `--workers`. */
export { positiveInt };

/** The model fetched to local disk, with what its URI resolved to. */
export interface FetchedModel {
  readonly local: LocalModel;
  readonly info: Omit<ServedModelInfo, 'flavor'>;
  readonly parsed: ParsedModelUri;
}

/** Fetches `uri` (downloading it unless it is a local directory); `client` is opened only when needed. */
export async function fetchModel(
  uri: string,
  flags: ClientFlags,
  context: CliContext,
  onProgress?: (bytes: number, total: number) => void,
): Promise<FetchedModel> {
  const { downloadModel, isLocalModelUri } = await import('@keel/client/node');
  let client: KeelClient | undefined;
  try {
    if (!isLocalModelUri(uri)) client = await openClient(flags, context);
    const local = await downloadModel(client, uri, {
      ...(onProgress === undefined ? {} : { onProgress: (p) => onProgress(p.bytes, p.totalBytes) }),
    });
    const parsed = local.resolved.parsed;
    return {
      local,
      parsed,
      info: {
        uri,
        ...(local.resolved.registered === undefined ? {} : local.resolved.registered),
        ...(parsed.kind === 'alias' ? { alias: parsed.alias } : {}),
        ...(local.resolved.modelId === undefined ? {} : { modelId: local.resolved.modelId }),
        ...(local.resolved.runId === undefined ? {} : { runId: local.resolved.runId }),
      },
    };
  } finally {
    await client?.close();
  }
}

/** The runtime options of the flavor registry, from the flags and the environment. */
export function runtimeOptions(
  flags: ModelFlags,
  context: CliContext,
  extra: { readonly onnxThreads?: number; readonly log?: (line: string) => void } = {},
) {
  const python = flags.python ?? readEnv(context.env, 'KEEL_PYTHON');
  return {
    envManager: flags.envManager ?? 'local',
    ...(python === undefined ? {} : { python }),
    env: context.env,
    ...extra,
  };
}

/** Fetches and loads a model. The caller closes the model and removes the download. */
export async function openModel(
  flags: ModelFlags,
  context: CliContext,
  options: { readonly onnxThreads?: number; readonly log: (line: string) => void },
): Promise<{ loaded: LoadedModel; fetched: FetchedModel }> {
  const fetched = await fetchModel(flags.modelUri, flags, context);
  try {
    const [{ createFlavorRegistry }, { loadModelDirectory }] = await Promise.all([
      import('../models/compose.js'),
      import('../models/load-model.js'),
    ]);
    const flavors = createFlavorRegistry(runtimeOptions(flags, context, options));
    const loaded = await loadModelDirectory(fetched.local.dir, {
      flavors,
      warn: options.log,
      ...(flags.flavor === undefined ? {} : { flavor: flags.flavor }),
    });
    return { loaded, fetched };
  } catch (error) {
    await fetched.local.remove();
    throw error;
  }
}

/** A log function that prints each distinct message once (batch scoring warns per chunk otherwise). */
export function onceLogger(write: (line: string) => void): (line: string) => void {
  const seen = new Set<string>();
  return (line) => {
    if (seen.has(line)) return;
    seen.add(line);
    if (seen.size > 1000) seen.clear();
    write(line);
  };
}
