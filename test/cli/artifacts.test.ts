// `keel artifacts ...` through the real binary: upload a tree, list it, download it back and compare
// bytes, with progress on stderr. Local artifact roots are written directly (Keel server with an
// experiment created with -l, and the embedded store); `mlflow-artifacts:` roots go through the
// server's artifact proxy.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { fails, json, keel, keelAt, ok, tableRows } from './helpers.js';

/** Every file under `root`, by relative path, as base64. */
function treeOf(root: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else out[relative(root, full).split('\\').join('/')] = readFileSync(full).toString('base64');
    }
  };
  walk(root);
  return out;
}

/** A model directory: an MLmodel file, nested directories, binary data (a few hundred KiB). */
function makeModelDir(dir: string): string {
  const src = join(dir, 'model-src');
  mkdirSync(join(src, 'data', 'nested'), { recursive: true });
  writeFileSync(join(src, 'MLmodel'), 'flavors:\n  python_function: {}\n');
  writeFileSync(
    join(src, 'data', 'weights.bin'),
    Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 31) % 256)),
  );
  writeFileSync(join(src, 'data', 'nested', 'vocab.json'), '{"a": 1}');
  return src;
}

/** Upload -> list -> download (by run and path, and by runs:/ URI) -> same bytes. */
async function roundTrip(cli: ReturnType<typeof keelAt>, runId: string, work: string): Promise<void> {
  const src = makeModelDir(work);
  const uploaded = await cli('artifacts', 'log-artifacts', '-l', src, '-r', runId, '-a', 'model');
  assert.match(ok(uploaded), /^Logged directory .*model-src to .*\/model$/m);
  // Not a terminal: one summary line instead of a redrawn bar.
  assert.match(uploaded.stderr, /^Uploaded 3 files \(293\.0 KiB\) in \S+$/m);
  assert.doesNotMatch(uploaded.stderr, /\r/);
  const single = join(work, 'notes.txt');
  writeFileSync(single, 'hello');
  ok(await cli('artifacts', 'log-artifact', '-l', single, '-r', runId, '--no-progress'));

  const rows = tableRows(ok(await cli('artifacts', 'list', '-r', runId)));
  assert.deepEqual(rows, [
    ['PATH', 'TYPE', 'SIZE'],
    ['model/', 'dir', '-'],
    ['notes.txt', 'file', '5 B'],
  ]);
  const listed = json(await cli('artifacts', 'list', '-r', runId, '-a', 'model/data', '--json'));
  assert.deepEqual(listed.files, [
    { path: 'model/data/nested', is_dir: true },
    { path: 'model/data/weights.bin', is_dir: false, file_size: 300_000 },
  ]);

  const dst = join(work, 'out');
  const downloaded = await cli('artifacts', 'download', '-r', runId, '-a', 'model', '-d', dst);
  assert.equal(ok(downloaded).trim(), join(dst, 'model'));
  assert.match(downloaded.stderr, /^Downloaded 3 files \(293\.0 KiB\) in \S+$/m);
  assert.deepEqual(treeOf(join(dst, 'model')), treeOf(src));

  const viaUri = ok(await cli('artifacts', 'download', '-u', `runs:/${runId}/model/data`, '-d', join(work, 'uri')));
  assert.equal(viaUri.trim(), join(work, 'uri', 'data'));
  assert.deepEqual(treeOf(join(work, 'uri', 'data')), treeOf(join(src, 'data')));
  const file = json(
    await cli('artifacts', 'download', '-r', runId, '-a', 'notes.txt', '-d', join(work, 'one'), '--json'),
  );
  assert.equal(readFileSync(file.local_path, 'utf8'), 'hello');
  // Without -d: a new temporary directory.
  const temp = ok(await cli('artifacts', 'download', '-u', `runs:/${runId}/notes.txt`, '--no-progress')).trim();
  assert.equal(readFileSync(temp, 'utf8'), 'hello');
  rmSync(join(temp, '..'), { recursive: true, force: true });

  fails(
    await cli('artifacts', 'download', '-r', runId, '-a', 'missing.bin', '-d', join(work, 'x')),
    1,
    /RESOURCE_DOES_NOT_EXIST: No artifact at 'missing\.bin'/,
  );
}

describe('keel artifacts', { concurrency: true }, () => {
  let keelServer: TestServer;
  let dir: string;
  before(async () => {
    // One experiment keeps its artifacts in a local directory outside the server's storage.
    keelServer = await startTestServer({ allowLocalArtifactLocations: true });
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-artifacts-'));
  });
  after(async () => {
    await keelServer.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('round-trips a directory through a local artifact root on a Keel server', async () => {
    const cli = keelAt(keelServer.url);
    const root = join(dir, 'server-root');
    const { experiment_id } = json(await cli('experiments', 'create', '-n', 'local-root', '-l', root, '--json'));
    const { run } = json(await cli('runs', 'create', '-x', experiment_id, '--json'));
    assert.ok(run.info.artifact_uri.startsWith(root));
    const work = join(dir, 'server-work');
    mkdirSync(work);
    await roundTrip(cli, run.info.run_id, work);
  });

  it('round-trips a directory through the embedded store', async () => {
    const cli = keelAt(`sqlite:///${join(dir, 'embedded', 'x.db')}`);
    const { run } = json(await cli('runs', 'create', '-x', '0', '--json'));
    const work = join(dir, 'embedded-work');
    mkdirSync(work);
    await roundTrip(cli, run.info.run_id, work);
    assert.ok(run.info.artifact_uri.startsWith(join(dir, 'embedded', 'mlartifacts')));
  });

  it('round-trips a directory through the artifact proxy (mlflow-artifacts: roots)', async () => {
    const cli = keelAt(keelServer.url);
    const { run } = json(await cli('runs', 'create', '-x', '0', '--json'));
    assert.match(run.info.artifact_uri, /^mlflow-artifacts:/);
    const work = join(dir, 'proxy-work');
    mkdirSync(work);
    await roundTrip(cli, run.info.run_id, work);
    // A model registered from a proxied run downloads through the proxy too.
    ok(await cli('models', 'registry', 'register', 'proxied', `runs:/${run.info.run_id}/model`));
    const local = ok(await cli('artifacts', 'download', '-u', 'models:/proxied/1', '-d', join(work, 'registered')));
    assert.deepEqual(treeOf(local.trim()), treeOf(join(work, 'model-src')));
  });

  it('names what is wrong with the arguments (exit code 2) and unknown runs (exit code 1)', async () => {
    const cli = keelAt(keelServer.url);
    const file = join(dir, 'plain.txt');
    writeFileSync(file, 'x');
    const cases: [string[], number, RegExp][] = [
      [['artifacts', 'download', '-d', dir], 2, /Give either --run-id .* or --artifact-uri/],
      [['artifacts', 'download', '-r', 'a', '-u', 'runs:/a/b'], 2, /Give either --run-id/],
      [['artifacts', 'download', '-u', 'runs:/a/b', '-a', 'c'], 2, /--artifact-path goes with --run-id/],
      [['artifacts', 'log-artifact', '-l', join(dir, 'nope.txt'), '-r', 'abc'], 2, /No such file: .*nope\.txt/],
      [['artifacts', 'log-artifact', '-l', dir, '-r', 'abc'], 2, /is a directory \(use log-artifacts\)/],
      [['artifacts', 'log-artifacts', '-l', file, '-r', 'abc'], 2, /is not a directory \(use log-artifact\)/],
      [['artifacts', 'list'], 2, /required option '-r, --run-id <id>' not specified/],
    ];
    const results = await Promise.all(cases.map(([args]) => keel(args)));
    for (const [i, result] of results.entries()) {
      const [, code, message] = cases[i] as [string[], number, RegExp];
      fails(result, code, message);
    }
    fails(await cli('artifacts', 'list', '-r', 'f'.repeat(32)), 1, /RESOURCE_DOES_NOT_EXIST: .*f{32}/);
    fails(await cli('artifacts', 'log-artifact', '-l', file, '-r', 'f'.repeat(32)), 1, /RESOURCE_DOES_NOT_EXIST/);
    fails(await cli('artifacts', 'download', '-u', 'models:/', '-d', dir), 1, /Not a proper models:\/ URI/);
  });

  it('explains each sub-command with an example', async () => {
    const subs = ['list', 'download', 'log-artifact', 'log-artifacts'];
    const helps = await Promise.all(subs.map((sub) => keel(['artifacts', sub, '--help'])));
    for (const [i, help] of helps.entries())
      assert.match(ok(help), new RegExp(`Example[\\s\\S]*keel artifacts ${subs[i]}`));
    assert.match(ok(helps[1] as Awaited<ReturnType<typeof keel>>), /models:\/<name>@<alias>/);
  });
});
