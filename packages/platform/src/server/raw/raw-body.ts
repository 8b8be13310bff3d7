/**
 * Plumbing shared by the routes that take raw bytes rather than JSON: bodies handed over as
 * streams, bounded buffering where a size limit applies, and query-string access.
 */
import { finished, Readable } from 'node:stream';
import { badRequest, invalidParameter, MlflowError } from '@keel/contract';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * Makes an encapsulated Fastify instance pass every request body to its handlers as the
 * untouched request stream: nothing is buffered and no size limit applies, so an upload flows
 * from the socket to its destination with backpressure.
 */
export function acceptStreamingBodies(instance: FastifyInstance): void {
  instance.removeAllContentTypeParsers();
  instance.addContentTypeParser('*', (_request, payload, done) => done(null, payload));
  // Uploads take any bytes under any label. Fastify refuses a malformed Content-Type (415) before
  // any parser runs, so the header is set aside: none of these routes reads it.
  instance.addHook('onRequest', async (request) => {
    delete request.headers['content-type'];
  });
}

/** The request body as a stream; an absent body is an empty stream. */
export function bodyStream(request: FastifyRequest): Readable {
  const body = request.body;
  return body instanceof Readable ? body : Readable.from([]);
}

/**
 * Runs the work of an upload. When the client goes away before its body is complete, the failure
 * is its own (BAD_REQUEST, nobody left to read it), not a server error to log; errors that are
 * already MLflow errors (unsafe path, too large) are kept as they are.
 */
export async function receiveUpload<T>(request: FastifyRequest, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof MlflowError) && !request.raw.complete) {
      throw badRequest('The request body ended before it was complete; nothing was stored.');
    }
    throw error;
  }
}

/**
 * Reads a body into memory, refusing it with INVALID_PARAMETER_VALUE `tooLargeMessage` as soon
 * as more than `limit` bytes arrive (for bodies sent without a Content-Length). After a refusal
 * the rest of the body is read and dropped, as Node does for unread bodies, so the client can
 * finish sending and then read the error on a connection that stays usable.
 */
export function readBodyWithin(body: Readable, limit: number, tooLargeMessage: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let refused = false;
    body.on('data', (chunk: Buffer) => {
      if (refused) return;
      total += chunk.length;
      if (total <= limit) {
        chunks.push(chunk);
        return;
      }
      refused = true;
      chunks.length = 0;
      reject(invalidParameter(tooLargeMessage));
    });
    finished(body, (error) => {
      if (refused) return;
      if (error) reject(error);
      else resolve(Buffer.concat(chunks, total));
    });
  });
}

/** One query parameter: the first value when repeated, undefined when absent. */
export function queryParam(request: FastifyRequest, name: string): string | undefined {
  const value = (request.query as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(value) ? value[0] : value;
}

/** Sends a JSON object body as MLflow does: `application/json`, no charset (bytes keep Fastify from adding one). */
export function sendJsonObject(reply: FastifyReply, body: object): FastifyReply {
  return reply
    .code(200)
    .header('content-type', 'application/json')
    .send(Buffer.from(JSON.stringify(body)));
}

/** Sends a plain-text 503, MLflow's answer for a route the server's mode turns off. */
export function sendDisabled(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(503).type('text/plain; charset=utf-8').send(message);
}

/** MLflow's text for a tracking route in `--artifacts-only` mode. */
export function artifactsOnlyMessage(route: string): string {
  return (
    `Endpoint: ${route} disabled due to the mlflow server running in \`--artifacts-only\` mode. ` +
    'To enable tracking server functionality, run `mlflow server` without `--artifacts-only`'
  );
}
