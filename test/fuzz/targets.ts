// What the generative endpoint test sends: for each endpoint of the contract tables and each
// raw artifact route, a generator of whole requests (method, path, query or body, headers),
// now and then spoiled the ways clients spoil them (broken JSON, wrong Content-Type, ...).
import {
  AbortMultipartUploadMsg,
  ARTIFACT_ROUTES,
  ARTIFACTS_AJAX_PREFIX,
  ARTIFACTS_PREFIX,
  CompleteMultipartUploadMsg,
  CreateMultipartUploadMsg,
  datasetEndpoints,
  type Endpoint,
  endpointPaths,
  type MessageSpec,
  promptlabEndpoints,
  registryEndpoints,
  scorerEndpoints,
  traceEndpoints,
  trackingEndpoints,
  UI_ARTIFACT_ROUTES,
} from '@keel/contract';
import fc from 'fast-check';
import { type Fixtures, requestValue } from './arbitraries.js';
import { genaiRawTargets } from './genai-targets.js';
import { artifactPath } from './hostile-values.js';
import { encodeSegment, type FuzzCase } from './transport.js';

/** A target of the fuzzer: a name for reports and a generator of cases. */
export interface FuzzTarget {
  readonly name: string;
  readonly cases: fc.Arbitrary<FuzzCase>;
}

/** Node refuses request heads over 16 KiB; longer URLs are cut so the case still tests the route. */
const MAX_URL_LENGTH = 12_000;

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

/** Every JSON endpoint the server serves: the tracking, registry, tracing, dataset and scorer tables. */
export const FUZZED_ENDPOINTS: readonly Endpoint[] = [
  ...trackingEndpoints,
  ...registryEndpoints,
  ...traceEndpoints,
  ...datasetEndpoints,
  ...scorerEndpoints,
  ...promptlabEndpoints,
] as readonly Endpoint[];

/**
 * Every target: each endpoint of the contract tables, each family of the artifact proxy, each
 * UI artifact route, and the OTLP, GraphQL and trace-data routes. The tables are iterated, so a
 * new endpoint is fuzzed without anyone listing it here.
 */
export function allTargets(fixtures: Fixtures): FuzzTarget[] {
  return [
    ...FUZZED_ENDPOINTS.map((e) => jsonEndpointTarget(e, fixtures)),
    ...(Object.keys(ARTIFACT_ROUTES) as (keyof typeof ARTIFACT_ROUTES)[]).flatMap((r) => proxyTargets(r, fixtures)),
    ...(Object.keys(UI_ARTIFACT_ROUTES) as (keyof typeof UI_ARTIFACT_ROUTES)[]).map((r) => uiTarget(r, fixtures)),
    ...genaiRawTargets(fixtures),
  ];
}
