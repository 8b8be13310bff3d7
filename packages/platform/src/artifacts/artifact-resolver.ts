/**
 * Maps artifact URIs to repositories. The server uses it to list and serve run, logged-model
 * and model-version artifacts, and to reach the proxy's destination behind `mlflow-artifacts:`.
 * It is also where locations are checked before they are stored, so the rules for writing a
 * location and for reading it live in one place.
 */
import type { LocationPurpose } from './artifact-location-policy.js';
import type { ArtifactRepository } from './artifact-repository.js';

export interface ArtifactResolver {
  /**
   * The repository behind the `mlflow-artifacts:` proxy (`--artifacts-destination`), or
   * undefined when the server does not serve artifacts.
   */
  readonly proxyRepository: ArtifactRepository | undefined;
  /**
   * A repository rooted at `uri`: `mlflow-artifacts:/...` and proxy `http(s)` URLs map into the
   * proxy destination; local paths and `file:` URIs to the disk, only inside the server's
   * artifact roots (PERMISSION_DENIED elsewhere); other schemes to their registered factories.
   * Unknown schemes -> INVALID_PARAMETER_VALUE naming the known ones.
   */
  repositoryFor(uri: string): Promise<ArtifactRepository>;
  /**
   * Checks a location a client asks to store (an experiment's `artifact_location`, a model
   * version's `source`); throws INVALID_PARAMETER_VALUE when it may not be stored.
   */
  checkNewLocation(location: string, purpose: LocationPurpose): Promise<void>;
}
