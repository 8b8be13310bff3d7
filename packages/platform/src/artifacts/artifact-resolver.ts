/**
 * Maps artifact URIs to repositories. The server uses it to list and serve run, logged-model
 * and model-version artifacts, and to reach the proxy's destination behind `mlflow-artifacts:`.
 */
import type { ArtifactRepository } from './artifact-repository.js';

export interface ArtifactResolver {
  /**
   * The repository behind the `mlflow-artifacts:` proxy (`--artifacts-destination`), or
   * undefined when the server does not serve artifacts.
   */
  readonly proxyRepository: ArtifactRepository | undefined;
  /**
   * A repository rooted at `uri`: `mlflow-artifacts:/...` and proxy `http(s)` URLs map into the
   * proxy destination; local paths and `file:` URIs to the disk; other schemes to their
   * registered factories. Unknown schemes -> INVALID_PARAMETER_VALUE naming the known ones.
   */
  repositoryFor(uri: string): Promise<ArtifactRepository>;
}
