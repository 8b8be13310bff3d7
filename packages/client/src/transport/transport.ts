/**
 * The seam between the client and whatever answers its requests: an HTTP server through
 * `fetch` (`HttpTransport`), or Keel's store opened in-process (the platform's embedded
 * transport). Requests and responses are plain data, so a fake is ten lines.
 */
import type { HttpMethod } from '@keel/contract';

/**
 * Bytes or text sent as a request body.
 *
 * @example
 * const body: TransportBody = JSON.stringify({ run_id: id });
 */
export type TransportBody = string | Uint8Array | ReadableStream<Uint8Array>;

/**
 * A response body as a transport hands it back.
 *
 * @example
 * const text = await readBodyText(response.body satisfies TransportResponseBody);
 */
export type TransportResponseBody = string | Uint8Array | ReadableStream<Uint8Array> | null;

/**
 * One request.
 *
 * @example
 * const res = await transport.request({ method: 'GET', path: '/api/2.0/mlflow/runs/get', query: [['run_id', id]] });
 */
export interface TransportRequest {
  readonly method: HttpMethod;
  /** Path below the tracking URI (`/api/2.0/mlflow/runs/get`), or an absolute `http(s)://` URL. */
  readonly path: string;
  /** Query parameters in order; a key may repeat (lists are sent as repeated keys). */
  readonly query?: readonly (readonly [string, string])[];
  /** Extra headers (lower-case names). */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body, or a function that opens it. A function is called once per attempt, so a request
   * whose body is a stream can still be retried; a bare stream is sent at most once.
   */
  readonly body?: TransportBody | (() => TransportBody);
  /** Cancels the request (and any retry wait). */
  readonly signal?: AbortSignal;
  /** Hand the response body back as a stream instead of reading it as text. */
  readonly stream?: boolean;
  /** Send no credentials (presigned part URLs of another host must not get the tracking token). */
  readonly anonymous?: boolean;
}

/**
 * One response: any status (errors are the caller's to interpret), lower-case header names.
 *
 * @example
 * if (res.status !== 200) throw errorFromResponse(res.status, await readBodyText(res.body), path);
 */
export interface TransportResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: TransportResponseBody;
}

/**
 * Sends requests to a tracking server or an in-process store.
 *
 * @example
 * const client = new KeelClient({ transport: myTransport });
 */
export interface Transport {
  /** What this transport talks to, for messages (`http://127.0.0.1:5000`, `sqlite:///x.db`). */
  readonly uri: string;
  request(request: TransportRequest): Promise<TransportResponse>;
  /** Releases sockets, databases or other resources held by the transport. */
  close?(): Promise<void>;
}

const decoder = new TextDecoder();

/**
 * Reads a response body fully as UTF-8 text.
 *
 * @example
 * const text = await readBodyText(res.body);
 */
export async function readBodyText(body: TransportResponseBody): Promise<string> {
  if (body === null) return '';
  if (typeof body === 'string') return body;
  if (body instanceof Uint8Array) return decoder.decode(body);
  return new Response(body).text();
}

/**
 * Turns any response body into a byte stream.
 *
 * @example
 * const stream = toByteStream(res.body);
 */
export function toByteStream(body: TransportResponseBody): ReadableStream<Uint8Array> {
  if (body instanceof ReadableStream) return body;
  const bytes = typeof body === 'string' ? new TextEncoder().encode(body) : (body ?? new Uint8Array(0));
  return new ReadableStream({
    start(controller) {
      if (bytes.byteLength > 0) controller.enqueue(bytes);
      controller.close();
    },
  });
}

/**
 * Discards a body that will not be read, so the connection can be reused.
 *
 * @example
 * if (response.status === 503) await discardBody(response.body);
 */
export async function discardBody(body: TransportResponseBody): Promise<void> {
  if (body instanceof ReadableStream) await body.cancel().catch(() => undefined);
}
