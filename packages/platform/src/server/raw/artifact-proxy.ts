/**
 * The artifact proxy (artifacts.md §3) under `/api/2.0/mlflow-artifacts` and its
 * `/ajax-api/2.0/mlflow-artifacts` twin: list, download, upload and delete bytes in the
 * `--artifacts-destination`, plus the multipart-upload control calls.
 *
 * Transfers are streams end to end: uploads go from the socket to a temporary file (never
 * buffered, no size limit), downloads from the file to the socket, both with backpressure.
 */
import {
  AbortMultipartUploadMsg,
  ARTIFACT_ROUTES,
  ARTIFACTS_AJAX_PREFIX,
  ARTIFACTS_PREFIX,
  CompleteMultipartUploadMsg,
  CreateMultipartUploadMsg,
  decodeMessage,
  type MlflowError,
  MULTIPART_UNSUPPORTED_MESSAGE,
  notImplemented,
} from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ArtifactRepository, supportsMultipart } from '../../artifacts/artifact-repository.js';
import {
  checkArtifactPath,
  checkOptionalArtifactPath,
  invalidPath,
  normalizeArtifactPath,
} from '../../artifacts/path-safety.js';
import type { AppDeps } from '../deps.js';
import { toWireFileInfo } from '../handlers/artifacts.js';
import { readRequestFields } from '../request-input.js';
import { sendArtifactFile } from './artifact-download.js';
import {
  acceptStreamingBodies,
  bodyStream,
  queryParam,
  receiveUpload,
  sendDisabled,
  sendJsonObject,
} from './raw-body.js';

/** MLflow names the Flask rule in its 503 text; these are the same rules in Flask syntax. */
function flaskRule(prefix: string, route: string, withPath: boolean): string {
  return `${prefix}${route}${withPath ? '/<path:artifact_path>' : ''}`;
}

function servingDisabledMessage(rule: string): string {
  return (
    `Endpoint: ${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. ` +
    'To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`'
  );
}

/** The `<path>` of a proxy URL, checked and in canonical form ('' for the destination root). */
function pathParam(request: FastifyRequest): string {
  const raw = (request.params as Record<string, string | undefined>)['*'] ?? '';
  return normalizeArtifactPath(checkOptionalArtifactPath(raw));
}

/** Path of a single file: the destination root itself is never a file. */
function filePathParam(request: FastifyRequest): string {
  const path = pathParam(request);
  if (path === '') throw invalidPath();
  return path;
}

type ProxyHandler = (repository: ArtifactRepository, request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

/** Wraps a handler with the `--no-serve-artifacts` check and hands it the destination. */
function proxied(deps: AppDeps, rule: string, handler: ProxyHandler) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
    const repository = deps.artifacts.proxyRepository;
    if (!deps.options.serveArtifacts || repository === undefined) {
      return sendDisabled(reply, servingDisabledMessage(rule));
    }
    return handler(repository, request, reply);
  };
}

async function listEntries(repository: ArtifactRepository, request: FastifyRequest, reply: FastifyReply) {
  const path = normalizeArtifactPath(checkOptionalArtifactPath(queryParam(request, 'path')));
  const files = await repository.list(path);
  // The proxy answers entry names only; the client joins them to the path it asked for.
  const entries = files.map((file) => toWireFileInfo(file, file.path.slice(file.path.lastIndexOf('/') + 1)));
  return sendJsonObject(reply, entries.length === 0 ? {} : { files: entries });
}

function registerTransferRoutes(instance: FastifyInstance, deps: AppDeps, prefix: string): void {
  const base = `${prefix}${ARTIFACT_ROUTES.artifacts}`;
  const listRule = flaskRule(prefix, ARTIFACT_ROUTES.artifacts, false);
  const fileRule = flaskRule(prefix, ARTIFACT_ROUTES.artifacts, true);
  instance.get(base, proxied(deps, listRule, listEntries));
  // MLflow answers a missing file with a 500 and a directory with a framework 500 page; a 404
  // JSON error is what clients can act on (and does not trigger their retry loop).
  instance.get(
    `${base}/*`,
    proxied(deps, fileRule, (repository, request, reply) =>
      sendArtifactFile(reply, repository, filePathParam(request), deps.logger),
    ),
  );
  instance.put(
    `${base}/*`,
    proxied(deps, fileRule, async (repository, request, reply) => {
      const path = filePathParam(request);
      await receiveUpload(request, () => repository.write(path, bodyStream(request)));
      return sendJsonObject(reply, {});
    }),
  );
  instance.delete(
    `${base}/*`,
    proxied(deps, fileRule, async (repository, request, reply) => {
      // Deleting the whole destination is never what a client means.
      await repository.delete(filePathParam(request));
      return sendJsonObject(reply, {});
    }),
  );
}

/** Destination key of a multipart upload: `<dir>/<basename of the client's local file name>`. */
function multipartTarget(directory: string, localName: string): string {
  const name = checkArtifactPath(localName.slice(localName.replace(/\\/g, '/').lastIndexOf('/') + 1));
  const file = normalizeArtifactPath(name);
  if (file === '') throw invalidPath();
  return directory === '' ? file : `${directory}/${file}`;
}

function unsupported(): MlflowError {
  return notImplemented(MULTIPART_UNSUPPORTED_MESSAGE);
}

function registerMultipartRoutes(instance: FastifyInstance, deps: AppDeps, prefix: string): void {
  const rule = (route: string) => flaskRule(prefix, route, true);
  instance.post(
    `${prefix}${ARTIFACT_ROUTES.mpuCreate}/*`,
    proxied(deps, rule(ARTIFACT_ROUTES.mpuCreate), async (repository, request, reply) => {
      const directory = pathParam(request);
      const { fields, source } = readRequestFields(request);
      const input = decodeMessage(CreateMultipartUploadMsg, fields, source);
      const target = multipartTarget(directory, input.path);
      if (!supportsMultipart(repository)) throw unsupported();
      const { uploadId, parts } = await repository.createMultipartUpload(target, input.num_parts);
      return sendJsonObject(reply, { upload_id: uploadId, credentials: parts });
    }),
  );
  instance.post(
    `${prefix}${ARTIFACT_ROUTES.mpuComplete}/*`,
    proxied(deps, rule(ARTIFACT_ROUTES.mpuComplete), async (repository, request, reply) => {
      const directory = pathParam(request);
      const { fields, source } = readRequestFields(request);
      const input = decodeMessage(CompleteMultipartUploadMsg, fields, source);
      const target = multipartTarget(directory, input.path);
      if (!supportsMultipart(repository)) throw unsupported();
      const parts = (input.parts ?? []).map((p) => ({ part_number: p.part_number, etag: p.etag ?? '' }));
      await repository.completeMultipartUpload(target, input.upload_id, parts);
      return sendJsonObject(reply, {});
    }),
  );
  instance.post(
    `${prefix}${ARTIFACT_ROUTES.mpuAbort}/*`,
    proxied(deps, rule(ARTIFACT_ROUTES.mpuAbort), async (repository, request, reply) => {
      const directory = pathParam(request);
      const { fields, source } = readRequestFields(request);
      const input = decodeMessage(AbortMultipartUploadMsg, fields, source);
      const target = multipartTarget(directory, input.path);
      if (!supportsMultipart(repository)) throw unsupported();
      await repository.abortMultipartUpload(target, input.upload_id);
      return sendJsonObject(reply, {});
    }),
  );
}

/**
 * Registers the proxy under both prefixes (the ajax twin honours `--static-prefix`). Transfer
 * routes live in a plugin that streams bodies; the multipart calls are small JSON requests and
 * live in one that buffers them, bounded like the JSON API.
 */
export async function registerArtifactProxyRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const prefixes = [ARTIFACTS_PREFIX, `${deps.options.staticPrefix}${ARTIFACTS_AJAX_PREFIX}`];
  await app.register(async (streaming) => {
    acceptStreamingBodies(streaming);
    for (const prefix of prefixes) registerTransferRoutes(streaming, deps, prefix);
  });
  await app.register(async (json) => {
    json.removeAllContentTypeParsers();
    json.addContentTypeParser('*', { parseAs: 'buffer' }, (_request, body, done) => done(null, body));
    for (const prefix of prefixes) registerMultipartRoutes(json, deps, prefix);
  });
}
