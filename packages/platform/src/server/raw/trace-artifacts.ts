/**
 * The trace data download (`get-trace-artifact`): a trace's `traces.json` as an attachment, as
 * the web UI reads it. The file the client uploaded next to the trace (its
 * `mlflow.artifactLocation`, opened through the artifact resolver and so inside the server's
 * artifact-location policy) comes first; a trace whose spans arrived over OTLP is served from
 * the span table. MLflow re-serialises the data, so Keel writes it as Python's `json.dumps`.
 */
import { appendToUri, badRequest, MlflowError, TRACE_ROUTES } from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { pythonJsonText, traceDataDocument } from '../../tracing/span-forms.js';
import type { AppDeps } from '../deps.js';
import { artifactsOnlyMessage, queryParam, readBodyWithin, sendDisabled } from './raw-body.js';

const TRACE_DATA_FILE = 'traces.json';
/** Larger trace files are sent as stored instead of being re-serialised in memory. */
const MAX_REFORMAT_BYTES = 64 * 1024 * 1024;
const ARTIFACT_LOCATION_TAG = 'mlflow.artifactLocation';

function sendTraceData(reply: FastifyReply, body: string | NodeJS.ReadableStream): FastifyReply {
  // MLflow labels the file bare `text/plain`; bytes keep Fastify from appending a charset.
  return reply
    .code(200)
    .header('content-type', 'text/plain')
    .header('content-disposition', `attachment; filename=${TRACE_DATA_FILE}`)
    .header('x-content-type-options', 'nosniff')
    .send(typeof body === 'string' ? Buffer.from(body) : body);
}

/** The uploaded `traces.json` below `location`, or undefined when there is none. */
async function readUploaded(deps: AppDeps, location: string, reply: FastifyReply): Promise<FastifyReply | undefined> {
  const repository = await deps.artifacts.repositoryFor(location);
  let artifact: Awaited<ReturnType<typeof repository.read>>;
  try {
    artifact = await repository.read(TRACE_DATA_FILE);
  } catch (error) {
    if (error instanceof MlflowError && error.code === 'RESOURCE_DOES_NOT_EXIST') return undefined;
    throw error;
  }
  if (artifact.size !== undefined && artifact.size > MAX_REFORMAT_BYTES) return sendTraceData(reply, artifact.stream);
  const bytes = await readBodyWithin(artifact.stream, MAX_REFORMAT_BYTES, 'The trace data is too large to serve.');
  const text = bytes.toString('utf8');
  try {
    return sendTraceData(reply, pythonJsonText(text));
  } catch {
    // Not JSON after all: serve it as stored rather than fail.
    return sendTraceData(reply, text);
  }
}

async function getTraceArtifact(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  const traceId = queryParam(request, 'request_id');
  if (traceId === undefined || traceId === '') {
    throw badRequest('Request must include the "request_id" query parameter.');
  }
  const info = await deps.traces.getTraceInfo(traceId);
  const location = info.tags?.[ARTIFACT_LOCATION_TAG];
  if (location !== undefined) {
    const sent = await readUploaded(deps, location, reply);
    if (sent !== undefined) return sent;
  }
  const spans = (await deps.traces.getSpans([traceId])).get(traceId) ?? [];
  if (spans.length > 0) return sendTraceData(reply, traceDataDocument(spans));
  // MLflow's own code and message (NOT_FOUND, not RESOURCE_DOES_NOT_EXIST); Keel names the URI, not a disk path.
  const where = location === undefined ? `trace ${traceId}` : appendToUri(location, TRACE_DATA_FILE);
  throw new MlflowError('NOT_FOUND', `Trace data not found for path=${where}`);
}

/** Registers the download under the UI's v2 and v3 prefixes (both honour `--static-prefix`). */
export async function registerTraceArtifactRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const prefix = deps.options.staticPrefix;
  for (const base of ['/ajax-api/2.0/mlflow', '/ajax-api/3.0/mlflow']) {
    const route = `${base}${TRACE_ROUTES.traceArtifact}`;
    app.get(`${prefix}${route}`, async (request, reply) => {
      if (deps.options.artifactsOnly) return sendDisabled(reply, artifactsOnlyMessage(route));
      return getTraceArtifact(deps, request, reply);
    });
  }
}
