/**
 * Fetching a model directory by URI (models.md §7): a local path or `file:` URI is used where it
 * is; `runs:/`, `models:/<name>/<version|stage|latest>`, `models:/<name>@<alias>`,
 * `models:/m-<id>` and artifact URIs are resolved with the contract's one resolver and
 * downloaded into a directory.
 */
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ArtifactProbe, notFound, parseModelUri, type ResolvedModelUri, resolveModelUri } from '@keel/contract';
import { resolveArtifactStore } from '../artifacts/artifact-resolver.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import { isLocalArtifactUri } from '../artifacts/artifact-uri.js';
import { DEFAULT_MULTIPART } from '../artifacts/proxy-artifact-store.js';
import type { KeelClient } from '../client/keel-client.js';
import { modelUriClientFor } from '../registry/model-uri-client.js';
import { type DownloadProgress, downloadFromStore } from './file-artifacts.js';
import { LocalArtifactStore } from './local-artifact-store.js';

/** Options of `downloadModel`. */
export interface DownloadModelOptions {
  /** Directory to download into (default: a new temporary directory). */
  readonly dst?: string;
  readonly onProgress?: (progress: DownloadProgress) => void;
  readonly signal?: AbortSignal;
}

/** A model directory on local disk. */
export interface LocalModel {
  /** The directory holding `MLmodel`. */
  readonly dir: string;
  /** How the URI resolved (registered version, logged model, run). */
  readonly resolved: ResolvedModelUri;
  /** Whether `dir` was created by the download (and can be removed with `remove`). */
  readonly temporary: boolean;
  /** Removes a temporary download (a no-op for local models). */
  remove(): Promise<void>;
}

/** Whether a model URI names a directory on this machine. */
export function isLocalModelUri(uri: string): boolean {
  return parseModelUri(uri).kind === 'artifact' && isLocalArtifactUri(uri);
}

function storeFor(client: KeelClient, uri: string): ArtifactStore {
  return resolveArtifactStore(uri, {
    transport: client.transport,
    trackingUri: client.config.trackingUri,
    multipart: DEFAULT_MULTIPART,
    local: (root) => new LocalArtifactStore(root),
  });
}

/** Whether anything exists at an artifact URI, by listing its parent (the resolver's probe). */
function probe(client: KeelClient): ArtifactProbe {
  return {
    async artifactExists(uri) {
      const trimmed = uri.replace(/\/+$/, '');
      const slash = trimmed.lastIndexOf('/');
      if (slash < 0) return true;
      const name = trimmed.slice(slash + 1);
      let parent = trimmed.slice(0, slash);
      if (/^[a-zA-Z][a-zA-Z0-9+.-]*:\/*$/.test(`${parent}/`) || parent === '') parent = `${parent}/`;
      try {
        return (await storeFor(client, parent).list('')).some((e) => e.path === name);
      } catch {
        // A root this client cannot list: trust the run's path, as MLflow 2 did.
        return true;
      }
    },
  };
}

/**
 * Resolves `uri` and makes its model available as a local directory.
 *
 * @example
 * const model = await downloadModel(client, 'models:/churn@champion');
 * console.log(model.dir, model.resolved.registered?.version);
 * await model.remove();
 */
export async function downloadModel(
  client: KeelClient | undefined,
  uri: string,
  options: DownloadModelOptions = {},
): Promise<LocalModel> {
  const parsed = parseModelUri(uri);
  if (parsed.kind === 'artifact' && isLocalArtifactUri(uri)) {
    const dir = uri.startsWith('file:') ? fileURLToPath(uri) : resolve(uri);
    const info = await stat(dir).catch(() => undefined);
    if (info === undefined) throw notFound(`No model at ${uri}: ${dir} does not exist`);
    return { dir, resolved: { uri, parsed, artifactUri: uri }, temporary: false, remove: async () => {} };
  }
  if (client === undefined) {
    throw notFound(`The model URI ${uri} needs a tracking server (set --tracking-uri or MLFLOW_TRACKING_URI)`);
  }
  const resolved = await resolveModelUri(uri, { ...modelUriClientFor(client, options), ...probe(client) });
  const store = storeFor(client, resolved.artifactUri);
  const files = await store.list('');
  if (files.length === 0) throw notFound(`No model files at ${resolved.artifactUri} (from ${uri})`);
  const dst = options.dst === undefined ? await mkdtemp(join(tmpdir(), 'keel-model-')) : resolve(options.dst);
  const temporary = options.dst === undefined;
  try {
    await downloadFromStore(store, '', dst, {
      ...(options.onProgress === undefined ? {} : { onProgress: options.onProgress }),
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    if (resolved.registered !== undefined) {
      // MLflow's client notes which registered version a download is (JSON strings are valid YAML).
      const { name, version } = resolved.registered;
      await writeFile(
        join(dst, 'registered_model_meta'),
        `model_name: ${JSON.stringify(name)}\nmodel_version: ${JSON.stringify(version)}\n`,
      );
    }
  } catch (error) {
    if (temporary) await rm(dst, { recursive: true, force: true });
    throw error;
  }
  return {
    dir: dst,
    resolved,
    temporary,
    remove: async () => {
      if (temporary) await rm(dst, { recursive: true, force: true });
    },
  };
}
