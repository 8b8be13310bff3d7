/**
 * Every route of the server, gathered from one file per service. JSON endpoints are bindings
 * of contract endpoints to handlers; raw routes (artifact streams, UI pages) register
 * themselves on the app.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.js';
import type { RouteBinding } from './handler.js';
import { artifactRoutes } from './handlers/artifacts.js';
import { assessmentRoutes } from './handlers/assessments.js';
import { datasetRoutes } from './handlers/datasets.js';
import { experimentRoutes } from './handlers/experiments.js';
import { loggedModelRoutes } from './handlers/logged-models.js';
import { loggingRoutes } from './handlers/logging.js';
import { metricRoutes } from './handlers/metrics.js';
import { promptlabRoutes } from './handlers/promptlab.js';
import { registryRoutes } from './handlers/registry.js';
import { runRoutes } from './handlers/runs.js';
import { scorerRoutes } from './handlers/scorers.js';
import { traceRoutes } from './handlers/traces.js';
import { registerArtifactProxyRoutes } from './raw/artifact-proxy.js';
import { registerGraphqlRoutes } from './raw/graphql.js';
import { registerOtlpRoutes } from './raw/otlp-ingest.js';
import { registerTraceArtifactRoutes } from './raw/trace-artifacts.js';
import { registerUiRoutes } from './raw/ui.js';
import { registerUiArtifactRoutes } from './raw/ui-artifacts.js';

/** JSON endpoint bindings, in registration order (literal paths before `{param}` paths). */
export function allRouteBindings(): RouteBinding[] {
  return [
    ...experimentRoutes,
    ...runRoutes,
    ...promptlabRoutes,
    ...loggingRoutes,
    ...metricRoutes,
    ...loggedModelRoutes,
    ...registryRoutes,
    ...artifactRoutes,
    ...traceRoutes,
    ...assessmentRoutes,
    ...datasetRoutes,
    ...scorerRoutes,
  ];
}

/** Streaming and page routes, registered outside the JSON API plugin. */
export async function registerRawRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await registerArtifactProxyRoutes(app, deps);
  await registerUiArtifactRoutes(app, deps);
  await registerTraceArtifactRoutes(app, deps);
  await registerOtlpRoutes(app, deps);
  await registerGraphqlRoutes(app, deps, allRouteBindings());
  await registerUiRoutes(app, deps);
}
