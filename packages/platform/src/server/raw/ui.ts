/**
 * The web UI at `/` (under `--static-prefix` when given). Until the UI package is built, a
 * small page says what the server is and where its API lives.
 */
import { KEEL_VERSION, MLFLOW_COMPAT_VERSION } from '@keel/contract';
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from '../deps.js';

const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Keel</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:42rem;margin:4rem auto;padding:0 1rem;color:#1d2430}
code{background:#f1f3f5;padding:.1rem .3rem;border-radius:3px}</style></head>
<body>
<h1>Keel tracking server</h1>
<p>Keel ${KEEL_VERSION} speaks MLflow's REST API (compatible with MLflow ${MLFLOW_COMPAT_VERSION} clients).</p>
<p>Point a client at this server: <code>export MLFLOW_TRACKING_URI=http://HOST:PORT</code></p>
<ul>
<li>REST API: <code>/api/2.0/mlflow/...</code></li>
<li>Artifact proxy: <code>/api/2.0/mlflow-artifacts/...</code></li>
<li>Health: <a href="health"><code>/health</code></a></li>
</ul>
</body>
</html>
`;

export async function registerUiRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  const prefix = deps.options.staticPrefix;
  const index = async (_request: unknown, reply: { type(t: string): { send(b: string): unknown } }) =>
    reply.type('text/html; charset=utf-8').send(PAGE);
  app.get(prefix === '' ? '/' : `${prefix}/`, index);
  if (prefix !== '') app.get(prefix, index);
}
