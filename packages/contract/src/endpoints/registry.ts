/** Model registry endpoints (registry-api.md §3) and Keel's registry audit trail. */
import type { ModelVersion, RegisteredModel, RegistryEvent } from '../entities/registry.js';
import { f, message } from '../message.js';
import { endpoint } from './endpoint.js';
import { KeyValueMsg } from './tracking.js';

type Empty = Record<string, never>;

const name = f.string({ required: true });
const version = f.string({ required: true, acceptsNumber: true });

export const createRegisteredModel = endpoint<{ registered_model: RegisteredModel }>()(
  'createRegisteredModel',
  'POST',
  '/registered-models/create',
  message('CreateRegisteredModel', {
    name,
    tags: f.list(f.message(KeyValueMsg)),
    description: f.string(),
    deployment_job_id: f.string(),
  }),
);
export const getRegisteredModel = endpoint<{ registered_model: RegisteredModel }>()(
  'getRegisteredModel',
  'GET',
  '/registered-models/get',
  message('GetRegisteredModel', { name }),
);
export const renameRegisteredModel = endpoint<{ registered_model: RegisteredModel }>()(
  'renameRegisteredModel',
  'POST',
  '/registered-models/rename',
  message('RenameRegisteredModel', { name, new_name: f.string({ required: true }) }),
);
export const updateRegisteredModel = endpoint<{ registered_model: RegisteredModel }>()(
  'updateRegisteredModel',
  'PATCH',
  '/registered-models/update',
  message('UpdateRegisteredModel', { name, description: f.string(), deployment_job_id: f.string() }),
);
export const deleteRegisteredModel = endpoint<Empty>()(
  'deleteRegisteredModel',
  'DELETE',
  '/registered-models/delete',
  message('DeleteRegisteredModel', { name }),
);
export const searchRegisteredModels = endpoint<{ registered_models?: RegisteredModel[]; next_page_token?: string }>()(
  'searchRegisteredModels',
  'GET',
  '/registered-models/search',
  message('SearchRegisteredModels', {
    filter: f.string(),
    max_results: f.int64(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
);
export const getLatestVersions = endpoint<{ model_versions?: ModelVersion[] }>()(
  'getLatestVersions',
  ['POST', 'GET'],
  '/registered-models/get-latest-versions',
  message('GetLatestVersions', { name, stages: f.list(f.string()) }),
);
export const setRegisteredModelTag = endpoint<Empty>()(
  'setRegisteredModelTag',
  'POST',
  '/registered-models/set-tag',
  message('SetRegisteredModelTag', { name, key: f.string({ required: true }), value: f.string() }),
);
export const deleteRegisteredModelTag = endpoint<Empty>()(
  'deleteRegisteredModelTag',
  'DELETE',
  '/registered-models/delete-tag',
  message('DeleteRegisteredModelTag', { name, key: f.string({ required: true }) }),
);
export const setRegisteredModelAlias = endpoint<Empty>()(
  'setRegisteredModelAlias',
  'POST',
  '/registered-models/alias',
  message('SetRegisteredModelAlias', { name, alias: f.string({ required: true }), version }),
);
export const deleteRegisteredModelAlias = endpoint<Empty>()(
  'deleteRegisteredModelAlias',
  'DELETE',
  '/registered-models/alias',
  message('DeleteRegisteredModelAlias', { name, alias: f.string({ required: true }) }),
);
export const getModelVersionByAlias = endpoint<{ model_version: ModelVersion }>()(
  'getModelVersionByAlias',
  'GET',
  '/registered-models/alias',
  message('GetModelVersionByAlias', { name, alias: f.string({ required: true }) }),
);

export const createModelVersion = endpoint<{ model_version: ModelVersion }>()(
  'createModelVersion',
  'POST',
  '/model-versions/create',
  message('CreateModelVersion', {
    name,
    source: f.string({ required: true }),
    run_id: f.string(),
    tags: f.list(f.message(KeyValueMsg)),
    run_link: f.string(),
    description: f.string(),
    model_id: f.string(),
  }),
);
export const getModelVersion = endpoint<{ model_version: ModelVersion }>()(
  'getModelVersion',
  'GET',
  '/model-versions/get',
  message('GetModelVersion', { name, version }),
);
export const updateModelVersion = endpoint<{ model_version: ModelVersion }>()(
  'updateModelVersion',
  'PATCH',
  '/model-versions/update',
  message('UpdateModelVersion', { name, version, description: f.string() }),
);
export const deleteModelVersion = endpoint<Empty>()(
  'deleteModelVersion',
  'DELETE',
  '/model-versions/delete',
  message('DeleteModelVersion', { name, version }),
);
export const transitionModelVersionStage = endpoint<{ model_version: ModelVersion }>()(
  'transitionModelVersionStage',
  'POST',
  '/model-versions/transition-stage',
  message('TransitionModelVersionStage', {
    name,
    version,
    stage: f.string({ required: true }),
    archive_existing_versions: f.bool(),
  }),
);
export const searchModelVersions = endpoint<{ model_versions?: ModelVersion[]; next_page_token?: string }>()(
  'searchModelVersions',
  'GET',
  '/model-versions/search',
  message('SearchModelVersions', {
    filter: f.string(),
    max_results: f.int64(),
    order_by: f.list(f.string()),
    page_token: f.string(),
  }),
);
export const getModelVersionDownloadUri = endpoint<{ artifact_uri: string }>()(
  'getModelVersionDownloadUri',
  'GET',
  '/model-versions/get-download-uri',
  message('GetModelVersionDownloadUri', { name, version }),
);
export const setModelVersionTag = endpoint<Empty>()(
  'setModelVersionTag',
  'POST',
  '/model-versions/set-tag',
  message('SetModelVersionTag', { name, version, key: f.string({ required: true }), value: f.string() }),
);
export const deleteModelVersionTag = endpoint<Empty>()(
  'deleteModelVersionTag',
  'DELETE',
  '/model-versions/delete-tag',
  message('DeleteModelVersionTag', { name, version, key: f.string({ required: true }) }),
);

/**
 * Keel extension: the audit trail of registry changes, newest first (`max_results` 1-1000,
 * default 100). Each event names its user: the `Authorization: Basic` user name when the
 * request had one, else the `X-Keel-User` header, else "unknown" (Keel does not authenticate).
 */
export const getRegistryHistory = endpoint<{ events?: RegistryEvent[]; next_page_token?: string }>()(
  'getRegistryHistory',
  'GET',
  '/registry/history',
  message('GetRegistryHistory', {
    name: f.string(),
    max_results: f.int32(),
    page_token: f.string(),
  }),
  'keel',
);

/** Every registry endpoint, in registration order. */
export const registryEndpoints = [
  createRegisteredModel,
  getRegisteredModel,
  renameRegisteredModel,
  updateRegisteredModel,
  deleteRegisteredModel,
  searchRegisteredModels,
  getLatestVersions,
  setRegisteredModelTag,
  deleteRegisteredModelTag,
  setRegisteredModelAlias,
  deleteRegisteredModelAlias,
  getModelVersionByAlias,
  createModelVersion,
  getModelVersion,
  updateModelVersion,
  deleteModelVersion,
  transitionModelVersionStage,
  searchModelVersions,
  getModelVersionDownloadUri,
  setModelVersionTag,
  deleteModelVersionTag,
  getRegistryHistory,
] as const;
