/**
 * OTLP/HTTP trace ingest (`POST /v1/traces`): OpenTelemetry export requests, protobuf or JSON,
 * optionally gzip- or deflate-compressed, stored as spans of their traces in the experiment the
 * `x-mlflow-experiment-id` header names. Bodies are bounded before and after decompression.
 * Errors answer MLflow's FastAPI shape (`{"detail": ...}`): 400 for a body that is not an
 * export request, 422 when the spans cannot be stored (unknown experiment, for one).
 */
import { gunzipSync, inflateSync } from 'node:zlib';
import { MlflowError, TRACE_ROUTES } from '@keel/contract';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { DecodedExport } from '../../tracing/otlp-decoder.js';
import type { AppDeps } from '../deps.js';
import { artifactsOnlyMessage, sendDisabled } from './raw-body.js';

/** A client mistake answered with `{"detail": ...}` and its own status. */
class OtlpRequestError extends Error {
  constructor(
    readonly status: number,
    readonly detail: unknown,
  ) {
    super(typeof detail === 'string' ? detail : 'Invalid OTLP request');
  }
}

type Decoder = typeof import('../../tracing/otlp-decoder.js');
let decoder: Promise<Decoder> | undefined;
/** The protobuf definitions are parsed on the first export, not at server start. */
function loadDecoder(): Promise<Decoder> {
  decoder ??= import('../../tracing/otlp-decoder.js');
  return decoder;
}

const PROTOBUF = 'application/x-protobuf';
const JSON_TYPE = 'application/json';

function mediaType(request: FastifyRequest): string | undefined {
  return request.headers['content-type']?.split(';', 1)[0]?.trim().toLowerCase();
}

function decompress(body: Buffer, encoding: string, limit: number): Buffer {
  try {
    if (encoding === 'identity' || encoding === '') return body;
    if (encoding === 'gzip') return gunzipSync(body, { maxOutputLength: limit });
    if (encoding === 'deflate') return inflateSync(body, { maxOutputLength: limit });
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new OtlpRequestError(413, `Decompressed request body is larger than ${limit} bytes.`);
    }
    throw new OtlpRequestError(400, `Invalid ${encoding} request body.`);
  }
  throw new OtlpRequestError(400, `Unsupported Content-Encoding: ${encoding}. Use gzip, deflate or identity.`);
}

async function decode(request: FastifyRequest, limit: number): Promise<{ decoded: DecodedExport; type: string }> {
  const type = mediaType(request);
  if (type !== PROTOBUF && type !== JSON_TYPE) {
    throw new OtlpRequestError(
      400,
      `Invalid Content-Type: ${request.headers['content-type']}. Expected: ${PROTOBUF} or ${JSON_TYPE}`,
    );
  }
  const raw = (request.body as Buffer | undefined) ?? Buffer.alloc(0);
  const encoding = String(request.headers['content-encoding'] ?? 'identity')
    .trim()
    .toLowerCase();
  const body = decompress(raw, encoding, limit);
  const { decodeJsonExport, decodeProtobufExport, OtlpFormatError } = await loadDecoder();
  try {
    const decoded = type === PROTOBUF ? decodeProtobufExport(body) : decodeJsonExport(body.toString('utf8'));
    if (decoded.resourceSpanCount === 0) {
      const format = type === PROTOBUF ? 'protobuf' : 'JSON';
      throw new OtlpRequestError(400, `Invalid OpenTelemetry ${format} format - no spans found`);
    }
    return { decoded, type };
  } catch (error) {
    if (error instanceof OtlpFormatError) throw new OtlpRequestError(400, error.message);
    throw error;
  }
}

async function exportTraces(deps: AppDeps, request: FastifyRequest, reply: FastifyReply, limit: number) {
  const experimentId = request.headers[TRACE_ROUTES.experimentIdHeader];
  if (typeof experimentId !== 'string' || experimentId === '') {
    // FastAPI's validation answer for a missing required header, as MLflow's server gives it.
    throw new OtlpRequestError(422, [
      { loc: ['header', TRACE_ROUTES.experimentIdHeader], msg: 'field required', type: 'value_error.missing' },
    ]);
  }
  const { decoded, type } = await decode(request, limit);
  try {
    await deps.traces.logSpans(experimentId, decoded.spans);
  } catch (error) {
    if (error instanceof MlflowError && error.code !== 'TEMPORARILY_UNAVAILABLE' && error.status < 500) {
      throw new OtlpRequestError(422, `Cannot store OpenTelemetry spans: ${error.message}`);
    }
    throw error;
  }
  // An empty ExportTraceServiceResponse: no bytes in protobuf, `{}` in JSON.
  return type === PROTOBUF
    ? reply.code(200).type(PROTOBUF).send(Buffer.alloc(0))
    : reply.code(200).header('content-type', JSON_TYPE).send(Buffer.from('{}'));
}

function sendDetail(reply: FastifyReply, status: number, detail: unknown): FastifyReply {
  // Bare `application/json`, as MLflow answers: bytes keep Fastify from appending a charset.
  return reply
    .code(status)
    .header('content-type', JSON_TYPE)
    .send(Buffer.from(JSON.stringify({ detail })));
}

/** Registers `POST /v1/traces` in a plugin that buffers bodies up to the OTLP limit. */
export async function registerOtlpRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const limit = deps.options.maxOtlpBodyBytes ?? deps.options.maxJsonBodyBytes;
  await app.register(async (otlp) => {
    otlp.removeAllContentTypeParsers();
    otlp.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: limit }, (_request, body, done) => done(null, body));
    otlp.setErrorHandler((error, request, reply) => {
      if (error instanceof OtlpRequestError) return sendDetail(reply, error.status, error.detail);
      if ((error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
        return sendDetail(reply, 413, `Request body is larger than ${limit} bytes.`);
      }
      if (error instanceof MlflowError) return sendDetail(reply, error.status, error.message);
      const status = (error as FastifyError).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        return sendDetail(reply, 400, (error as Error).message);
      }
      deps.logger.error(`${request.method} ${request.url} failed`, error);
      return sendDetail(reply, 500, 'An internal error occurred on the server.');
    });
    otlp.post(TRACE_ROUTES.otlpTraces, async (request, reply) => {
      if (deps.options.artifactsOnly) return sendDisabled(reply, artifactsOnlyMessage(TRACE_ROUTES.otlpTraces));
      return exportTraces(deps, request, reply, limit);
    });
  });
}
