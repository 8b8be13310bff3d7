/** Logged models (MLflow 3): create, read, finalize, delete, search, tags, params. */

import type { KeyValue, LoggedModel, LoggedModelStatus } from '@keel/contract';
import { notImplemented } from '@keel/contract';
import type { CreateLoggedModelInput, Page, SearchLoggedModelsInput } from '../tracking-store.js';
import type { SqlStoreContext } from './context.js';

const pending = () => notImplemented('logged models are being built');

export async function createLoggedModel(_ctx: SqlStoreContext, _input: CreateLoggedModelInput): Promise<LoggedModel> {
  throw pending();
}
export async function getLoggedModel(_ctx: SqlStoreContext, _modelId: string): Promise<LoggedModel> {
  throw pending();
}
export async function finalizeLoggedModel(
  _ctx: SqlStoreContext,
  _modelId: string,
  _status: LoggedModelStatus,
): Promise<LoggedModel> {
  throw pending();
}
export async function deleteLoggedModel(_ctx: SqlStoreContext, _modelId: string): Promise<void> {
  throw pending();
}
export async function searchLoggedModels(
  _ctx: SqlStoreContext,
  _input: SearchLoggedModelsInput,
): Promise<Page<LoggedModel>> {
  throw pending();
}
export async function setLoggedModelTags(
  _ctx: SqlStoreContext,
  _modelId: string,
  _tags: readonly KeyValue[],
): Promise<void> {
  throw pending();
}
export async function deleteLoggedModelTag(_ctx: SqlStoreContext, _modelId: string, _key: string): Promise<void> {
  throw pending();
}
export async function logLoggedModelParams(
  _ctx: SqlStoreContext,
  _modelId: string,
  _params: readonly KeyValue[],
): Promise<void> {
  throw pending();
}
