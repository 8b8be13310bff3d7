// Artifact upload and download through the SDK against a real Keel server: local artifact roots
// are written directly; `mlflow-artifacts:` roots go through the server's proxy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { HttpTransport, MlflowError } from '@keel/client';
import { type ActiveRun, createTracker, type DownloadProgress, type NodeTracker } from '@keel/client/node';
import { QUICK_RETRY, recording, startTestServer, type TestServer } from './support.js';

// A 1x1 transparent PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

function treeOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(root, full)] = readFileSync(full).toString('base64');
    }
  };
  walk(root);
  return out;
}

/** A local tree to upload: nested directories, text and binary files. */
function makeSourceTree(dir: string): string {
  const src = join(dir, 'src');
  mkdirSync(join(src, 'nested', 'deeper'), { recursive: true });
  writeFileSync(join(src, 'a.txt'), 'alpha');
  writeFileSync(join(src, 'nested', 'b.bin'), Buffer.from([0, 1, 2, 255]));
  writeFileSync(join(src, 'nested', 'deeper', 'c.json'), '{"c": 3}');
  return src;
}

/** The same upload/download round trip for any artifact root. */
async function roundTrip(tracker: NodeTracker, run: ActiveRun, dir: string): Promise<void> {
  const src = makeSourceTree(dir);
  const single = join(dir, 'single.csv');
  writeFileSync(single, 'x,y\n1,2\n');
  await tracker.logArtifact(single, undefined, run);
  await tracker.logArtifact(single, 'tables', run);
  await tracker.logArtifacts(src, 'data', run);
  await run.logText('hello', 'notes/hello.txt');
  await run.logDict({ k: [1, 2] }, 'config.yaml');
  await run.logImage(PNG, 'plots/pixel.png');
  await assert.rejects(run.logImage(Buffer.from('not a png'), 'x.png'), /PNG/);
  await assert.rejects(tracker.logArtifact(single, '../escape', run), /Invalid artifact path/);

  const top = await run.artifacts().list();
  assert.deepEqual(
    top.map((f) => [f.path, f.is_dir]),
    [
      ['config.yaml', false],
      ['data', true],
      ['notes', true],
      ['plots', true],
      ['single.csv', false],
      ['tables', true],
    ],
  );
  assert.equal(top.find((f) => f.path === 'single.csv')?.file_size, 8);

  const progress: DownloadProgress[] = [];
  const out = join(dir, 'out');
  const local = await tracker.downloadArtifacts(run.id, '', out, { onProgress: (p) => progress.push(p) });
  assert.equal(local, out);
  const tree = treeOf(out);
  assert.deepEqual(
    Object.keys(tree).sort(),
    [
      'config.yaml',
      'data/a.txt',
      'data/nested/b.bin',
      'data/nested/deeper/c.json',
      'notes/hello.txt',
      'plots/pixel.png',
      'single.csv',
      'tables/single.csv',
    ].map((p) => join(...p.split('/'))),
  );
  assert.deepEqual(tree[join('data', 'nested', 'b.bin')], Buffer.from([0, 1, 2, 255]).toString('base64'));
  assert.equal(
    tree['plots/pixel.png'.split('/').join('/')] ?? tree[join('plots', 'pixel.png')],
    PNG.toString('base64'),
  );
  const last = progress.at(-1);
  assert.equal(last?.filesDone, 8);
  assert.equal(last?.bytes, last?.totalBytes);

  const one = await tracker.downloadArtifacts(run.id, 'data/nested', join(dir, 'one'));
  assert.deepEqual(Object.keys(treeOf(one)).sort(), ['b.bin', join('deeper', 'c.json')]);
  const file = await tracker.downloadArtifacts(run.id, 'notes/hello.txt', join(dir, 'file'));
  assert.equal(readFileSync(file, 'utf8'), 'hello');
  const missing = await tracker.downloadArtifacts(run.id, 'nope.txt', join(dir, 'x')).catch((e: unknown) => e);
  assert.ok(missing instanceof MlflowError && missing.code === 'RESOURCE_DOES_NOT_EXIST');
}

describe('artifacts', () => {
  let keel: TestServer;
  let dir: string;
  const trackers: NodeTracker[] = [];
  before(async () => {
    // One experiment below keeps its artifacts in a local directory outside the server's storage.
    keel = await startTestServer({ allowLocalArtifactLocations: true });
    dir = mkdtempSync(join(tmpdir(), 'keel-artifacts-'));
  });
  after(async () => {
    for (const t of trackers) await t.close();
    await keel.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('local artifact roots are written and read directly from disk', async () => {
    const root = join(dir, 'local-root');
    const tracker = createTracker({ trackingUri: keel.url, env: {}, handleExit: false, retry: QUICK_RETRY });
    trackers.push(tracker);
    const { experiment_id } = await tracker.client.createExperiment({
      name: 'local-artifacts',
      artifact_location: root,
    });
    const run = await tracker.startRun({ experimentId: experiment_id });
    assert.ok(run.artifactUri.startsWith(root));
    const work = join(dir, 'local-work');
    mkdirSync(work);
    await roundTrip(tracker, run, work);
    assert.equal(readFileSync(join(run.artifactUri, 'notes', 'hello.txt'), 'utf8'), 'hello');
    await run.end();
  });

  test('mlflow-artifacts roots go through the proxy, large files try multipart then fall back to one PUT', async () => {
    const transport = recording(new HttpTransport({ baseUrl: keel.url, retry: QUICK_RETRY }));
    const tracker = createTracker({
      transport,
      trackingUri: keel.url,
      env: {},
      handleExit: false,
      multipart: { thresholdBytes: 1024 * 1024, partBytes: 256 * 1024 },
    });
    trackers.push(tracker);
    await tracker.setExperiment('proxied-artifacts');
    const run = await tracker.startRun();
    assert.match(run.artifactUri, /^mlflow-artifacts:/);
    const work = join(dir, 'proxy-work');
    mkdirSync(work);
    await roundTrip(tracker, run, work);

    const big = join(work, 'big.bin');
    writeFileSync(big, Buffer.alloc(3 * 1024 * 1024, 7));
    await tracker.logArtifact(big, 'weights', run);
    const paths = transport.sent.map((s) => `${s.request.method} ${s.request.path}`);
    const create = paths.findIndex((p) => p.startsWith('POST /api/2.0/mlflow-artifacts/mpu/create/'));
    assert.ok(create >= 0, 'multipart was attempted');
    assert.ok(paths.slice(create).some((p) => p.startsWith('PUT ') && p.endsWith('/weights/big.bin')));
    const back = await tracker.downloadArtifacts(run.id, 'weights/big.bin', join(work, 'big-out'));
    assert.equal(statSync(back).size, 3 * 1024 * 1024);
    await run.end();
  });
});
