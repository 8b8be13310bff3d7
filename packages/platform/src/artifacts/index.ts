/** Artifact storage: the repository seam, URI helpers, and the resolver used by the server. */
import { notImplemented } from '@keel/contract';
import type { ArtifactResolver } from './artifact-resolver.js';

export type { ArtifactRepository, ArtifactStream, MultipartArtifactRepository } from './artifact-repository.js';
export { supportsMultipart } from './artifact-repository.js';
export type { ArtifactResolver } from './artifact-resolver.js';
export { appendToUri, uriScheme } from './uri.js';

export interface ArtifactResolverOptions {
  /** Absolute path or URI behind `mlflow-artifacts:`; undefined when artifacts are not served. */
  readonly proxyDestination: string | undefined;
}

/** Builds the resolver for a server or an embedded store. */
export function createArtifactResolver(_options: ArtifactResolverOptions): ArtifactResolver {
  return {
    proxyRepository: undefined,
    repositoryFor: async () => {
      throw notImplemented('Artifact repositories are being built');
    },
  };
}
