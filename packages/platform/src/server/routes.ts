/**
 * Every route of the server, gathered from one file per service. JSON endpoints are bindings
 * of contract endpoints to handlers; raw routes (artifact streams, UI pages) register
 * themselves on the app.
 */
import type { FastifyInstance } from 'fastify';
import type { AppDeps } from './deps.js';
import type { RouteBinding } from './handler.js';
import { experimentRoutes } from './handlers/experiments.js';
import { loggedModelRoutes } from './handlers/logged-models.js';
import { loggingRoutes } from './handlers/logging.js';
import { metricRoutes } from './handlers/metrics.js';
import { registryRoutes } from './handlers/registry.js';
import { runRoutes } from './handlers/runs.js';
import { registerUiRoutes } from './raw/ui.js';

/** JSON endpoint bindings, in registration order (literal paths before `{param}` paths). */
export function allRouteBindings(): RouteBinding[] {
  return [
    ...experimentRoutes,
    ...runRoutes,
    ...loggingRoutes,
    ...metricRoutes,
    ...loggedModelRoutes,
    ...registryRoutes,
  ];
}

/** Streaming and page routes, registered outside the JSON API plugin. */
export async function registerRawRoutes(app: FastifyInstance, deps: AppDeps): Promise<void> {
  await registerUiRoutes(app, deps);
}
