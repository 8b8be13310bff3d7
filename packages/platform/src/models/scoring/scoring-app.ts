/**
 * The scoring app (models.md §8): a factory around one plain `invocations()` function, shared by
 * `keel models serve` (through `handle`, a Node HTTP handler) and `keel models predict` and tests
 * (calling `invocations` directly). It checks the content type, parses the body, enforces the
 * signature and params, predicts within the time limit and answers MLflow's JSON.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { KEEL_VERSION, MLFLOW_COMPAT_VERSION, MlflowError } from '@keel/contract';
import { ModelError, type PredictOptions } from '../flavor.js';
import { enforceInput } from '../signature/enforce.js';
import { enforceParams } from '../signature/params.js';
import { DeadlineExceeded, Deadlines } from './deadlines.js';
import { type ModelSlot, modelVersionLabel, type ServedModel } from './model-slot.js';
import { responseBody } from './predictions.js';
import { parseCsvRequest, parseJsonRequest, SCORING_PROTOCOL_CHANGE_INFO } from './request-parsing.js';

/** Limits of one request. */
export interface ScoringLimits {
  /** Per-request time limit (MLflow's `--timeout`, default 60 s); past it the answer is 504. */
  readonly timeoutMs: number;
  /** Largest request body accepted; larger ones get 413. */
  readonly maxRequestBytes: number;
}

/** MLflow's defaults, and a request size bound MLflow lacks. */
export const DEFAULT_SCORING_LIMITS: ScoringLimits = Object.freeze({
  timeoutMs: 60_000,
  maxRequestBytes: 100 * 1024 * 1024,
});

/** A request as `invocations` takes it. */
export interface ScoringRequest {
  readonly body: string | Buffer;
  /** The `Content-Type` header value, if any. */
  readonly contentType: string | undefined;
}

/** An answer. */
export interface ScoringResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  /** The model version that answered (for the response header). */
  readonly modelVersion: string;
  /** `Server-Timing` value: the whole request, and the model's own time where measured. */
  readonly serverTiming?: string;
}

/** What the app is built from. */
export interface ScoringAppOptions {
  /** The model: fixed, or a slot whose model may be swapped while serving. */
  readonly model: ServedModel | ModelSlot;
  readonly limits?: Partial<ScoringLimits>;
  /** Receives warnings (ignored params, extra columns). */
  readonly warn?: (message: string) => void;
  /** Receives unexpected failures, with their cause. */
  readonly logError?: (message: string, cause: unknown) => void;
}

/** The app. */
export interface ScoringApp {
  readonly limits: ScoringLimits;
  /** Answers one `/invocations` request. */
  invocations(request: ScoringRequest): Promise<ScoringResponse>;
  /** A Node HTTP request handler serving `/ping`, `/health`, `/version` and `/invocations`. */
  handle(request: IncomingMessage, response: ServerResponse): void;
  /** The model in use now. */
  current(): ServedModel;
}

const JSON_TYPE = 'application/json';
const TEXT_TYPE = 'text/plain; charset=utf-8';
const UNEXPECTED =
  'Encountered an unexpected error while evaluating the model. Verify that the serialized input Dataframe is compatible with the model for inference.';

function errorJson(error: MlflowError, stackTrace?: string): string {
  return JSON.stringify({
    error_code: error.rawCode,
    message: error.message,
    ...(stackTrace === undefined ? {} : { stack_trace: stackTrace }),
  });
}

/** Splits `Content-Type` into its media type and parameters, as MLflow's server does. */
function contentTypeError(contentType: string | undefined): { status: number; body: string } | 'json' | 'csv' {
  if (contentType === undefined || contentType.trim() === '') {
    return {
      status: 415,
      body: `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got ''.`,
    };
  }
  const parts = contentType.split(';').map((p) => p.trim());
  const mime = (parts[0] as string).toLowerCase();
  const params = new Map<string, string>();
  for (const pair of parts.slice(1)) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    params.set((eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase(), eq < 0 ? '' : pair.slice(eq + 1).trim());
  }
  const charset = (params.get('charset') ?? 'utf-8').replace(/^"|"$/g, '').toLowerCase();
  if (charset !== 'utf-8') return { status: 415, body: 'The scoring server only supports UTF-8' };
  const unexpected = [...params.keys()].filter((k) => k !== 'charset');
  if (unexpected.length > 0) {
    return {
      status: 415,
      body: `Unrecognized content type parameters: ${unexpected.join(', ')}. ${SCORING_PROTOCOL_CHANGE_INFO}`,
    };
  }
  if (mime === 'application/json') return 'json';
  if (mime === 'text/csv') return 'csv';
  return {
    status: 415,
    body: `This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got '${contentType}'.`,
  };
}

/** Content types seen (clients send the same few over and over); bounded. */
const contentKinds = new Map<string, ReturnType<typeof contentTypeError>>();

function contentKind(contentType: string | undefined): ReturnType<typeof contentTypeError> {
  if (contentType === undefined) return contentTypeError(contentType);
  let kind = contentKinds.get(contentType);
  if (kind === undefined) {
    kind = contentTypeError(contentType);
    if (contentKinds.size >= 256) contentKinds.clear();
    contentKinds.set(contentType, kind);
  }
  return kind;
}

function isSlot(model: ServedModel | ModelSlot): model is ModelSlot {
  return typeof (model as ModelSlot).acquire === 'function';
}

/**
 * What one request hands its model: the abort signal, made only if a runtime asks for it (the
 * Python worker does; in-process models do not), and the model's own time, where measured.
 */
class RequestContext implements PredictOptions {
  private controller: AbortController | undefined;
  modelMs: number | undefined;
  readonly onModelTime = (ms: number): void => {
    this.modelMs = ms;
  };

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }

  abort(): void {
    this.controller?.abort();
  }
}

const NO_RELEASE = (): void => {};

/**
 * Builds the scoring app.
 *
 * @example
 * const app = createScoringApp({ model: { predictor, signature, info }, limits: { timeoutMs: 5000 } });
 * const res = await app.invocations({ contentType: 'application/json', body: '{"inputs": [[1, 2]]}' });
 * http.createServer(app.handle).listen(5001);
 */
export function createScoringApp(options: ScoringAppOptions): ScoringApp {
  const limits: ScoringLimits = Object.freeze({ ...DEFAULT_SCORING_LIMITS, ...options.limits });
  const slot = isSlot(options.model) ? options.model : undefined;
  const fixed = isSlot(options.model) ? undefined : options.model;
  const warn = options.warn ?? (() => {});
  // A fixed model needs no lease: one shared object serves every request.
  const fixedLease = fixed === undefined ? undefined : { model: fixed, release: NO_RELEASE };
  const acquire = () => fixedLease ?? (slot as ModelSlot).acquire();
  const current = () => slot?.current ?? (fixed as ServedModel);

  const deadlines = new Deadlines(limits.timeoutMs);

  function answer(
    status: number,
    contentType: string,
    body: string,
    modelVersion: string,
    started: number,
    modelMs: number | undefined,
  ): ScoringResponse {
    const total = `total;dur=${(performance.now() - started).toFixed(3)}`;
    const serverTiming = modelMs === undefined ? total : `${total}, model;dur=${modelMs.toFixed(3)}`;
    return { status, contentType, body, modelVersion, serverTiming };
  }

  async function invocations(request: ScoringRequest): Promise<ScoringResponse> {
    const started = performance.now();
    const lease = acquire();
    const model = lease.model;
    const modelVersion = modelVersionLabel(model.info);
    const context = new RequestContext();
    try {
      const kind = contentKind(request.contentType);
      if (typeof kind === 'object') return answer(kind.status, TEXT_TYPE, kind.body, modelVersion, started, undefined);
      const text = typeof request.body === 'string' ? request.body : request.body.toString('utf8');
      // Parsing and enforcement are synchronous; the time limit applies to the prediction.
      let parsed: ReturnType<typeof parseJsonRequest>;
      let input: unknown;
      let params: ReturnType<typeof enforceParams>;
      try {
        parsed = kind === 'json' ? parseJsonRequest(text, model) : parseCsvRequest(text, model.signature);
        input = enforceInput(parsed.input, model.signature?.inputs, warn);
        params =
          parsed.params === undefined && model.signature?.params === undefined
            ? undefined
            : enforceParams(parsed.params, model.signature?.params, warn);
      } catch (error) {
        // The client's input, not the model, failed here (e.g. nesting too deep): no stack trace.
        if (error instanceof MlflowError) throw error;
        throw new MlflowError('BAD_REQUEST', `Invalid input. ${(error as Error).message}`);
      }
      const predictions = await deadlines.race(model.predictor.predict(input, params, context), () => context.abort());
      return answer(200, JSON_TYPE, responseBody(predictions, parsed.unified), modelVersion, started, context.modelMs);
    } catch (error) {
      if (error instanceof DeadlineExceeded) {
        // MLflow labels this plain text as JSON; so does Keel.
        return answer(504, JSON_TYPE, 'Request processing time exceeded limit', modelVersion, started, undefined);
      }
      if (error instanceof MlflowError) {
        if (error.status >= 500) options.logError?.('Prediction failed', error);
        return answer(error.status, JSON_TYPE, errorJson(error), modelVersion, started, context.modelMs);
      }
      const trace =
        error instanceof ModelError
          ? error.modelTrace
          : error instanceof Error
            ? (error.stack ?? error.message)
            : String(error);
      return answer(
        400,
        JSON_TYPE,
        errorJson(new MlflowError('BAD_REQUEST', UNEXPECTED), trace),
        modelVersion,
        started,
        context.modelMs,
      );
    } finally {
      lease.release();
    }
  }

  function versionBody(): string {
    const info = current().info;
    return JSON.stringify({
      version: MLFLOW_COMPAT_VERSION,
      keel_version: KEEL_VERSION,
      model: {
        uri: info.uri,
        ...(info.name === undefined ? {} : { name: info.name }),
        ...(info.version === undefined ? {} : { version: info.version }),
        ...(info.alias === undefined ? {} : { alias: info.alias }),
        ...(info.modelId === undefined ? {} : { model_id: info.modelId }),
        ...(info.runId === undefined ? {} : { run_id: info.runId }),
        flavor: info.flavor,
      },
    });
  }

  function send(
    res: ServerResponse,
    status: number,
    contentType: string,
    body: string,
    version: string,
    timing?: string,
  ): void {
    // A flat list of names and values: no header object to build and walk per answer.
    const length = Buffer.byteLength(body);
    res.writeHead(
      status,
      timing === undefined
        ? ['content-type', contentType, 'content-length', length, 'x-keel-model-version', version]
        : [
            'content-type',
            contentType,
            'content-length',
            length,
            'x-keel-model-version',
            version,
            'server-timing',
            timing,
          ],
    );
    res.end(body);
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '/';
    const query = url.indexOf('?');
    const path = query < 0 ? url : url.slice(0, query);
    const version = modelVersionLabel(current().info);
    if (path === '/invocations') {
      if (req.method !== 'POST') {
        send(res, 405, JSON_TYPE, '{"detail":"Method Not Allowed"}', version);
        return;
      }
      const declared = Number(req.headers['content-length'] ?? 0);
      if (declared > limits.maxRequestBytes) {
        tooLarge(res, version);
        req.resume();
        return;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      let refused = false;
      req.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > limits.maxRequestBytes && !refused) {
          refused = true;
          tooLarge(res, version);
          return;
        }
        if (!refused) chunks.push(chunk);
      });
      req.on('end', () => {
        if (refused) return;
        const body = chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
        invocations({ body, contentType: req.headers['content-type'] }).then(
          (r) => send(res, r.status, r.contentType, r.body, r.modelVersion, r.serverTiming),
          (error: unknown) => {
            options.logError?.('Scoring failed', error);
            send(
              res,
              500,
              JSON_TYPE,
              errorJson(new MlflowError('INTERNAL_ERROR', 'An internal error occurred.')),
              version,
            );
          },
        );
      });
      req.on('error', () => res.destroy());
      return;
    }
    const known = path === '/ping' || path === '/health' || path === '/version';
    if (!known) send(res, 404, JSON_TYPE, '{"detail":"Not Found"}', version);
    else if (req.method !== 'GET' && req.method !== 'HEAD')
      send(res, 405, JSON_TYPE, '{"detail":"Method Not Allowed"}', version);
    else if (path === '/version') send(res, 200, JSON_TYPE, versionBody(), version);
    else send(res, 200, JSON_TYPE, '\n', version);
  }

  function tooLarge(res: ServerResponse, version: string): void {
    const error = new MlflowError(
      'BAD_REQUEST',
      `Request body is larger than the scoring server accepts (${limits.maxRequestBytes} bytes; see --max-request-size).`,
      { status: 413 },
    );
    res.setHeader('connection', 'close');
    send(res, 413, JSON_TYPE, errorJson(error), version);
  }

  return { limits, invocations, handle, current };
}
