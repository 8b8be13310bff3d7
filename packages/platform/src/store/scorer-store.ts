/**
 * The scorer seam (MLflow 3 GenAI): scorers registered per experiment under a name, each
 * registration a new version of that name's scorer. Implementations keep them in the tracking
 * store's database and pass the contract suite in `scorer-store.contract.ts`. The serialized
 * scorer is stored and returned exactly as sent; the server never runs it.
 */
import type { ScorerVersion } from '@keel/contract';

export interface ScorerStore {
  /** Registers the next version of `name` in the experiment (unknown experiment -> 404). */
  registerScorer(experimentId: string, name: string, serializedScorer: string): Promise<ScorerVersion>;
  /** The latest version of every scorer of the experiment, by name. */
  listScorers(experimentId: string): Promise<ScorerVersion[]>;
  /** Every version of one scorer, oldest first. */
  listScorerVersions(experimentId: string, name: string): Promise<ScorerVersion[]>;
  /** One version, or the latest; unknown -> RESOURCE_DOES_NOT_EXIST. */
  getScorer(experimentId: string, name: string, version?: number): Promise<ScorerVersion>;
  /** Deletes one version, or every version when none is given; unknown -> RESOURCE_DOES_NOT_EXIST. */
  deleteScorer(experimentId: string, name: string, version?: number): Promise<void>;
}
