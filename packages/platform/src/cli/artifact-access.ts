/**
 * Artifacts from the command line, as MLflow's CLI reaches them: on the client side, through
 * the store behind each artifact root (the tracking server's proxy for `mlflow-artifacts:`
 * roots, the disk for local roots). `runs:/` and `models:/` URIs go through the platform's one
 * model URI resolver, fed by the SDK client.
 */
import { type ArtifactStore, type KeelClient, modelUriClientFor } from '@keel/client';
import { type ArtifactProbe, type ModelUriClient, parseModelUri, resolveModelUri } from '@keel/contract';
import type { CliContext } from './connect.js';

/** The store behind an artifact root URI, with the multipart settings of the environment. */
export async function artifactStoreFor(client: KeelClient, uri: string, context: CliContext): Promise<ArtifactStore> {
  const {
    DEFAULT_MULTIPART,
    LocalArtifactStore,
    readClientEnv,
    resolveArtifactStore,
    S3StoreOpener,
    s3StoreSettingsFromEnv,
  } = await import('@keel/client/node');
  const threshold = readClientEnv(context.env, 'MLFLOW_MULTIPART_UPLOAD_MINIMUM_FILE_SIZE');
  const part = readClientEnv(context.env, 'MLFLOW_MULTIPART_UPLOAD_CHUNK_SIZE');
  return resolveArtifactStore(uri, {
    transport: client.transport,
    trackingUri: client.config.trackingUri,
    multipart: {
      ...DEFAULT_MULTIPART,
      ...(threshold === undefined ? {} : { thresholdBytes: threshold }),
      ...(part === undefined ? {} : { partBytes: part }),
    },
    local: (root) => new LocalArtifactStore(root),
    // A CLI command is one short process: the opener (and its connections) lives as long as it.
    remote: new Map([['s3', (root: string) => new S3StoreOpener(s3StoreSettingsFromEnv(context.env)).open(root)]]),
  });
}

/** The store of a run's artifact root. */
export async function runArtifactStore(client: KeelClient, runId: string, context: CliContext): Promise<ArtifactStore> {
  const { run } = await client.getRun({ run_id: runId });
  return artifactStoreFor(client, run.info.artifact_uri, context);
}

/**
 * Splits an artifact URI into its parent and its last segment:
 * `mlflow-artifacts:/1/abc/artifacts/model` -> `mlflow-artifacts:/1/abc/artifacts` + `model`.
 */
export function splitArtifactUri(uri: string): { parent: string; name: string } {
  const trimmed = uri.replace(/\/+$/, '');
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return { parent: '.', name: trimmed };
  const name = trimmed.slice(slash + 1);
  const parent = trimmed.slice(0, slash + 1);
  // A bare scheme or filesystem root keeps its slashes (`mlflow-artifacts:/`, `/`).
  const isRoot = parent === '/' || /^[a-zA-Z][a-zA-Z0-9+.-]*:\/*$/.test(parent);
  return { parent: isRoot ? parent : parent.replace(/\/+$/, ''), name };
}

/** The resolver's client over the SDK, with an existence probe so `runs:/` follows MLflow's order. */
function modelUriClient(client: KeelClient, context: CliContext): ModelUriClient & ArtifactProbe {
  return {
    ...modelUriClientFor(client),
    async artifactExists(uri) {
      const { parent, name } = splitArtifactUri(uri);
      let store: ArtifactStore;
      try {
        store = await artifactStoreFor(client, parent, context);
      } catch {
        // A root this client cannot open (s3://, ...): trust the run's path, as MLflow 2 did.
        return true;
      }
      return (await store.list('')).some((entry) => entry.path === name);
    },
  };
}

/** Where a download reads from: a store and the path inside it whose name the local copy keeps. */
export interface DownloadSource {
  readonly store: ArtifactStore;
  readonly path: string;
}

/**
 * The store and path a `-u` URI downloads, as MLflow's `download_artifacts(artifact_uri=...)`:
 * a `models:/` URI downloads the model's files (or the sub-path) into the destination itself;
 * any other URI (`runs:/`, `mlflow-artifacts:`, a path) keeps its last segment as the name.
 */
export async function downloadSourceOf(client: KeelClient, uri: string, context: CliContext): Promise<DownloadSource> {
  const parsed = parseModelUri(uri);
  const at = async (parent: string, path: string) => ({ store: await artifactStoreFor(client, parent, context), path });
  if (parsed.kind === 'artifact') {
    const { parent, name } = splitArtifactUri(uri);
    return at(parent, name);
  }
  const resolved = await resolveModelUri(uri, modelUriClient(client, context));
  if (parsed.kind === 'run') {
    if (parsed.path === '') return at(resolved.artifactUri, '');
    // The run's own path, or the logged model it fell back to: either way the last segment names the copy.
    const { parent, name } = splitArtifactUri(resolved.artifactUri);
    return at(parent, name);
  }
  const path = 'path' in parsed ? parsed.path : '';
  const suffix = `/${path}`;
  // The resolver appended the sub-path to the model's location; open the store at the model itself.
  const root =
    path !== '' && resolved.artifactUri.endsWith(suffix)
      ? resolved.artifactUri.slice(0, -suffix.length)
      : resolved.artifactUri;
  return at(root, path);
}
