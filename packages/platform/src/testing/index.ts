/**
 * Test helpers: a full Keel server on a temporary SQLite file (or, with
 * `KEEL_TEST_BACKEND=postgres`, a fresh PostgreSQL database) and artifact directory, listening
 * on a random loopback port. Used by Keel's own suites and handy for users' integration tests.
 *
 * @example
 * const keel = await startTestServer();
 * await fetch(`${keel.url}/api/2.0/mlflow/experiments/get?experiment_id=0`);
 * await keel.close();
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type KeelServer } from '../compose.js';
import { resolveServerConfig, type ServerConfig, type ServerConfigInput } from '../config/server-config.js';
import type { Logger } from '../server/deps.js';
import { createTestDatabase } from './test-databases.js';

export { MLFLOW_SQL_SCHEMA } from '../import/mlflow-schema.js';
export { type S3TestServer, startS3TestServer } from './s3-test-server.js';
export {
  createPostgresTestDatabase,
  createTestDatabase,
  type TestBackend,
  type TestDatabase,
  testBackend,
  testPostgresUrl,
} from './test-databases.js';

export interface TestServer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  /** Temporary directory holding the database and artifacts (removed on close). */
  readonly dir: string;
  readonly config: ServerConfig;
  readonly server: KeelServer;
  close(): Promise<void>;
}

/** Collects server log lines instead of printing them. */
export function memoryLogger(): Logger & { readonly lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => lines.push(`info: ${m}`),
    warn: (m) => lines.push(`warn: ${m}`),
    error: (m, cause) => lines.push(`error: ${m} ${cause instanceof Error ? cause.stack : String(cause ?? '')}`),
  };
}

export async function startTestServer(overrides: ServerConfigInput = {}): Promise<TestServer> {
  const dir = mkdtempSync(join(tmpdir(), 'keel-test-'));
  const database =
    overrides.backendStoreUri === undefined ? await createTestDatabase(dir) : { uri: '', drop: async () => {} };
  const config = resolveServerConfig(
    {
      backendStoreUri: database.uri,
      artifactsDestination: join(dir, 'mlartifacts'),
      host: '127.0.0.1',
      port: 0,
      ...overrides,
    },
    {},
    dir,
  );
  let server: KeelServer;
  try {
    server = await createServer(config, memoryLogger(), dir);
  } catch (error) {
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const url = await server.app.listen({ host: config.host, port: config.port });
  return {
    url,
    dir,
    config,
    server,
    async close() {
      await server.close();
      await database.drop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export {
  IRIS_COLUMNS,
  type SklearnFixture,
  TEST_PYTHON,
  writeJsModelDir,
  writeOnnxModelDir,
  writeSklearnModelDir,
} from './model-fixtures.js';
// Model fixtures: ONNX models written from TypeScript, and model directories in MLflow's layouts.
export {
  adderOnnxModel,
  buildOnnxModel,
  CLASSIFIER_BIAS,
  CLASSIFIER_WEIGHTS,
  classifierLabel,
  classifierOnnxModel,
  type OnnxInitializer,
  type OnnxNode,
  type OnnxValueInfo,
} from './onnx-builder.js';
