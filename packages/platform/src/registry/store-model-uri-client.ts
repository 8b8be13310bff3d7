/** The server's `ModelUriClient`: the resolver's calls answered straight from the stores. */

import type { ModelUriClient } from '@keel/contract';
import type { RegistryStore } from '../store/registry-store.js';
import type { TrackingStore } from '../store/tracking-store.js';
import type { SourceOwnerLookup } from './source-validation.js';

/** Adapts a registry and a tracking store to the resolver's client interface. */
export function storeModelUriClient(registry: RegistryStore, tracking: TrackingStore): ModelUriClient {
  return {
    getModelVersionDownloadUri: (name, version) => registry.getModelVersionDownloadUri(name, version),
    getLatestVersions: (name, stages) => registry.getLatestVersions(name, stages),
    getModelVersionByAlias: (name, alias) => registry.getModelVersionByAlias(name, alias),
    getLoggedModel: (modelId) => tracking.getLoggedModel(modelId),
    getRun: (runId) => tracking.getRun(runId),
    async searchLoggedModels(input) {
      const page = await tracking.searchLoggedModels(input);
      return page.next_page_token
        ? { models: page.items, next_page_token: page.next_page_token }
        : { models: page.items };
    },
  };
}

/** Answers the source checks' "where are this owner's artifacts" from the tracking store. */
export function storeSourceOwners(tracking: TrackingStore): SourceOwnerLookup {
  return {
    runArtifactUri: async (runId) => (await tracking.getRun(runId)).info.artifact_uri,
    loggedModelArtifactUri: async (modelId) => (await tracking.getLoggedModel(modelId)).info.artifact_uri,
  };
}
