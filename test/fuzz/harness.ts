// The generative endpoint test's engine: a real Keel server on a real SQLite file, a few
// entities to aim at, and one fast-check property per endpoint of the contract tables (and per
// raw artifact route) that sends random and hostile requests over HTTP and checks each answer:
// a 2xx, or a 4xx carrying MLflow's error JSON; never a 5xx; and whatever was acknowledged reads
// back unchanged (`read-back.ts`). Used by `test/fuzz/endpoints.test.ts` (fixed seed, few cases)
// and `bench/fuzz.ts` (any seed, many cases).
import { mkdirSync, symlinkSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import {
  AbortMultipartUploadMsg,
  ARTIFACT_ROUTES,
  ARTIFACTS_AJAX_PREFIX,
  ARTIFACTS_PREFIX,
  CompleteMultipartUploadMsg,
  CreateMultipartUploadMsg,
  type Endpoint,
  encodeArtifactPath,
  endpointPaths,
  type HttpMethod,
  type MessageSpec,
  registryEndpoints,
  trackingEndpoints,
  UI_ARTIFACT_ROUTES,
} from '@keel/contract';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import fc from 'fast-check';
import { artifactPath, FIXTURE_FILES, type Fixtures, requestValue } from './arbitraries.js';
import { readBackJson, readBackRaw } from './read-back.js';

/** One HTTP request as sent, with what the read-back needs to know about it. */
export interface FuzzCase {
  readonly method: string;
  /** Path and query, exactly as sent. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: Buffer;
  /** The contract endpoint, for JSON routes. */
  readonly endpoint?: Endpoint;
  /** The raw route's name (`artifacts:PUT`, `uploadArtifact`, ...), for the others. */
  readonly rawRoute?: string;
  /** Values of `{param}` path segments and query fields of raw routes, decoded. */
  readonly params: Readonly<Record<string, string>>;
}

export interface FuzzResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
}

/** A target of the fuzzer: a name for reports and a generator of cases. */
export interface FuzzTarget {
  readonly name: string;
  readonly cases: fc.Arbitrary<FuzzCase>;
}

export interface FuzzServer {
  readonly keel: TestServer;
  readonly fixtures: Fixtures;
  /** Status codes seen per target (reported by the bench script, checked by the test). */
  readonly statuses: Map<string, Map<number, number>>;
  close(): Promise<void>;
}

const REQUEST_TIMEOUT_MS = 30_000;
/** Node refuses request heads over 16 KiB; longer URLs are cut so the case still tests the route. */
const MAX_URL_LENGTH = 12_000;

/** Sends one case over a fresh connection, byte for byte. */
export function sendCase(baseUrl: string, c: FuzzCase): Promise<FuzzResponse> {
  const url = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { ...c.headers };
    if (c.body !== undefined) headers['content-length'] = String(c.body.length);
    const req = request(
      { host: url.hostname, port: url.port, method: c.method, path: c.url, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error(`no answer within ${REQUEST_TIMEOUT_MS} ms`)));
    req.on('error', reject);
    req.end(c.body);
  });
}

/** JSON parse that answers undefined instead of throwing. */
export function tryJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    return undefined;
  }
}

/**
 * What is wrong with an answer, or undefined when it is acceptable. Allowed besides 2xx and
 * JSON 4xx: the framework's HTML 404/405 pages for a path or method no route serves (what
 * MLflow's framework answers too), and 501 NOT_IMPLEMENTED, the documented signal that the
 * storage has no multipart upload (clients fall back to a single PUT).
 */
export function problemWith(res: FuzzResponse): string | undefined {
  const type = String(res.headers['content-type'] ?? '');
  const json = tryJson(res.body) as { error_code?: unknown; message?: unknown } | undefined;
  if (res.status >= 200 && res.status < 300) return undefined;
  if ((res.status === 404 || res.status === 405) && type.startsWith('text/html')) return undefined;
  if (res.status === 501 && json?.error_code === 'NOT_IMPLEMENTED') return undefined;
  if (res.status >= 500) return `answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`;
  if (res.status < 400) return `answered ${res.status}`;
  if (typeof json?.error_code !== 'string' || typeof json.message !== 'string') {
    return `answered ${res.status} without MLflow's error JSON: ${type} ${res.body.toString('utf8').slice(0, 200)}`;
  }
  if (/\n\s+at .+:\d+:\d+/.test(json.message))
    return `error message carries a stack trace: ${json.message.slice(0, 300)}`;
  return undefined;
}

/** A short description of a case for failure reports. */
export function describeCase(c: FuzzCase): string {
  const body =
    c.body === undefined
      ? ''
      : ` body=${c.body.toString('utf8').slice(0, 240)}${c.body.length > 240 ? `...(${c.body.length} bytes)` : ''}`;
  const url = c.url.length > 240 ? `${c.url.slice(0, 240)}...(${c.url.length} chars)` : c.url;
  return `${c.method} ${url} ${JSON.stringify(c.headers)}${body}`;
}

/** A JSON API call for fixtures: status and parsed body. */
async function api(baseUrl: string, method: string, path: string, body?: unknown) {
  const query = method === 'GET' ? `?${new URLSearchParams(body as Record<string, string>)}` : '';
  const res = await sendCase(baseUrl, {
    method,
    url: `/api/2.0/mlflow${path}${query}`,
    headers: method === 'GET' ? {} : { 'content-type': 'application/json' },
    ...(method === 'GET' ? {} : { body: Buffer.from(JSON.stringify(body)) }),
    params: {},
  });
  // biome-ignore lint/suspicious/noExplicitAny: fixture responses are read field by field
  return { status: res.status, json: tryJson(res.body) as any };
}

/** Starts the server and creates the entities cases aim at. */
export async function startFuzzServer(): Promise<FuzzServer> {
  const keel = await startTestServer();
  const post = async (path: string, body: unknown) => {
    const res = await api(keel.url, 'POST', path, body);
    if (res.status !== 200) throw new Error(`fixture ${path} failed: ${res.status} ${JSON.stringify(res.json)}`);
    return res.json;
  };
  const experimentId: string = (await post('/experiments/create', { name: 'fuzz-experiment' })).experiment_id;
  const deletedExperimentId: string = (await post('/experiments/create', { name: 'fuzz-deleted' })).experiment_id;
  await post('/experiments/delete', { experiment_id: deletedExperimentId });
  const run = (await post('/runs/create', { experiment_id: experimentId, run_name: 'fuzz-run' })).run;
  const runId: string = run.info.run_id;
  await post('/runs/log-batch', {
    run_id: runId,
    metrics: [{ key: 'm', value: 1, timestamp: 1, step: 0 }],
    params: [{ key: 'p', value: 'v' }],
    tags: [{ key: 't', value: 'v' }],
  });
  const deletedRunId: string = (await post('/runs/create', { experiment_id: experimentId })).run.info.run_id;
  await post('/runs/delete', { run_id: deletedRunId });
  const modelName = 'fuzz-model';
  await post('/registered-models/create', { name: modelName });
  await post('/model-versions/create', { name: modelName, source: run.info.artifact_uri, run_id: runId });
  const loggedModelId: string = (await post('/logged-models', { experiment_id: experimentId, name: 'fuzz-logged' }))
    .model.info.model_id;
  // A symbolic-link loop and a directory inside the artifact storage, for the path cases.
  const destination = keel.config.artifactsDestination;
  const runDirectory = join(destination, experimentId, runId, 'artifacts');
  for (const directory of [destination, runDirectory]) {
    mkdirSync(join(directory, 'dir-a'), { recursive: true });
    symlinkSync('loop', join(directory, 'loop'));
  }
  return {
    keel,
    fixtures: {
      experimentId,
      deletedExperimentId,
      runId,
      deletedRunId,
      modelName,
      loggedModelId,
      runArtifactUri: run.info.artifact_uri,
    },
    statuses: new Map(),
    close: () => keel.close(),
  };
}

function encodeQuery(fields: Record<string, unknown>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) {
    for (const one of Array.isArray(value) ? value : [value]) {
      search.append(key, typeof one === 'object' && one !== null ? JSON.stringify(one) : String(one));
    }
  }
  let query = search.toString();
  if (query.length > MAX_URL_LENGTH) {
    const cut = query.lastIndexOf('&', MAX_URL_LENGTH);
    query = query.slice(0, cut > 0 ? cut : MAX_URL_LENGTH).replace(/%[0-9A-F]?$/i, '');
  }
  return query;
}

const ALL_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

/** How a JSON request body is spoiled, now and then: the transport's own failure modes. */
const bodyMutation = fc.oneof(
  { weight: 24, arbitrary: fc.constant('none' as const) },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      'truncated',
      'deep',
      'surrogate-escape',
      'invalid-utf8',
      'not-object',
      'double-encoded',
      'no-content-type',
      'text-content-type',
      'malformed-content-type',
    ),
  },
);

function spoil(mutation: string, json: string, headers: Record<string, string>): Buffer {
  switch (mutation) {
    case 'truncated':
      return Buffer.from(json.slice(0, Math.max(1, json.length - 3)));
    case 'deep':
      return Buffer.from(`{"x": ${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    case 'surrogate-escape':
      return Buffer.from(json.replace(/^\{/, '{"name":"\\ud800x","key":"\\udfff","value":"a\\udc00",'));
    case 'invalid-utf8':
      return Buffer.concat([Buffer.from('{"name":"'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]);
    case 'not-object':
      return Buffer.from('[1,2,3]');
    case 'double-encoded':
      return Buffer.from(JSON.stringify(json));
    case 'no-content-type':
      delete headers['content-type'];
      return Buffer.from(json);
    case 'text-content-type':
      headers['content-type'] = 'text/plain';
      return Buffer.from(json);
    case 'malformed-content-type':
      headers['content-type'] = 'application/json; charset="';
      return Buffer.from(json);
    default:
      return Buffer.from(json);
  }
}

/**
 * Percent-encodes one path segment from its UTF-8 bytes. Unlike `encodeURIComponent` it takes
 * strings with unpaired surrogates too (as U+FFFD, which is what a client's UTF-8 encoder sends).
 */
export function encodeSegment(text: string): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += /[A-Za-z0-9\-._~]/.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function fillPath(template: string, fields: Record<string, unknown>, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = fields[name];
    const text = value === undefined ? 'x' : typeof value === 'string' ? value : JSON.stringify(value);
    // What the server decodes: UTF-8 has no unpaired surrogates, they arrive as U+FFFD.
    params[name] = Buffer.from(text, 'utf8').toString('utf8');
    return encodeSegment(text);
  });
}

/** Cases for one JSON endpoint of the contract tables. */
export function jsonEndpointTarget(endpoint: Endpoint, fixtures: Fixtures): FuzzTarget {
  const cases = fc
    .record({
      fields: requestValue(endpoint.request as MessageSpec<unknown>, fixtures),
      path: fc.constantFrom(...endpointPaths(endpoint)),
      method: fc.oneof(
        { weight: 12, arbitrary: fc.constantFrom(...endpoint.methods) },
        { weight: 1, arbitrary: fc.constantFrom(...ALL_METHODS) },
      ),
      asQuery: fc.boolean(),
      mutation: bodyMutation,
    })
    .map(({ fields, path, method, asQuery, mutation }): FuzzCase => {
      const params: Record<string, string> = {};
      const filled = fillPath(path, fields, params);
      const rest = Object.fromEntries(Object.entries(fields).filter(([k]) => !(k in params)));
      const headers: Record<string, string> = {};
      // GET carries fields in the query string; PATCH/DELETE may too (some clients do that).
      if (method === 'GET' || (asQuery && (method === 'PATCH' || method === 'DELETE'))) {
        const query = encodeQuery(rest);
        return { method, url: query === '' ? filled : `${filled}?${query}`, headers, endpoint, params };
      }
      headers['content-type'] = 'application/json';
      const body = spoil(mutation, JSON.stringify(rest), headers);
      return { method, url: filled, headers, body, endpoint, params };
    });
  return { name: `${endpoint.methods.join('|')} ${endpoint.path} (${endpoint.name})`, cases };
}

const uploadBytes = fc.oneof(
  fc.uint8Array({ maxLength: 2048 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(Buffer.alloc(0)),
);

/** A path for a URL: ordinary characters as they are, the rest percent-encoded by segment. */
const urlPath = fc.oneof(
  { weight: 3, arbitrary: artifactPath.map((p) => p.split('/').map(encodeSegment).join('/')) },
  // Raw ASCII, so `..`, `%2e` and friends reach the server unaltered.
  {
    weight: 1,
    arbitrary: artifactPath.filter((p) => /^[\x21-\x7e]*$/.test(p) && !p.includes('?') && !p.includes('#')),
  },
);

const MPU_MESSAGES: Readonly<Record<string, MessageSpec<unknown>>> = {
  mpuCreate: CreateMultipartUploadMsg as MessageSpec<unknown>,
  mpuComplete: CompleteMultipartUploadMsg as MessageSpec<unknown>,
  mpuAbort: AbortMultipartUploadMsg as MessageSpec<unknown>,
};

/** Cases for the artifact proxy's route families, under both prefixes. */
function proxyTargets(route: keyof typeof ARTIFACT_ROUTES, fixtures: Fixtures): FuzzTarget[] {
  const prefixes = fc.constantFrom(ARTIFACTS_PREFIX, ARTIFACTS_AJAX_PREFIX);
  const base = ARTIFACT_ROUTES[route];
  if (route === 'artifacts') {
    const list: FuzzTarget = {
      name: `GET ${base}?path= (proxy list)`,
      cases: fc.tuple(prefixes, artifactPath).map(([prefix, path]) => ({
        method: 'GET',
        url: `${prefix}${base}?${new URLSearchParams({ path })}`,
        headers: {},
        rawRoute: 'artifacts:LIST',
        params: { path },
      })),
    };
    const transfer = (method: 'GET' | 'PUT' | 'DELETE'): FuzzTarget => ({
      name: `${method} ${base}/<path> (proxy)`,
      cases: fc.tuple(prefixes, urlPath, uploadBytes).map(
        ([prefix, path, bytes]): FuzzCase => ({
          method,
          url: `${prefix}${base}/${path}`,
          headers: method === 'PUT' ? { 'content-type': 'application/octet-stream' } : ({} as Record<string, string>),
          ...(method === 'PUT' ? { body: bytes } : {}),
          rawRoute: `artifacts:${method}`,
          params: { path: `${prefix}${base}/${path}` },
        }),
      ),
    });
    // Uploads first, so downloads find what they stored; deletes last.
    return [list, transfer('PUT'), transfer('GET'), transfer('DELETE')];
  }
  const spec = MPU_MESSAGES[route];
  if (spec === undefined) throw new Error(`no fuzz cases for the proxy route ${route}: add them`);
  return [
    {
      name: `POST ${base}/<path> (proxy multipart)`,
      cases: fc.tuple(prefixes, urlPath, requestValue(spec, fixtures)).map(([prefix, path, fields]) => ({
        method: 'POST',
        url: `${prefix}${base}/${path}`,
        headers: { 'content-type': 'application/json' },
        body: Buffer.from(JSON.stringify(fields)),
        rawRoute: route,
        params: {},
      })),
    },
  ];
}

/** Cases for the UI's artifact routes. */
function uiTarget(route: keyof typeof UI_ARTIFACT_ROUTES, fixtures: Fixtures): FuzzTarget {
  const template = UI_ARTIFACT_ROUTES[route];
  const pathArb = fc.option(artifactPath, { nil: undefined, freq: 8 });
  const id = (good: string) =>
    fc.oneof({ weight: 5, arbitrary: fc.constant(good) }, { weight: 1, arbitrary: fc.string({ maxLength: 10 }) });
  const query = (fields: Record<string, string | undefined>) => {
    const defined = Object.fromEntries(Object.entries(fields).filter((e): e is [string, string] => e[1] !== undefined));
    return { query: new URLSearchParams(defined).toString(), params: defined };
  };
  let cases: fc.Arbitrary<FuzzCase>;
  switch (route) {
    case 'getArtifact':
      cases = fc.tuple(id(fixtures.runId), pathArb).map(([run_id, path]) => {
        const q = query({ run_id, path });
        return { method: 'GET', url: `${template}?${q.query}`, headers: {}, rawRoute: route, params: q.params };
      });
      break;
    case 'getModelVersionArtifact':
      cases = fc.tuple(id(fixtures.modelName), id('1'), pathArb).map(([name, version, path]) => {
        const q = query({ name, version, path });
        return { method: 'GET', url: `${template}?${q.query}`, headers: {}, rawRoute: route, params: q.params };
      });
      break;
    case 'loggedModelArtifactFile':
      cases = fc.tuple(id(fixtures.loggedModelId), pathArb).map(([modelId, artifact_file_path]) => {
        const q = query({ artifact_file_path });
        const url = template.replace('{model_id}', encodeSegment(modelId));
        return { method: 'GET', url: `${url}?${q.query}`, headers: {}, rawRoute: route, params: q.params };
      });
      break;
    case 'uploadArtifact':
      cases = fc.tuple(id(fixtures.runId), pathArb, uploadBytes).map(([run_uuid, path, bytes]) => {
        const q = query({ run_uuid, path });
        return {
          method: 'POST',
          url: `${template}?${q.query}`,
          headers: { 'content-type': 'application/octet-stream' },
          body: bytes,
          rawRoute: route,
          params: q.params,
        };
      });
      break;
  }
  return { name: `${route} (${template})`, cases };
}

/**
 * Every target: each endpoint of the tracking and registry contract tables, each family of
 * the artifact proxy and each UI artifact route. The tables are iterated, so a new endpoint is
 * fuzzed without anyone listing it here.
 */
export function allTargets(fixtures: Fixtures): FuzzTarget[] {
  return [
    ...[...trackingEndpoints, ...registryEndpoints].map((e) => jsonEndpointTarget(e as Endpoint, fixtures)),
    ...(Object.keys(ARTIFACT_ROUTES) as (keyof typeof ARTIFACT_ROUTES)[]).flatMap((r) => proxyTargets(r, fixtures)),
    ...(Object.keys(UI_ARTIFACT_ROUTES) as (keyof typeof UI_ARTIFACT_ROUTES)[]).map((r) => uiTarget(r, fixtures)),
  ];
}

/**
 * Puts the fixtures back after cases deleted, restored or renamed them: the experiment and run
 * active under their names, the deleted ones deleted, the registered model with a version 1,
 * a live logged model. Ids that cannot come back (a deleted logged model) are replaced.
 */
export async function healFixtures(server: FuzzServer, withFiles = false): Promise<void> {
  const f = server.fixtures;
  const call = (method: string, path: string, body: unknown) => api(server.keel.url, method, path, body);
  await call('POST', '/experiments/restore', { experiment_id: f.experimentId });
  await call('POST', '/experiments/update', { experiment_id: f.experimentId, new_name: 'fuzz-experiment' });
  await call('POST', '/runs/restore', { run_id: f.runId });
  await call('POST', '/experiments/delete', { experiment_id: f.deletedExperimentId });
  await call('POST', '/runs/delete', { run_id: f.deletedRunId });
  if ((await call('GET', '/model-versions/get', { name: f.modelName, version: '1' })).status !== 200) {
    await call('DELETE', '/registered-models/delete', { name: f.modelName });
    await call('POST', '/registered-models/create', { name: f.modelName });
    await call('POST', '/model-versions/create', { name: f.modelName, source: f.runArtifactUri, run_id: f.runId });
  }
  await call('POST', '/registered-models/alias', { name: f.modelName, alias: 'champion', version: '1' });
  if ((await call('GET', `/logged-models/${encodeURIComponent(f.loggedModelId)}`, {})).status !== 200) {
    const created = await call('POST', '/logged-models', { experiment_id: f.experimentId, name: 'fuzz-logged' });
    f.loggedModelId = created.json.model.info.model_id;
  }
  if (withFiles) {
    const model = await call('GET', `/logged-models/${encodeURIComponent(f.loggedModelId)}`, {});
    for (const uri of ['', f.runArtifactUri, model.json.model.info.artifact_uri])
      await putFixtureFiles(server.keel.url, uri);
  }
}

/** Uploads `FIXTURE_FILES` below a `mlflow-artifacts:` URI (or the destination root for ''). */
async function putFixtureFiles(baseUrl: string, artifactUri: string): Promise<void> {
  const prefix = artifactUri.replace(/^mlflow-artifacts:\/*/, '');
  for (const file of FIXTURE_FILES) {
    const path = prefix === '' ? file : `${prefix}/${file}`;
    const res = await sendCase(baseUrl, {
      method: 'PUT',
      url: `${ARTIFACTS_PREFIX}/artifacts/${encodeArtifactPath(path)}`,
      headers: { 'content-type': 'application/octet-stream' },
      body: Buffer.from(`fixture ${path}`),
      params: {},
    });
    if (res.status !== 200) throw new Error(`fixture upload of ${path} failed: ${res.status}`);
  }
}

/** Endpoints whose success may leave a fixture deleted, restored or renamed. */
const DISTURBING = /^(delete|rename|restore|updateExperiment)/;

/** Sends one case and checks the answer, then what it acknowledged; throws on any problem. */
export async function checkCase(server: FuzzServer, target: FuzzTarget, c: FuzzCase): Promise<void> {
  const res = await sendCase(server.keel.url, c);
  const seen = server.statuses.get(target.name) ?? new Map<number, number>();
  seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
  server.statuses.set(target.name, seen);
  let problem = problemWith(res);
  // A method the endpoint does not take may reach another endpoint on the same path (DELETE
  // /registered-models/alias); only the endpoint's own methods are read back as its writes.
  const ownMethod = c.endpoint === undefined || c.endpoint.methods.includes(c.method as HttpMethod);
  if (problem === undefined && res.status === 200 && ownMethod) {
    try {
      problem = c.endpoint ? await readBackJson(server, c, res) : await readBackRaw(server, c, res);
    } catch (error) {
      problem = `reading back what was acknowledged failed: ${(error as Error).message}`;
    }
  }
  if (problem !== undefined) throw new Error(`${problem}\n  request: ${describeCase(c)}`);
  if (res.status < 300 && c.endpoint !== undefined && DISTURBING.test(c.endpoint.name)) await healFixtures(server);
}

export interface FuzzRunOptions {
  readonly seed: number;
  readonly runsPerTarget: number;
}

/**
 * Runs one target's property; resolves when it holds, rejects with the problem, the request
 * and how to replay it. No shrinking: the server's state moves on with every request, so a
 * shrunk case would not fail the same way; the seed and path replay the original.
 */
export async function fuzzTarget(server: FuzzServer, target: FuzzTarget, options: FuzzRunOptions): Promise<void> {
  // Artifact targets start with the fixture files in place (earlier deletes may have hit them).
  await healFixtures(server, /rtifact/.test(target.name));
  const details = await fc.check(
    fc.asyncProperty(target.cases, (c) => checkCase(server, target, c)),
    { seed: options.seed, numRuns: options.runsPerTarget, endOnFailure: true },
  );
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${target.name} failed on case ${details.numRuns} (replay: seed ${details.seed}, path "${details.counterexamplePath}"):\n  ${cause}`,
    );
  }
}
