// "Never a stored value that differs from what was acknowledged": after a 200 on a write, read
// the entity back over HTTP and compare. The acknowledged input is decoded from the bytes that
// were sent with the contract's own decoder, the one the server used, so camelCase keys,
// aliases, numeric strings and defaults count exactly as the server counted them. Over-long
// param and tag values are truncated by design (MLflow's MLFLOW_TRUNCATE_LONG_VALUES default),
// so those are expected truncated, at a character (code point) boundary.
import {
  type DecodeSource,
  decodeMessage,
  type KeyValue,
  type MessageSpec,
  toNumber,
  type WireDouble,
} from '@keel/contract';
import type { FuzzServer } from './fixtures.js';
import { type FuzzCase, type FuzzResponse, sendCase, tryJson } from './transport.js';

const PARAM_VALUE_LIMIT = 6000;
const RUN_TAG_VALUE_LIMIT = 8000;

/** What MLflow keeps of an over-long value: its first `limit` characters. */
function truncated(value: string, limit: number): string {
  const chars = Array.from(value);
  return chars.length <= limit ? value : chars.slice(0, limit).join('');
}

// biome-ignore lint/suspicious/noExplicitAny: responses are read field by field
type Json = any;

async function get(server: FuzzServer, path: string, query: Record<string, string>): Promise<Json> {
  const url = `/api/2.0/mlflow${path}?${new URLSearchParams(query)}`;
  const res = await sendCase(server.keel.url, { method: 'GET', url, headers: {}, params: {} });
  if (res.status !== 200)
    throw new Error(`read-back GET ${path} answered ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
  return tryJson(res.body);
}

/** The fields the server decoded from this request. */
function acknowledged(c: FuzzCase): Record<string, unknown> {
  let fields: Record<string, unknown>;
  let source: DecodeSource = 'json';
  const queryAt = c.url.indexOf('?');
  if (c.body === undefined) {
    source = 'query';
    fields = {};
    const search = new URLSearchParams(queryAt < 0 ? '' : c.url.slice(queryAt + 1));
    for (const key of new Set(search.keys())) {
      const all = search.getAll(key);
      fields[key] = all.length === 1 ? all[0] : all;
    }
  } else {
    let parsed = JSON.parse(c.body.toString('utf8'));
    if (typeof parsed === 'string') parsed = JSON.parse(parsed);
    fields = parsed as Record<string, unknown>;
  }
  for (const [name, value] of Object.entries(c.params)) fields[name] = value;
  return decodeMessage(c.endpoint?.request as MessageSpec<unknown>, fields, source) as Record<string, unknown>;
}

function tagValue(tags: readonly KeyValue[] | undefined, key: string): string | undefined {
  return tags?.find((t) => t.key === key)?.value;
}

function expectEqual(what: string, stored: unknown, sent: unknown): string | undefined {
  if (stored === sent) return undefined;
  const show = (v: unknown) => JSON.stringify(v)?.slice(0, 200);
  return `acknowledged ${what} = ${show(sent)} but reads back ${show(stored)}`;
}

function sameDouble(a: WireDouble, b: WireDouble): boolean {
  const x = toNumber(a);
  const y = toNumber(b);
  if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
  // MLflow returns infinities as the largest finite doubles; Keel keeps them. Both are fine.
  const clamp = (n: number) => Math.max(-Number.MAX_VALUE, Math.min(Number.MAX_VALUE, n));
  return clamp(x) === clamp(y);
}

interface MetricPoint {
  readonly key: string;
  readonly value: WireDouble;
  readonly timestamp: number;
  readonly step?: number;
}

async function checkMetrics(
  server: FuzzServer,
  runId: string,
  metrics: readonly MetricPoint[],
): Promise<string | undefined> {
  const histories = new Map<string, MetricPoint[]>();
  for (const metric of metrics) {
    let history = histories.get(metric.key);
    if (history === undefined) {
      history = [];
      let token: string | undefined;
      do {
        const page: Json = await get(server, '/metrics/get-history', {
          run_id: runId,
          metric_key: metric.key,
          max_results: '25000',
          ...(token ? { page_token: token } : {}),
        });
        history.push(...(page.metrics ?? []));
        token = page.next_page_token;
      } while (token);
      histories.set(metric.key, history);
    }
    const found = history.some(
      (p) =>
        p.timestamp === metric.timestamp && (p.step ?? 0) === (metric.step ?? 0) && sameDouble(p.value, metric.value),
    );
    if (!found) return `acknowledged metric ${JSON.stringify(metric)} is not in the run's history`;
  }
  return undefined;
}

async function checkRunData(
  server: FuzzServer,
  runId: string,
  params: readonly KeyValue[],
  tags: readonly KeyValue[],
): Promise<string | undefined> {
  if (params.length === 0 && tags.length === 0) return undefined;
  const run: Json = (await get(server, '/runs/get', { run_id: runId })).run;
  for (const p of params) {
    const problem = expectEqual(
      `param ${p.key}`,
      tagValue(run.data.params, p.key),
      truncated(p.value, PARAM_VALUE_LIMIT),
    );
    if (problem) return problem;
  }
  // The last value of a key in one request is the one kept.
  const lastByKey = new Map(tags.map((t) => [t.key, t.value]));
  for (const [key, value] of lastByKey) {
    const problem = expectEqual(`tag ${key}`, tagValue(run.data.tags, key), truncated(value, RUN_TAG_VALUE_LIMIT));
    if (problem) return problem;
  }
  return undefined;
}

type ReadBack = (server: FuzzServer, input: Json, response: Json) => Promise<string | undefined>;

/** Read-backs of the JSON endpoints that store something, by endpoint name. */
const JSON_READ_BACKS: Readonly<Record<string, ReadBack>> = {
  logParam: (s, i) => checkRunData(s, i.run_id, [{ key: i.key, value: i.value }], []),
  setTag: (s, i) => checkRunData(s, i.run_id, [], [{ key: i.key, value: i.value }]),
  logMetric: (s, i) => checkMetrics(s, i.run_id, [i]),
  async logBatch(s, i) {
    return (
      (await checkRunData(s, i.run_id, i.params ?? [], i.tags ?? [])) ?? checkMetrics(s, i.run_id, i.metrics ?? [])
    );
  },
  async createRun(s, i, r) {
    const run: Json = (await get(s, '/runs/get', { run_id: r.run.info.run_id })).run;
    if (i.run_name) return expectEqual('run_name', run.info.run_name, i.run_name);
    return checkRunData(s, r.run.info.run_id, [], i.tags ?? []);
  },
  async updateRun(s, i) {
    const run: Json = (await get(s, '/runs/get', { run_id: i.run_id })).run;
    if (i.run_name) return expectEqual('run_name', run.info.run_name, i.run_name);
    if (i.status) return expectEqual('status', run.info.status, i.status);
    return undefined;
  },
  async createExperiment(s, i, r) {
    const experiment: Json = (await get(s, '/experiments/get', { experiment_id: r.experiment_id })).experiment;
    return expectEqual('experiment name', experiment.name, i.name);
  },
  async updateExperiment(s, i) {
    const experiment: Json = (await get(s, '/experiments/get', { experiment_id: i.experiment_id })).experiment;
    return expectEqual('experiment name', experiment.name, i.new_name);
  },
  async setExperimentTag(s, i) {
    const experiment: Json = (await get(s, '/experiments/get', { experiment_id: i.experiment_id })).experiment;
    return expectEqual(`experiment tag ${i.key}`, tagValue(experiment.tags, i.key), i.value);
  },
  async createRegisteredModel(s, i) {
    const model: Json = (await get(s, '/registered-models/get', { name: i.name })).registered_model;
    return (
      expectEqual('registered model name', model.name, i.name) ??
      expectEqual('description', model.description ?? '', i.description ?? '')
    );
  },
  async updateRegisteredModel(s, i) {
    if (i.description === undefined) return undefined;
    const model: Json = (await get(s, '/registered-models/get', { name: i.name })).registered_model;
    return expectEqual('description', model.description ?? '', i.description);
  },
  async setRegisteredModelTag(s, i) {
    const model: Json = (await get(s, '/registered-models/get', { name: i.name })).registered_model;
    return expectEqual(`registered model tag ${i.key}`, tagValue(model.tags, i.key), i.value ?? '');
  },
  async setModelVersionTag(s, i) {
    const version: Json = (await get(s, '/model-versions/get', { name: i.name, version: String(i.version) }))
      .model_version;
    return expectEqual(`model version tag ${i.key}`, tagValue(version.tags, i.key), i.value ?? '');
  },
  async updateModelVersion(s, i) {
    if (i.description === undefined) return undefined;
    const version: Json = (await get(s, '/model-versions/get', { name: i.name, version: String(i.version) }))
      .model_version;
    return expectEqual('description', version.description ?? '', i.description);
  },
  async setRegisteredModelAlias(s, i) {
    const version: Json = (await get(s, '/registered-models/alias', { name: i.name, alias: i.alias })).model_version;
    return expectEqual(`alias ${i.alias}`, version.version, String(Number(i.version)));
  },
  async setLoggedModelTags(s, i) {
    const model: Json = (await get(s, `/logged-models/${encodeURIComponent(i.model_id)}`, {})).model;
    const last = new Map<string, string>((i.tags ?? []).map((t: KeyValue) => [t.key, t.value]));
    for (const [key, value] of last) {
      const problem = expectEqual(
        `logged model tag ${key}`,
        tagValue(model.info.tags, key),
        truncated(value, RUN_TAG_VALUE_LIMIT),
      );
      if (problem) return problem;
    }
    return undefined;
  },
  async logLoggedModelParams(s, i) {
    const model: Json = (await get(s, `/logged-models/${encodeURIComponent(i.model_id)}`, {})).model;
    for (const p of i.params ?? []) {
      const problem = expectEqual(
        `logged model param ${p.key}`,
        tagValue(model.data.params, p.key),
        truncated(p.value, PARAM_VALUE_LIMIT),
      );
      if (problem) return problem;
    }
    return undefined;
  },
};

/** Reads back what a JSON endpoint acknowledged; the problem found, if any. */
export async function readBackJson(server: FuzzServer, c: FuzzCase, res: FuzzResponse): Promise<string | undefined> {
  const readBack = c.endpoint === undefined ? undefined : JSON_READ_BACKS[c.endpoint.name];
  if (readBack === undefined) return undefined;
  return readBack(server, acknowledged(c), tryJson(res.body));
}

/** Reads back an acknowledged upload (proxy PUT, UI upload) and compares the bytes. */
export async function readBackRaw(server: FuzzServer, c: FuzzCase, _res: FuzzResponse): Promise<string | undefined> {
  let url: string | undefined;
  if (c.rawRoute === 'artifacts:PUT') url = c.params.path;
  else if (c.rawRoute === 'uploadArtifact') {
    url = `/get-artifact?${new URLSearchParams({ run_id: c.params.run_uuid ?? '', path: c.params.path ?? '' })}`;
  }
  if (url === undefined || c.body === undefined) return undefined;
  const back = await sendCase(server.keel.url, { method: 'GET', url, headers: {}, params: {} });
  if (back.status !== 200)
    return `acknowledged upload reads back as ${back.status}: ${back.body.toString('utf8').slice(0, 200)}`;
  if (!back.body.equals(c.body))
    return `acknowledged upload of ${c.body.length} bytes reads back as ${back.body.length} different bytes`;
  return undefined;
}
