// `keel models serve -m models:/<name>@<alias> --watch` under load: when the alias moves, the
// new version is loaded beside the old, checked with its input example and swapped in, with
// every request answered; a version that fails its check is not served.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createClient, type KeelClient, logModel } from '@keel/client/node';
import { writeJsModelDir } from '@keel/platform/testing';
import { startTestServer, type TestServer } from '../sdk/support.js';
import { send } from '../support/http.js';
import { loadGenerator, type ScoringServer, startScoringServer } from './support.js';

/** Waits until `check` holds, polling. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('keel models serve --watch: following an alias under load', () => {
  let tracking: TestServer;
  let client: KeelClient;
  let dir: string;
  let server: ScoringServer | undefined;

  /** Logs a js_function model whose score is `w1*x1 + w2*x2 + bias` and registers it. */
  async function version(weights: [number, number], runId: string, broken = false): Promise<string> {
    const source = writeJsModelDir(join(dir, `src-${weights.join('-')}-${broken}`), { weights });
    if (broken)
      writeFileSync(
        join(source, 'code', 'model.mjs'),
        "export function load() { throw new Error('cannot load this version'); }\n",
      );
    const info = await logModel(client, {
      flavor: 'js_function',
      module: join(source, 'code', 'model.mjs'),
      data: join(source, 'data', 'weights.json'),
      runId,
      inputExample: [{ x1: 1, x2: 2 }],
      inferOutputs: !broken,
      registeredModelName: 'scorer',
      registration: { waitTimeoutMs: 10_000, pollIntervalMs: 50 },
    });
    return info.registeredVersion?.version as string;
  }

  before(async () => {
    tracking = await startTestServer();
    client = createClient({ trackingUri: tracking.url, env: {} });
    dir = mkdtempSync(join(tmpdir(), 'keel-watch-'));
  });
  after(async () => {
    await server?.stop();
    await client.close();
    await tracking.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('swaps versions with no failed request, and keeps serving when a version cannot load', async () => {
    const experiment = (await client.createExperiment({ name: 'watch' })).experiment_id;
    const { run } = await client.createRun({ experiment_id: experiment });
    const v1 = await version([1, 1], run.info.run_id);
    const v2 = await version([10, 10], run.info.run_id);
    const v3 = await version([0, 0], run.info.run_id, true);
    assert.deepEqual([v1, v2, v3], ['1', '2', '3']);
    await client.setRegisteredModelAlias({ name: 'scorer', alias: 'champion', version: v1 });

    server = await startScoringServer(
      ['-m', 'models:/scorer@champion', '--watch', '--watch-interval', '0.2', '--tracking-uri', tracking.url],
      { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '1' },
    );
    const scoring = server;
    const body = JSON.stringify({ dataframe_split: { columns: ['x1', 'x2'], data: [[1, 2]] } });
    const load = loadGenerator(scoring.url, body, 4);
    try {
      await until(() => load.answers.length > 50, 'traffic on version 1');
      await client.setRegisteredModelAlias({ name: 'scorer', alias: 'champion', version: v2 });
      await until(() => load.answers.some((a) => a.headers['x-keel-model-version'] === '2'), 'version 2 to be served');
      const swappedAt = load.answers.length;
      await until(() => load.answers.length > swappedAt + 50, 'traffic on version 2');

      await client.setRegisteredModelAlias({ name: 'scorer', alias: 'champion', version: v3 });
      await until(
        () => /Version 3 could not be loaded; still serving version 2/.test(scoring.output()),
        'the broken version to be refused',
      );
      const refusedAt = load.answers.length;
      await until(() => load.answers.length > refusedAt + 50, 'traffic after the refusal');
    } finally {
      await load.stop();
    }
    assert.deepEqual(load.failures, [], 'no request failed to connect');
    const statuses = new Set(load.answers.map((a) => a.status));
    assert.deepEqual([...statuses], [200], 'every request was answered 200');
    const byVersion = new Map<string, Set<string>>();
    for (const a of load.answers) {
      const v = String(a.headers['x-keel-model-version']);
      byVersion.set(v, (byVersion.get(v) ?? new Set()).add(a.body));
    }
    assert.deepEqual([...(byVersion.get('1') ?? [])], ['{"predictions":[4]}']);
    assert.deepEqual([...(byVersion.get('2') ?? [])], ['{"predictions":[31]}']);
    assert.equal(byVersion.has('3'), false);
    const lastVersion = load.answers.at(-1)?.headers['x-keel-model-version'];
    assert.equal(lastVersion, '2');
    const reported = await send(scoring.url, { path: '/version' });
    assert.deepEqual(
      [reported.json.model.name, reported.json.model.version, reported.json.model.alias],
      ['scorer', '2', 'champion'],
    );
    assert.match(scoring.output(), /Now serving version 2 \(checked with its input example\)/);
  });

  it('refuses --watch without an alias URI', async () => {
    const model = writeJsModelDir(join(dir, 'plain'));
    await assert.rejects(
      startScoringServer(['-m', model, '--watch']),
      /exited with 2 before listening:\n.*--watch follows a registered model alias/,
    );
  });
});
