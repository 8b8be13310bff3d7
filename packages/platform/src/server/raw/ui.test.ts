import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gunzipSync } from 'node:zlib';
import Fastify, { type FastifyInstance } from 'fastify';
import { type AppDeps, DEFAULT_APP_OPTIONS } from '../deps.js';
import { findBuiltUi, registerUiRoutes, UI_CONTENT_SECURITY_POLICY } from './ui.js';

async function appFor(options: Partial<AppDeps['options']>): Promise<FastifyInstance> {
  const app = Fastify();
  await registerUiRoutes(app, { options: { ...DEFAULT_APP_OPTIONS, ...options } } as AppDeps);
  return app;
}

describe('serving the built UI', () => {
  let dir: string;
  const script = `console.log(${JSON.stringify('x'.repeat(4000))});`;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-ui-'));
    mkdirSync(join(dir, 'static-files'));
    writeFileSync(
      join(dir, 'index.html'),
      '<!doctype html><script type="module" src="./static-files/app-1.js"></script>',
    );
    writeFileSync(join(dir, 'static-files', 'app-1.js'), script);
    writeFileSync(join(dir, 'static-files', 'app-1.js.map'), '{}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html with a strict Content-Security-Policy, and assets from memory, gzipped', async () => {
    const app = await appFor({ uiDirectory: dir });
    const index = await app.inject({ url: '/' });
    assert.equal(index.statusCode, 200);
    assert.match(index.body, /static-files\/app-1\.js/);
    assert.equal(index.headers['content-security-policy'], UI_CONTENT_SECURITY_POLICY);
    assert.match(String(index.headers['content-security-policy']), /script-src 'self';/);
    assert.equal(index.headers['cache-control'], 'no-cache');
    const plain = await app.inject({ url: '/static-files/app-1.js' });
    assert.equal(plain.body, script);
    assert.match(String(plain.headers['content-type']), /^text\/javascript/);
    assert.match(String(plain.headers['cache-control']), /immutable/);
    const zipped = await app.inject({ url: '/static-files/app-1.js', headers: { 'accept-encoding': 'gzip, br' } });
    assert.equal(zipped.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(zipped.rawPayload).toString(), script);
    assert.ok(zipped.rawPayload.length < script.length / 5);
    await app.close();
  });

  it('serves only files of the build: no source maps, no paths outside it', async () => {
    const app = await appFor({ uiDirectory: dir });
    for (const url of [
      '/static-files/app-1.js.map',
      '/static-files/../index.html',
      '/static-files/%2e%2e/x',
      '/static-files/nope.js',
    ]) {
      assert.equal((await app.inject({ url })).statusCode, 404, url);
    }
    await app.close();
  });

  it('honours --static-prefix', async () => {
    const app = await appFor({ uiDirectory: dir, staticPrefix: '/mlflow' });
    assert.equal((await app.inject({ url: '/mlflow/' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/mlflow' })).statusCode, 200);
    assert.equal((await app.inject({ url: '/mlflow/static-files/app-1.js' })).body, script);
    assert.equal((await app.inject({ url: '/' })).statusCode, 404);
    await app.close();
  });

  it('says how to build the UI when there is no build', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'keel-no-ui-'));
    try {
      const app = await appFor({ uiDirectory: empty });
      const res = await app.inject({ url: '/' });
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /npm run build/);
      await app.close();
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('finds dist/ui above the module, as from src/server/raw or dist/chunks', () => {
    const root = mkdtempSync(join(tmpdir(), 'keel-pkg-'));
    try {
      mkdirSync(join(root, 'dist', 'ui'), { recursive: true });
      mkdirSync(join(root, 'dist', 'chunks'), { recursive: true });
      mkdirSync(join(root, 'src', 'server', 'raw'), { recursive: true });
      writeFileSync(join(root, 'dist', 'ui', 'index.html'), '');
      assert.equal(findBuiltUi(join(root, 'src', 'server', 'raw')), join(root, 'dist', 'ui'));
      assert.equal(findBuiltUi(join(root, 'dist', 'chunks')), join(root, 'dist', 'ui'));
      assert.equal(findBuiltUi(join(root, 'dist')), join(root, 'dist', 'ui'));
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});
