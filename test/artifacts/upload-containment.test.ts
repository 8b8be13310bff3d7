// Experiment artifact locations are checked when they are created, and uploads through any route
// land only inside the server's artifact roots, even for an experiment whose location names some
// other local directory.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk, send } from '../support/http.js';

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

/** Every file below `dir`, relative to it. */
function filesBelow(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name));
}

describe('experiment artifact locations', () => {
  let keel: TestServer;
  let api: Client;
  let elsewhere: string;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    elsewhere = mkdtempSync(join(tmpdir(), 'keel-elsewhere-'));
  });
  after(async () => {
    await keel.close();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  const create = (name: string, artifact_location: string) =>
    api.post('experiments/create', { name, artifact_location });

  it('refuses local directories outside the artifact roots', async () => {
    const outside = [elsewhere, pathToFileURL(elsewhere).href, '/', 'file:///', '/etc', join(keel.dir, 'beside')];
    for (const [i, location] of outside.entries()) {
      expectError(
        await create(`outside-${i}`, location),
        400,
        'INVALID_PARAMETER_VALUE',
        /--allow-local-artifact-locations/,
      );
    }
    // Relative paths are relative to the server's directory, which is not a root either.
    expectError(await create('relative', 'somewhere'), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('refuses traversal after full decoding and schemes Keel cannot store to', async () => {
    const refused = [
      'mlflow-artifacts:/../../etc',
      'mlflow-artifacts:/a/%2e%2e/%2e%2e/%2e%2e/etc',
      'mlflow-artifacts:/a%2f..%2f..%2fetc',
      'mlflow-artifacts:/a/%252e%252e/%252e%252e/b',
      's3://bucket/a/../../b',
      's3://bucket/a/..%2f..%2fb',
      `${join(keel.config.artifactsDestination, 'x')}/../../..`,
      `${pathToFileURL(keel.config.artifactsDestination).href}/%2e%2e/%2e%2e`,
      'mlflow-artifacts:/a\u0000b',
      'mlflow-artifacts:/a%00b',
      'gs://bucket/path',
      'ftp://host/path',
      'hdfs://nn/path',
      'javascript:alert(1)',
      'http://example.com/data',
      'file://remote-host/share',
    ];
    for (const [i, location] of refused.entries()) {
      const reply = await create(`refused-${i}`, location);
      expectError(reply, 400, 'INVALID_PARAMETER_VALUE');
    }
    // None of them was created.
    const search = expectOk(await api.post('experiments/search', { filter: "name LIKE 'refused-%'" }));
    assert.equal(search.experiments, undefined);
  });

  it('accepts locations inside the roots and remote stores', async () => {
    const inside = join(keel.config.artifactsDestination, 'team-a');
    for (const [i, location] of [
      inside,
      pathToFileURL(join(keel.config.artifactsDestination, 'team-b')).href,
      'mlflow-artifacts:/team-c',
      's3://bucket/team-d',
      'http://keel.example/api/2.0/mlflow-artifacts/artifacts/team-e',
    ].entries()) {
      expectOk(await create(`inside-${i}`, location));
    }
  });
});

describe('uploads stay inside the artifact roots', () => {
  let keel: TestServer;
  let api: Client;
  let elsewhere: string;
  before(async () => {
    // The operator allows local locations, so the experiment below can be created at all.
    keel = await startTestServer({ allowLocalArtifactLocations: true });
    api = client(keel);
    elsewhere = mkdtempSync(join(tmpdir(), 'keel-elsewhere-'));
  });
  after(async () => {
    await keel.close();
    rmSync(elsewhere, { recursive: true, force: true });
  });

  it('the UI upload refuses to write into an experiment location outside the roots', async () => {
    const exp = expectOk(await api.post('experiments/create', { name: 'elsewhere', artifact_location: elsewhere }));
    const { run } = expectOk(await api.post('runs/create', { experiment_id: exp.experiment_id }));
    const upload = await send(keel.url, {
      method: 'POST',
      path: `/ajax-api/2.0/mlflow/upload-artifact?${query({ run_uuid: run.info.run_id, path: 'planted.txt' })}`,
      body: 'planted',
    });
    assert.ok(upload.status >= 400 && upload.status < 500, `${upload.status} ${upload.text}`);
    assert.equal(typeof upload.json?.error_code, 'string');
    assert.deepEqual(filesBelow(elsewhere), []);
  });

  it('the proxy never writes outside the destination', async () => {
    for (const path of [
      '..%2F..%2Fplanted.txt',
      '%2e%2e/%2e%2e/planted.txt',
      `${encodeURIComponent(elsewhere)}/x.txt`,
    ]) {
      const reply = await send(keel.url, {
        method: 'PUT',
        path: `/api/2.0/mlflow-artifacts/artifacts/${path}`,
        body: 'planted',
      });
      if (reply.status === 200) {
        // Accepted only as a name below the destination.
        assert.ok(filesBelow(keel.config.artifactsDestination).length > 0);
      }
    }
    assert.deepEqual(filesBelow(elsewhere), []);
    assert.ok(!existsSync(join(keel.dir, 'planted.txt')));
  });
});
