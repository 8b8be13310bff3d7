/**
 * Prometheus metrics (`keel server --expose-prometheus`, MLflow's flag): request counts and
 * latencies per endpoint, the time each store call takes, and Node's process metrics, served at
 * `/metrics` in the text exposition format. The seam is `ServerMetrics`; `prom-client` is loaded
 * with `import()` only when metrics are turned on.
 */
import { KEEL_VERSION, MLFLOW_COMPAT_VERSION } from '@keel/contract';
import type { FastifyInstance } from 'fastify';

/**
 * What the app and the stores report, and how it is read back.
 *
 * @example
 * metrics.observeRequest('POST', '/api/2.0/mlflow/runs/log-batch', 200, 0.004);
 */
export interface ServerMetrics {
  /** One HTTP request: its method, route pattern (not the raw URL), status and duration. */
  observeRequest(method: string, route: string, status: number, seconds: number): void;
  /** One store call: which store, which method, how long, and whether it failed. */
  observeStoreCall(store: string, operation: string, seconds: number, failed: boolean): void;
  /** The exposition text and its content type. */
  render(): Promise<{ readonly contentType: string; readonly body: string }>;
}

/** Latency buckets, in seconds: sub-millisecond store calls up to slow artifact transfers. */
const BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * Metrics kept by `prom-client` in a registry of their own (several apps in one process, as in
 * tests, never share counters).
 *
 * @example
 * const metrics = await createPrometheusMetrics();
 * const app = await createApp({ ...deps, metrics });
 */
export async function createPrometheusMetrics(): Promise<ServerMetrics> {
  type PromClient = typeof import('prom-client');
  const loaded = (await import('prom-client')) as PromClient & { default?: PromClient };
  // A CommonJS package: bundled, its exports arrive under `default`.
  const prom = loaded.default ?? loaded;
  const registry = new prom.Registry();
  prom.collectDefaultMetrics({ register: registry });
  const info = new prom.Gauge({
    name: 'keel_build_info',
    help: 'Keel version and the MLflow version whose API it serves (always 1).',
    labelNames: ['version', 'mlflow_version'],
    registers: [registry],
  });
  info.set({ version: KEEL_VERSION, mlflow_version: MLFLOW_COMPAT_VERSION }, 1);
  const requests = new prom.Counter({
    name: 'keel_http_requests_total',
    help: 'HTTP requests answered, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    registers: [registry],
  });
  const latency = new prom.Histogram({
    name: 'keel_http_request_duration_seconds',
    help: 'Time from receiving a request to the end of its response, by method, route pattern and status.',
    labelNames: ['method', 'route', 'status'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const storeCalls = new prom.Histogram({
    name: 'keel_store_call_duration_seconds',
    help: 'Time spent in tracking and registry store calls, by store, operation and outcome.',
    labelNames: ['store', 'operation', 'outcome'],
    buckets: BUCKETS,
    registers: [registry],
  });
  return {
    observeRequest(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    observeStoreCall(store, operation, seconds, failed) {
      storeCalls.observe({ store, operation, outcome: failed ? 'error' : 'ok' }, seconds);
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}

/** Requests that matched no route share one label, so that scanners cannot grow the series without bound. */
const UNMATCHED_ROUTE = '<unmatched>';

/**
 * Records every request and serves `GET /metrics`. Call before routes are registered.
 *
 * @example
 * installMetrics(app, metrics);
 */
export function installMetrics(app: FastifyInstance, metrics: ServerMetrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
  app.get('/metrics', async (_request, reply) => {
    const { contentType, body } = await metrics.render();
    return reply.type(contentType).send(body);
  });
}

/**
 * Wraps a store so that each method call is timed (sync or async), under `name`. The methods
 * run on the store itself, so private fields and `instanceof` keep working.
 *
 * @example
 * const tracking = timedStore(stores.tracking, 'tracking', metrics);
 */
export function timedStore<T extends object>(store: T, name: string, metrics: ServerMetrics): T {
  const wrappers = new Map<PropertyKey, unknown>();
  return new Proxy(store, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (typeof value !== 'function' || property === 'constructor') return value;
      let wrapper = wrappers.get(property);
      if (wrapper === undefined) {
        const operation = String(property);
        wrapper = (...args: unknown[]) => {
          const started = performance.now();
          const done = (failed: boolean) =>
            metrics.observeStoreCall(name, operation, (performance.now() - started) / 1000, failed);
          let result: unknown;
          try {
            result = (value as (...a: unknown[]) => unknown).apply(target, args);
          } catch (error) {
            done(true);
            throw error;
          }
          if (result instanceof Promise) {
            return result.then(
              (resolved) => {
                done(false);
                return resolved;
              },
              (error: unknown) => {
                done(true);
                throw error;
              },
            );
          }
          done(false);
          return result;
        };
        wrappers.set(property, wrapper);
      }
      return wrapper;
    },
  });
}
