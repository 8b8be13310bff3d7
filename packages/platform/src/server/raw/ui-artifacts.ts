/**
 * The web UI's artifact routes (tracking-api.md §11): single-file downloads of run, model-version
 * and logged-model artifacts, and the small-file upload. They resolve the owning entity's
 * artifact root, so they work for proxied and directly reachable roots alike. Every route
 * honours `--static-prefix`.
 */
import { Readable } from 'node:stream';
import { badRequest, invalidParameter, missingParameter, UI_ARTIFACT_ROUTES } from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { checkArtifactPath, normalizeArtifactPath } from '../../artifacts/path-safety.js';
import type { AppDeps } from '../deps.js';
import { sendArtifactFile } from './artifact-download.js';
import {
  acceptStreamingBodies,
  artifactsOnlyMessage,
  bodyStream,
  queryParam,
  readBodyWithin,
  receiveUpload,
  sendDisabled,
} from './raw-body.js';

/** The UI upload's limit, checked on Content-Length and again while reading (MLflow's 10 MiB). */
const MAX_UI_UPLOAD_BYTES = 10 * 1024 * 1024;
const UPLOAD_TOO_LARGE = 'Artifact size is too large. Max size is 10MB.';

type RouteHandler = (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** These routes read the tracking and registry stores, so `--artifacts-only` turns them off. */
function trackingRoute(deps: AppDeps, route: string, handler: RouteHandler): RouteHandler {
  return async (request, reply) => {
    if (deps.options.artifactsOnly) return sendDisabled(reply, artifactsOnlyMessage(route));
    return handler(request, reply);
  };
}

/** A required, checked artifact path from the query string. */
function requiredPath(request: FastifyRequest, name: string): string {
  const value = queryParam(request, name);
  if (value === undefined || value === '') throw missingParameter(name);
  return normalizeArtifactPath(checkArtifactPath(value));
}

function required(request: FastifyRequest, ...names: string[]): string {
  for (const name of names) {
    const value = queryParam(request, name);
    if (value !== undefined && value !== '') return value;
  }
  throw missingParameter(names[0] ?? '');
}

function getRunArtifact(deps: AppDeps): RouteHandler {
  return async (request, reply) => {
    // MLflow checks the path before looking the run up.
    const path = requiredPath(request, 'path');
    const run = await deps.tracking.getRun(required(request, 'run_id', 'run_uuid'));
    return sendArtifactFile(reply, await deps.artifacts.repositoryFor(run.info.artifact_uri), path, deps.logger);
  };
}

function getModelVersionArtifact(deps: AppDeps): RouteHandler {
  return async (request, reply) => {
    const path = requiredPath(request, 'path');
    const uri = await deps.registry.getModelVersionDownloadUri(required(request, 'name'), required(request, 'version'));
    return sendArtifactFile(reply, await deps.artifacts.repositoryFor(uri), path, deps.logger);
  };
}

function getLoggedModelArtifact(deps: AppDeps): RouteHandler {
  return async (request, reply) => {
    const raw = queryParam(request, 'artifact_file_path');
    if (raw === undefined || raw === '') {
      throw badRequest('Request must include the "artifact_file_path" query parameter.');
    }
    const path = normalizeArtifactPath(checkArtifactPath(raw));
    const modelId = (request.params as { model_id: string }).model_id;
    const model = await deps.tracking.getLoggedModel(modelId);
    return sendArtifactFile(reply, await deps.artifacts.repositoryFor(model.info.artifact_uri), path, deps.logger);
  };
}

function uploadArtifact(deps: AppDeps): RouteHandler {
  return async (request, reply) => {
    const runId = queryParam(request, 'run_uuid');
    if (runId === undefined || runId === '') throw invalidParameter('Request must specify run_uuid.');
    const rawPath = queryParam(request, 'path');
    if (rawPath === undefined || rawPath === '') throw invalidParameter('Request must specify path.');
    const path = normalizeArtifactPath(checkArtifactPath(rawPath));
    const declared = Number(request.headers['content-length'] ?? 0);
    if (declared > MAX_UI_UPLOAD_BYTES) throw invalidParameter(UPLOAD_TOO_LARGE);
    // Small by definition, so buffering is fine; it also lets an empty body be refused up front.
    const data = await receiveUpload(request, () =>
      readBodyWithin(bodyStream(request), MAX_UI_UPLOAD_BYTES, UPLOAD_TOO_LARGE),
    );
    if (data.length === 0) throw invalidParameter('Request must specify data.');
    const run = await deps.tracking.getRun(runId);
    const repository = await deps.artifacts.repositoryFor(run.info.artifact_uri);
    await repository.write(path, Readable.from([data]));
    // MLflow answers an empty body labelled application/json (no charset: an empty Buffer keeps
    // Fastify from adding one); clients accept it as `{}`.
    return reply.code(200).header('content-type', 'application/json').send(Buffer.alloc(0));
  };
}

/** Registers the UI artifact routes in a plugin that takes raw upload bodies. */
export async function registerUiArtifactRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const prefix = deps.options.staticPrefix;
  const toFastify = (path: string) => path.replace(/\{(\w+)\}/g, ':$1');
  const routes: [method: 'GET' | 'POST', path: string, handler: RouteHandler][] = [
    ['GET', UI_ARTIFACT_ROUTES.getArtifact, getRunArtifact(deps)],
    ['GET', UI_ARTIFACT_ROUTES.getModelVersionArtifact, getModelVersionArtifact(deps)],
    ['GET', UI_ARTIFACT_ROUTES.loggedModelArtifactFile, getLoggedModelArtifact(deps)],
    ['POST', UI_ARTIFACT_ROUTES.uploadArtifact, uploadArtifact(deps)],
  ];
  await app.register(async (ui) => {
    acceptStreamingBodies(ui);
    for (const [method, path, handler] of routes) {
      ui.route({ method, url: toFastify(`${prefix}${path}`), handler: trackingRoute(deps, path, handler) });
    }
  });
}
