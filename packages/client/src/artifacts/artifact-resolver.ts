/**
 * Picks the artifact store for a root URI by scheme: the tracking server's proxy for
 * `mlflow-artifacts:` roots and proxy URLs, the local disk (Node) for paths and `file:` URIs,
 * and object stores the caller can reach directly (Node: `s3://` with the client's own
 * credentials). Other schemes are refused with the list of known ones.
 */
import { invalidParameter } from '@keel/contract';
import type { Transport } from '../transport/transport.js';
import type { ArtifactStore } from './artifact-store.js';
import { artifactUriScheme, isLocalArtifactUri, isProxyArtifactUri, resolveProxyLocation } from './artifact-uri.js';
import { type MultipartOptions, ProxyArtifactStore } from './proxy-artifact-store.js';

/**
 * What resolving a store needs.
 *
 * @example
 * resolveArtifactStore(uri, { transport: client.transport, trackingUri: client.config.trackingUri, multipart: DEFAULT_MULTIPART });
 */
export interface ArtifactStoreContext {
  readonly transport: Transport;
  readonly trackingUri: string;
  readonly multipart: MultipartOptions;
  /** Opens local roots; absent where there is no disk (browsers). */
  readonly local?: (uri: string) => ArtifactStore;
  /** Openers of directly reachable stores by lower-case scheme (Node: `s3`). */
  readonly remote?: ReadonlyMap<string, (uri: string) => ArtifactStore>;
}

/**
 * The store behind an artifact root URI.
 *
 * @example
 * const store = resolveArtifactStore(run.info.artifact_uri, context);
 */
export function resolveArtifactStore(uri: string, context: ArtifactStoreContext): ArtifactStore {
  if (isProxyArtifactUri(uri)) {
    const location = resolveProxyLocation(uri, context.trackingUri);
    return new ProxyArtifactStore(context.transport, uri, location, context.multipart);
  }
  if (isLocalArtifactUri(uri)) {
    if (context.local !== undefined) return context.local(uri);
    throw invalidParameter(
      `The artifact root '${uri}' is a local path; only Node can write to it (use @keel/client/node).`,
    );
  }
  const scheme = artifactUriScheme(uri);
  const remote = context.remote?.get(scheme);
  if (remote !== undefined) return remote(uri);
  const direct = [...(context.remote?.keys() ?? [])].map((s) => `${s}:// (direct)`);
  throw invalidParameter(
    `Artifact URI scheme '${scheme}:' is not supported by the Keel client here; it reaches mlflow-artifacts: roots (served by the tracking server), local paths (Node)${direct.length === 0 ? '' : `, ${direct.join(', ')}`}.`,
  );
}
