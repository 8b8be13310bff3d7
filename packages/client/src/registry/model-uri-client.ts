/**
 * The contract's model URI resolver (`resolveModelUri`) over the SDK: the narrow
 * `ModelUriClient` it needs, answered with this client's HTTP calls.
 */
import type { ModelUriClient } from '@keel/contract';
import type { KeelClient } from '../client/keel-client.js';

/**
 * Adapts a `KeelClient` to the resolver's interface.
 *
 * @example
 * const { artifactUri } = await resolveModelUri('models:/churn@champion', modelUriClientFor(client));
 */
export function modelUriClientFor(client: KeelClient, call: { signal?: AbortSignal } = {}): ModelUriClient {
  return {
    getModelVersionDownloadUri: async (name, version) =>
      (await client.getModelVersionDownloadUri({ name, version }, call)).artifact_uri,
    getLatestVersions: async (name, stages) =>
      (await client.getLatestVersions({ name, ...(stages === undefined ? {} : { stages: [...stages] }) }, call))
        .model_versions ?? [],
    getModelVersionByAlias: async (name, alias) =>
      (await client.getModelVersionByAlias({ name, alias }, call)).model_version,
    getLoggedModel: async (modelId) => (await client.getLoggedModel({ model_id: modelId }, call)).model,
    getRun: async (runId) => (await client.getRun({ run_id: runId }, call)).run,
    async searchLoggedModels(input) {
      const page = await client.searchLoggedModels({ ...input, experiment_ids: [...input.experiment_ids] }, call);
      return { models: page.models ?? [], ...(page.next_page_token ? { next_page_token: page.next_page_token } : {}) };
    },
  };
}
