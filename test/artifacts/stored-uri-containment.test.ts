// A stored artifact location (model-version source, run or logged-model artifact URI) can never
// make the server read a file outside its artifact storage: sources are validated when they are
// written, whatever their tags, and every read checks the real location again, so even a location
// that reached the database some other way (an older server, a hand-edited row) serves nothing.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import Database from 'better-sqlite3';
import { type Client, client, expectOk, send } from '../support/http.js';

const PROMPT_TAG = { key: 'mlflow.prompt.is_prompt', value: 'true' };
const SECRET = 'keel-containment-secret';

/** The answer must not be the file: any 4xx with MLflow's error JSON, never its bytes. */
function assertNotServed(reply: { status: number; text: string; json: unknown }, what: string): void {
  assert.ok(reply.status >= 400 && reply.status < 500, `${what}: status ${reply.status} ${reply.text.slice(0, 200)}`);
  assert.ok(!reply.text.includes('root:'), `${what}: served /etc/passwd`);
  assert.ok(!reply.text.includes(SECRET), `${what}: served a file outside artifact storage`);
  const body = reply.json as { error_code?: unknown } | undefined;
  assert.equal(typeof body?.error_code, 'string', `${what}: ${reply.text.slice(0, 200)}`);
}

function query(params: Record<string, string>): string {
  return new URLSearchParams(params).toString();
}

describe('model-version sources cannot read files of the server', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  const download = (name: string, version: string, path: string) =>
    send(keel.url, { path: `/model-versions/get-artifact?${query({ name, version, path })}` });

  for (const [i, source] of ['/etc', 'file:///', 'file:///etc', 'file:/etc', 'file://localhost/etc', '/'].entries()) {
    it(`a prompt-tagged version with source ${source} is refused and serves nothing`, async () => {
      const name = `prompt-${i}`;
      expectOk(await api.post('registered-models/create', { name, tags: [PROMPT_TAG] }));
      const created = await api.post('model-versions/create', { name, source, tags: [PROMPT_TAG] });
      assert.equal(created.status, 400, JSON.stringify(created.body));
      assert.equal(created.body.error_code, 'INVALID_PARAMETER_VALUE');
      // Nothing was created, so nothing can be downloaded either.
      for (const path of ['passwd', 'etc/passwd']) assertNotServed(await download(name, '1', path), path);
      // A second version pointing at the first through models:/ has nothing to inherit.
      const copy = await api.post('model-versions/create', { name, source: `models:/${name}/1` });
      assert.equal(copy.status, 400, JSON.stringify(copy.body));
    });
  }

  it('a prompt keeps its opaque source as a label that is never read as a path', async () => {
    expectOk(await api.post('registered-models/create', { name: 'label', tags: [PROMPT_TAG] }));
    // MLflow's prompt registry sends exactly this placeholder.
    const version = expectOk(
      await api.post('model-versions/create', { name: 'label', source: 'dummy-source', tags: [PROMPT_TAG] }),
    ).model_version;
    assert.equal(version.source, 'dummy-source');
    writeFileSync(join(keel.dir, 'dummy-source'), SECRET);
    assertNotServed(await download('label', version.version, 'x'), 'label source');
    // Pointing a model version at the prompt through models:/ inherits no readable location.
    const copy = await api.post('model-versions/create', { name: 'label', source: 'models:/label/1' });
    assert.equal(copy.status, 400, JSON.stringify(copy.body));
  });

  it('versions whose stored location leaves the roots serve nothing (defence at read time)', async () => {
    // Written straight to the store, as an older server or another tool could have done.
    const registry = keel.server.deps.registry;
    expectOk(await api.post('registered-models/create', { name: 'legacy' }));
    const outside = mkdtempSync(join(tmpdir(), 'keel-outside-'));
    writeFileSync(join(outside, 'secret.txt'), SECRET);
    try {
      const locations = [
        '/etc',
        'file:///etc',
        '/',
        'file:///',
        outside,
        'dummy-source',
        'mlflow-artifacts:/../../etc',
      ];
      for (const location of locations) {
        const version = await registry.createModelVersion({ name: 'legacy', source: location }, location, {
          user: 'test',
        });
        for (const path of ['passwd', 'etc/passwd', 'secret.txt']) {
          assertNotServed(await download('legacy', version.version, path), `${location} ${path}`);
        }
        // A version created from it through models:/ is refused, so it cannot inherit the location.
        const copy = await api.post('model-versions/create', {
          name: 'legacy',
          source: `models:/legacy/${version.version}`,
        });
        assert.equal(copy.status, 400, `${location}: ${JSON.stringify(copy.body)}`);
      }
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});

describe('run and logged-model artifact URIs outside the roots serve nothing', () => {
  let keel: TestServer;
  let api: Client;
  let outside: string;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    outside = mkdtempSync(join(tmpdir(), 'keel-outside-'));
    writeFileSync(join(outside, 'secret.txt'), SECRET);
  });
  after(async () => {
    await keel.close();
    rmSync(outside, { recursive: true, force: true });
  });

  /** Rewrites stored locations in the database, as a hand edit or an older server could have left them. */
  function rewrite(sql: string, ...params: string[]): void {
    const db = new Database(join(keel.dir, 'mlflow.db'));
    try {
      db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  }

  for (const location of ['/etc', 'file:///etc', 'OUTSIDE']) {
    it(`a run whose artifact_uri is ${location} lists and serves nothing`, async () => {
      const target = location === 'OUTSIDE' ? outside : location;
      const exp = expectOk(await api.post('experiments/create', { name: `runs-${location}` }));
      const { run } = expectOk(await api.post('runs/create', { experiment_id: exp.experiment_id }));
      const runId = run.info.run_id as string;
      rewrite('UPDATE runs SET artifact_uri = ? WHERE run_uuid = ?', target, runId);
      for (const path of ['passwd', 'secret.txt']) {
        assertNotServed(await send(keel.url, { path: `/get-artifact?${query({ run_id: runId, path })}` }), path);
      }
      const listing = await send(keel.url, { path: `/api/2.0/mlflow/artifacts/list?${query({ run_id: runId })}` });
      assertNotServed(listing, 'artifacts/list');
      assert.ok(!listing.text.includes('passwd') && !listing.text.includes('secret.txt'));
      const upload = await send(keel.url, {
        method: 'POST',
        path: `/ajax-api/2.0/mlflow/upload-artifact?${query({ run_uuid: runId, path: 'planted.txt' })}`,
        body: 'planted',
      });
      assert.ok(upload.status >= 400 && upload.status < 500, `upload: ${upload.status} ${upload.text}`);
    });
  }

  it('a logged model whose artifact location is outside lists and serves nothing', async () => {
    const exp = expectOk(await api.post('experiments/create', { name: 'lm-outside' }));
    const { model } = expectOk(await api.post('logged-models', { experiment_id: exp.experiment_id, name: 'm' }));
    const modelId = model.info.model_id as string;
    rewrite('UPDATE logged_models SET artifact_location = ? WHERE model_id = ?', outside, modelId);
    const files = `/ajax-api/2.0/mlflow/logged-models/${modelId}/artifacts/files?${query({ artifact_file_path: 'secret.txt' })}`;
    assertNotServed(await send(keel.url, { path: files }), 'logged-model file');
    const listing = await send(keel.url, { path: `/api/2.0/mlflow/logged-models/${modelId}/artifacts/directories` });
    assertNotServed(listing, 'logged-model listing');
  });
});

describe('symlinks never lead a read out of artifact storage', () => {
  let keel: TestServer;
  let api: Client;
  let outside: string;
  before(async () => {
    // Local default artifact root (no proxy), so the run's artifact directory is read directly.
    keel = await startTestServer({ serveArtifacts: false });
    api = client(keel);
    outside = mkdtempSync(join(tmpdir(), 'keel-outside-'));
    writeFileSync(join(outside, 'secret.txt'), SECRET);
  });
  after(async () => {
    await keel.close();
    rmSync(outside, { recursive: true, force: true });
  });

  async function newRun(name: string): Promise<{ runId: string; dir: string }> {
    const exp = expectOk(await api.post('experiments/create', { name }));
    const { run } = expectOk(await api.post('runs/create', { experiment_id: exp.experiment_id }));
    return { runId: run.info.run_id, dir: run.info.artifact_uri };
  }

  const get = (runId: string, path: string) =>
    send(keel.url, { path: `/get-artifact?${query({ run_id: runId, path })}` });

  it('refuses a file symlink inside the run directory that points outside', async () => {
    const { runId, dir } = await newRun('file-link');
    mkdirSync(dir, { recursive: true });
    symlinkSync(join(outside, 'secret.txt'), join(dir, 'link.txt'));
    symlinkSync('/etc/passwd', join(dir, 'passwd'));
    assertNotServed(await get(runId, 'link.txt'), 'file link');
    assertNotServed(await get(runId, 'passwd'), 'passwd link');
  });

  it('refuses a run directory that is itself a symlink to outside', async () => {
    const { runId, dir } = await newRun('dir-link');
    mkdirSync(join(dir, '..'), { recursive: true });
    symlinkSync(outside, dir);
    assertNotServed(await get(runId, 'secret.txt'), 'linked run directory');
    const listing = await send(keel.url, { path: `/api/2.0/mlflow/artifacts/list?${query({ run_id: runId })}` });
    assert.ok(!listing.text.includes('secret.txt'), listing.text);
  });
});
