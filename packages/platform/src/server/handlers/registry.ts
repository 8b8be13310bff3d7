/**
 * Model registry endpoints (registry-api.md §3) and Keel's registry history. Every change is
 * attributed to the caller named by `requestActor` (Basic-auth user, `X-Keel-User`, "unknown").
 */
import { registry } from '@keel/contract';
import { createModelVersion } from '../../registry/model-version-service.js';
import { bind, pageResponse } from '../handler.js';
import { requestActor } from '../request-actor.js';

const ok = {};

export const registryRoutes = [
  bind(
    registry.createRegisteredModel,
    async (req, { deps, request }) => ({
      registered_model: await deps.registry.createRegisteredModel(req, requestActor(request)),
    }),
    'registry',
  ),
  bind(
    registry.getRegisteredModel,
    async (req, { deps }) => ({ registered_model: await deps.registry.getRegisteredModel(req.name) }),
    'registry',
  ),
  bind(
    registry.renameRegisteredModel,
    async (req, { deps, request }) => ({
      registered_model: await deps.registry.renameRegisteredModel(req.name, req.new_name, requestActor(request)),
    }),
    'registry',
  ),
  bind(
    registry.updateRegisteredModel,
    async (req, { deps, request }) => ({
      registered_model: await deps.registry.updateRegisteredModel(req.name, req.description, requestActor(request)),
    }),
    'registry',
  ),
  bind(
    registry.deleteRegisteredModel,
    async (req, { deps, request }) => {
      await deps.registry.deleteRegisteredModel(req.name, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.searchRegisteredModels,
    async (req, { deps }) => pageResponse('registered_models', await deps.registry.searchRegisteredModels(req)),
    'registry',
  ),
  bind(
    registry.getLatestVersions,
    async (req, { deps }) => {
      const versions = await deps.registry.getLatestVersions(req.name, req.stages);
      return versions.length > 0 ? { model_versions: [...versions] } : {};
    },
    'registry',
  ),
  bind(
    registry.setRegisteredModelTag,
    async (req, { deps, request }) => {
      await deps.registry.setRegisteredModelTag(
        req.name,
        { key: req.key, value: req.value ?? '' },
        requestActor(request),
      );
      return ok;
    },
    'registry',
  ),
  bind(
    registry.deleteRegisteredModelTag,
    async (req, { deps, request }) => {
      await deps.registry.deleteRegisteredModelTag(req.name, req.key, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.setRegisteredModelAlias,
    async (req, { deps, request }) => {
      await deps.registry.setRegisteredModelAlias(req.name, req.alias, req.version, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.deleteRegisteredModelAlias,
    async (req, { deps, request }) => {
      await deps.registry.deleteRegisteredModelAlias(req.name, req.alias, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.getModelVersionByAlias,
    async (req, { deps }) => ({ model_version: await deps.registry.getModelVersionByAlias(req.name, req.alias) }),
    'registry',
  ),
  bind(
    registry.createModelVersion,
    async (req, { deps, request }) => {
      // Without configured options, local paths are relative to the process's directory.
      const sources = deps.options.modelVersionSources ?? { cwd: '.' };
      const service = { registry: deps.registry, tracking: deps.tracking, sources, locations: deps.artifacts };
      return { model_version: await createModelVersion(service, req, requestActor(request)) };
    },
    'registry',
  ),
  bind(
    registry.getModelVersion,
    async (req, { deps }) => ({ model_version: await deps.registry.getModelVersion(req.name, req.version) }),
    'registry',
  ),
  bind(
    registry.updateModelVersion,
    async (req, { deps, request }) => ({
      model_version: await deps.registry.updateModelVersion(
        req.name,
        req.version,
        req.description,
        requestActor(request),
      ),
    }),
    'registry',
  ),
  bind(
    registry.deleteModelVersion,
    async (req, { deps, request }) => {
      await deps.registry.deleteModelVersion(req.name, req.version, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.transitionModelVersionStage,
    async (req, { deps, request }) => ({
      model_version: await deps.registry.transitionModelVersionStage(
        req.name,
        req.version,
        req.stage,
        req.archive_existing_versions ?? false,
        requestActor(request),
      ),
    }),
    'registry',
  ),
  bind(
    registry.searchModelVersions,
    async (req, { deps }) => pageResponse('model_versions', await deps.registry.searchModelVersions(req)),
    'registry',
  ),
  bind(
    registry.getModelVersionDownloadUri,
    async (req, { deps }) => ({
      artifact_uri: await deps.registry.getModelVersionDownloadUri(req.name, req.version),
    }),
    'registry',
  ),
  bind(
    registry.setModelVersionTag,
    async (req, { deps, request }) => {
      const tag = { key: req.key, value: req.value ?? '' };
      await deps.registry.setModelVersionTag(req.name, req.version, tag, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.deleteModelVersionTag,
    async (req, { deps, request }) => {
      await deps.registry.deleteModelVersionTag(req.name, req.version, req.key, requestActor(request));
      return ok;
    },
    'registry',
  ),
  bind(
    registry.getRegistryHistory,
    async (req, { deps }) => pageResponse('events', await deps.registry.getHistory(req)),
    'registry',
  ),
];
