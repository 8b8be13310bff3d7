// The client builds for browsers: Vite bundles `@keel/client` for the browser and the output
// holds no Node-only import (node: modules, fs, child_process, the platform package). The
// bundle then talks to a real Keel server through fetch alone.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import { build, defaultClientConditions } from 'vite';
import { startTestServer, type TestServer } from './support.js';

const NODE_MODULES = '(node:[\\w/]+|fs|fs/promises|child_process|os|path|http|https|net|tls|stream|url|worker_threads)';
/** Node-only code in a minified bundle (comments are gone, so only real code can match). */
const NODE_ONLY = [
  new RegExp(`\\bfrom\\s*["']${NODE_MODULES}["']`),
  new RegExp(`\\bimport\\s*\\(?\\s*["']${NODE_MODULES}["']`),
  /@keel\/platform/,
  /__vite-browser-external/,
  /\brequire\s*\(/,
  /\bprocess\.(env|on|exit|argv|stderr)\b/,
];

describe('browser bundle of @keel/client', () => {
  let outDir: string;
  let code: string;
  let keel: TestServer;
  before(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'keel-browser-'));
    await build({
      configFile: false,
      logLevel: 'silent',
      root: resolve('packages/client'),
      resolve: { conditions: ['keel-source', ...defaultClientConditions] },
      build: {
        outDir,
        emptyOutDir: true,
        minify: true,
        target: 'es2022',
        lib: { entry: resolve('packages/client/src/index.ts'), formats: ['es'], fileName: 'keel-client' },
      },
    });
    const files = readdirSync(outDir).filter((f) => f.endsWith('.js') || f.endsWith('.mjs'));
    code = files.map((f) => readFileSync(join(outDir, f), 'utf8')).join('\n');
    keel = await startTestServer();
  });
  after(async () => {
    rmSync(outDir, { recursive: true, force: true });
    await keel.close();
  });

  test('contains the client and no Node-only import', () => {
    assert.match(code, /KeelClient/);
    assert.match(code, /RESOURCE_ALREADY_EXISTS/, 'the contract is bundled in');
    for (const pattern of NODE_ONLY) assert.doesNotMatch(code, pattern);
  });

  test('the bundle works with fetch alone', async () => {
    const file = readdirSync(outDir).find((f) => f.startsWith('keel-client'));
    assert.ok(file);
    const bundle = (await import(pathToFileURL(join(outDir, file)).href)) as typeof import('@keel/client');
    const tracker = new bundle.Tracker({ trackingUri: keel.url });
    await tracker.setExperiment('from-the-browser-bundle');
    const runId = await tracker.withRun(async (run) => {
      run.logMetric('loss', 0.5, 1);
      return run.id;
    });
    const { run } = await tracker.client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.data.metrics?.[0]?.key, 'loss');
  });
});
