/**
 * Logged-model and model-version artifact routes, driven through `app.inject` with the logged
 * model and registry lookups stubbed: these routes depend only on `getLoggedModel` and
 * `getModelVersionDownloadUri` from those stores.
 */
import assert from 'node:assert/strict';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { type LoggedModel, notFound } from '@keel/contract';
import type { FastifyInstance } from 'fastify';
import { startTestServer, type TestServer } from '../../testing/index.js';
import { createApp } from '../app.js';

const MODEL_ID = 'm-0123456789abcdef0123456789abcdef';
const MODEL_ROOT = `mlflow-artifacts:/1/models/${MODEL_ID}/artifacts`;
const INVALID_PATH = { error_code: 'INVALID_PARAMETER_VALUE', message: 'Invalid path' };

/** `target` with some methods replaced; the others stay bound to `target`. */
function withOverrides<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, key) {
      if (key in overrides) return overrides[key as keyof T];
      const value = Reflect.get(object, key);
      return typeof value === 'function' ? value.bind(object) : value;
    },
  });
}

let keel: TestServer;
let app: FastifyInstance;

before(async () => {
  keel = await startTestServer();
  const deps = keel.server.deps;
  const model = { info: { model_id: MODEL_ID, artifact_uri: MODEL_ROOT }, data: {} } as unknown as LoggedModel;
  app = await createApp({
    ...deps,
    tracking: withOverrides(deps.tracking, {
      getLoggedModel: async (id: string) => {
        if (id !== MODEL_ID) throw notFound(`Logged model with ID '${id}' not found.`);
        return model;
      },
    }),
    registry: withOverrides(deps.registry, {
      getModelVersionDownloadUri: async (name: string, version: string) => {
        if (name !== 'rm' || version !== '1')
          throw notFound(`Model Version (name=${name}, version=${version}) not found`);
        return MODEL_ROOT;
      },
    }),
  });
  const proxy = deps.artifacts.proxyRepository;
  assert.ok(proxy);
  await proxy.write(`1/models/${MODEL_ID}/artifacts/MLmodel`, Readable.from(['artifact_path: model\n']));
  await proxy.write(`1/models/${MODEL_ID}/artifacts/code/util.py`, Readable.from(['x = 1\n']));
});
after(async () => {
  await app.close();
  await keel.close();
});

describe('logged-models/{id}/artifacts/directories (G9)', () => {
  it('lists the model root and a subdirectory relative to the model root', async () => {
    const root = await app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow/logged-models/${MODEL_ID}/artifacts/directories`,
    });
    assert.equal(root.statusCode, 200);
    assert.deepEqual(root.json(), {
      root_uri: MODEL_ROOT,
      files: [
        { path: 'MLmodel', is_dir: false, file_size: 21 },
        { path: 'code', is_dir: true },
      ],
    });
    const sub = await app.inject({
      method: 'GET',
      url: `/ajax-api/2.0/mlflow/logged-models/${MODEL_ID}/artifacts/directories?artifact_directory_path=code`,
    });
    assert.deepEqual(sub.json(), {
      root_uri: MODEL_ROOT,
      files: [{ path: 'code/util.py', is_dir: false, file_size: 6 }],
    });
  });

  it('refuses unsafe paths and reports unknown models', async () => {
    const traversal = await app.inject({
      method: 'GET',
      url: `/api/2.0/mlflow/logged-models/${MODEL_ID}/artifacts/directories?artifact_directory_path=../../..`,
    });
    assert.equal(traversal.statusCode, 400);
    assert.deepEqual(traversal.json(), INVALID_PATH);
    const unknown = await app.inject({
      method: 'GET',
      url: '/api/2.0/mlflow/logged-models/m-ffffffffffffffffffffffffffffffff/artifacts/directories',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().error_code, 'RESOURCE_DOES_NOT_EXIST');
  });
});

describe('ajax logged-models/{id}/artifacts/files', () => {
  it('downloads one model file as an attachment', async () => {
    const res = await app.inject({
      method: 'GET',
      url: `/ajax-api/2.0/mlflow/logged-models/${MODEL_ID}/artifacts/files?artifact_file_path=MLmodel`,
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'artifact_path: model\n');
    assert.equal(res.headers['content-type'], 'text/plain');
    assert.equal(res.headers['content-disposition'], 'attachment; filename=MLmodel');
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
  });

  it('answers missing files and unknown models with 404 JSON', async () => {
    const missing = await app.inject({
      method: 'GET',
      url: `/ajax-api/2.0/mlflow/logged-models/${MODEL_ID}/artifacts/files?artifact_file_path=nope`,
    });
    assert.equal(missing.statusCode, 404);
    const unknown = await app.inject({
      method: 'GET',
      url: '/ajax-api/2.0/mlflow/logged-models/m-ffff/artifacts/files?artifact_file_path=MLmodel',
    });
    assert.equal(unknown.statusCode, 404);
    assert.equal(unknown.json().message, "Logged model with ID 'm-ffff' not found.");
  });
});

describe('model-versions/get-artifact', () => {
  it('downloads a file below the version download URI', async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/model-versions/get-artifact?name=rm&version=1&path=code/util.py',
    });
    assert.equal(res.statusCode, 200);
    assert.equal(res.body, 'x = 1\n');
    assert.equal(res.headers['content-disposition'], 'attachment; filename=util.py');
  });

  it('passes registry errors through and checks its parameters', async () => {
    const deleted = await app.inject({
      method: 'GET',
      url: '/model-versions/get-artifact?name=rm&version=2&path=MLmodel',
    });
    assert.equal(deleted.statusCode, 404);
    assert.deepEqual(deleted.json(), {
      error_code: 'RESOURCE_DOES_NOT_EXIST',
      message: 'Model Version (name=rm, version=2) not found',
    });
    const traversal = await app.inject({
      method: 'GET',
      url: '/model-versions/get-artifact?name=rm&version=1&path=..%2F..%2Fetc%2Fpasswd',
    });
    assert.deepEqual(traversal.json(), INVALID_PATH);
    const noVersion = await app.inject({ method: 'GET', url: '/model-versions/get-artifact?name=rm&path=MLmodel' });
    assert.equal(noVersion.statusCode, 400);
    assert.match(noVersion.json().message, /required parameter 'version'/);
  });
});
