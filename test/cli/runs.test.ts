// `keel runs ...` through the real binary, against a Keel server and against an embedded store.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { createClient } from '@keel/client/node';
import { startTestServer } from '@keel/platform/testing';
import { fails, json, keel, keelAt, ok, tableRows } from './helpers.js';

const targets = [
  {
    name: 'Keel server',
    open: async () => {
      const server = await startTestServer();
      return { uri: server.url, client: new KeelClient({ trackingUri: server.url }), close: () => server.close() };
    },
  },
  {
    name: 'embedded store',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'keel-cli-runs-'));
      const uri = `sqlite:///${join(dir, 'x.db')}`;
      const client = createClient({ trackingUri: uri, env: {} });
      return {
        uri,
        client,
        close: async () => {
          await client.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  },
];

describe('keel runs', { concurrency: true }, () => {
  for (const target of targets) {
    describe(target.name, () => {
      let uri: string;
      let client: KeelClient;
      let close: () => Promise<void>;
      let cli: ReturnType<typeof keelAt>;
      let experimentId: string;
      // Runs that tests create or delete go here, so that the listings above stay exact while tests run side by side.
      let scratchId: string;
      const runIds: string[] = [];
      before(async () => {
        ({ uri, client, close } = await target.open());
        cli = keelAt(uri);
        ({ experiment_id: experimentId } = await client.createExperiment({ name: 'runs-cli' }));
        ({ experiment_id: scratchId } = await client.createExperiment({ name: 'runs-cli-scratch' }));
        // Three runs logged through the SDK, the way a training script would.
        for (const [i, lr] of ['0.1', '0.01', '0.001'].entries()) {
          const { run } = await client.createRun({
            experiment_id: experimentId,
            run_name: `r${i}`,
            start_time: 1_700_000_000_000 + i * 1000,
          });
          await client.logBatch({
            run_id: run.info.run_id,
            params: [{ key: 'lr', value: lr }],
            metrics: [{ key: 'rmse', value: 1 - i / 10, timestamp: 1_700_000_000_000, step: 0 }],
          });
          await client.updateRun({
            run_id: run.info.run_id,
            status: 'FINISHED',
            end_time: 1_700_000_065_000 + i * 1000,
          });
          runIds.push(run.info.run_id);
        }
      });
      after(async () => {
        await client.close();
        await close();
      });

      it('names experiments with -n, and refuses unknown IDs and names instead of finding no runs', async () => {
        const byName = json(await cli('runs', 'list', '-n', 'runs-cli', '--json'));
        assert.deepEqual(
          byName.runs.map((r: { info: { run_id: string } }) => r.info.run_id).sort(),
          [...runIds].sort(),
        );
        const both = json(await cli('runs', 'search', '-n', 'runs-cli', '-x', experimentId, '--json'));
        assert.equal(both.runs.length, 3, 'an experiment named twice is searched once');
        const fromEnv = json(
          await keel(['runs', 'list', '--json', '--tracking-uri', uri], {
            env: { MLFLOW_EXPERIMENT_NAME: 'runs-cli' },
          }),
        );
        assert.equal(fromEnv.runs.length, 3);
        fails(
          await cli('runs', 'list', '-x', 'runs-cli'),
          1,
          new RegExp(
            `^Error: No experiment with ID 'runs-cli'\\. An experiment is named 'runs-cli' \\(ID ${experimentId}\\): use --experiment-name runs-cli\\.$`,
            'm',
          ),
        );
        fails(
          await cli('runs', 'list', '-x', '987654'),
          1,
          /^Error: No experiment with ID '987654'\. List experiments with: keel experiments search\.$/m,
        );
        fails(
          await cli('runs', 'search', '-n', 'churn', '--filter', 'metrics.rmse < 1'),
          1,
          /^Error: No experiment named 'churn'\. List experiments with: keel experiments search, or create it with: keel experiments create -n churn\.$/m,
        );
      });

      it('lists the runs of an experiment, from the flag or MLFLOW_EXPERIMENT_ID', async () => {
        const table = ok(await cli('runs', 'list', '--experiment-id', experimentId));
        const rows = tableRows(table);
        assert.deepEqual(rows[0], ['RUN ID', 'NAME', 'EXPERIMENT', 'STATUS', 'STARTED', 'DURATION']);
        // Newest first; local times in the test's time zone (UTC).
        assert.deepEqual(rows[1], [runIds[2], 'r2', experimentId, 'FINISHED', '2023-11-14 22:13:22', '1m05s']);
        assert.equal(rows.length, 4);
        const viaEnv = json(
          await keel(['runs', 'list', '--json', '--tracking-uri', uri], {
            env: { MLFLOW_EXPERIMENT_ID: experimentId },
          }),
        );
        assert.deepEqual(
          viaEnv.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
          [...runIds].reverse(),
        );
        assert.equal(viaEnv.runs[0].data.params[0].key, 'lr');
      });

      it('searches with a filter and an order, showing metric and param columns', async () => {
        const table = ok(
          await cli(
            'runs',
            'search',
            '-x',
            experimentId,
            '--filter',
            'metrics.rmse < 0.95',
            '--order-by',
            'metrics.rmse ASC',
            '--columns',
            'metrics.rmse,params.lr',
          ),
        );
        const rows = tableRows(table);
        assert.deepEqual(rows[0]?.slice(-2), ['metrics.rmse', 'params.lr']);
        assert.deepEqual(
          rows.slice(1).map((r) => [r[0], ...r.slice(-2)]),
          [
            [runIds[2], '0.8', '0.001'],
            [runIds[1], '0.9', '0.01'],
          ],
        );
        const limited = json(
          await cli(
            'runs',
            'search',
            '-x',
            experimentId,
            '--order-by',
            'params.lr ASC',
            '--max-results',
            '1',
            '--json',
          ),
        );
        assert.deepEqual(
          limited.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
          [runIds[2]],
        );
        assert.equal(
          ok(await cli('runs', 'search', '-x', experimentId, '--filter', "params.lr = 'none'")).trim(),
          'No runs matched.',
        );
      });

      it('describes a run with its parameters, metrics and tags', async () => {
        const shown = ok(await cli('runs', 'describe', '--run-id', runIds[0] as string));
        assert.match(shown, new RegExp(`^Run ID:\\s+${runIds[0]}$`, 'm'));
        assert.match(shown, /^Status:\s+FINISHED$/m);
        assert.match(shown, /^Duration:\s+1m05s$/m);
        assert.match(shown, /^Parameters:\n\s+KEY\s+VALUE\n\s+lr\s+0\.1$/m);
        assert.match(
          shown,
          /^Metrics \(latest\):\n\s+KEY\s+VALUE\s+STEP\s+TIME\n\s+rmse\s+1\s+0\s+2023-11-14 22:13:20$/m,
        );
        const { run } = json(await cli('runs', 'describe', '-r', runIds[0] as string, '--json'));
        assert.equal(run.info.run_id, runIds[0]);
        assert.deepEqual(run.data.params, [{ key: 'lr', value: '0.1' }]);
      });

      it('creates finished runs with tags, a description and a parent', async () => {
        const { run } = json(
          await cli(
            'runs',
            'create',
            '-x',
            scratchId,
            '--run-name',
            'manual',
            '--tags',
            'team=ml',
            '--tags',
            'x=1',
            '--description',
            'by hand',
            '--status',
            'FAILED',
            '--parent-run-id',
            runIds[0] as string,
            '--json',
          ),
        );
        assert.equal(run.info.status, 'FAILED');
        assert.equal(run.info.run_name, 'manual');
        assert.ok(run.info.end_time >= run.info.start_time);
        const tags = Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
        assert.equal(tags.team, 'ml');
        assert.equal(tags.x, '1');
        assert.equal(tags['mlflow.note.content'], 'by hand');
        assert.equal(tags['mlflow.parentRunId'], runIds[0]);
        assert.equal(tags['mlflow.user'], userInfo().username);
        const byName = ok(
          await keel(['runs', 'create', '--tracking-uri', uri], {
            env: { MLFLOW_EXPERIMENT_NAME: 'runs-cli-scratch' },
          }),
        );
        assert.match(byName, /^Created run [0-9a-f]{32} \('.*'\) in experiment \d+\.$/m);
        fails(
          await cli('runs', 'create', '-n', 'no such experiment'),
          1,
          /^Error: No experiment named 'no such experiment'\. .* or create it with: keel experiments create -n 'no such experiment'\.$/m,
        );
      });

      it('deletes and restores runs; unknown run IDs are named in the error', async () => {
        const { run } = await client.createRun({ experiment_id: scratchId, run_name: 'doomed' });
        const id = run.info.run_id;
        assert.equal(ok(await cli('runs', 'delete', '--run-id', id)).trim(), `Deleted run ${id}.`);
        const deleted = json(await cli('runs', 'list', '-x', scratchId, '-v', 'deleted_only', '--json'));
        assert.deepEqual(
          deleted.runs.map((r: { info: { run_id: string } }) => r.info.run_id),
          [id],
        );
        assert.equal(ok(await cli('runs', 'restore', '--run-id', id)).trim(), `Restored run ${id}.`);
        assert.equal((await client.getRun({ run_id: id })).run.info.lifecycle_stage, 'active');
        fails(
          await cli('runs', 'describe', '--run-id', 'f'.repeat(32)),
          1,
          new RegExp(`RESOURCE_DOES_NOT_EXIST: .*${'f'.repeat(32)}`),
        );
        fails(await cli('runs', 'delete', '--run-id', 'nope'), 1, /RESOURCE_DOES_NOT_EXIST/);
      });
    });
  }
});

describe('keel runs: usage', () => {
  it('rejects wrong arguments with exit code 2 and explains each sub-command', async () => {
    const cases: [string[], RegExp][] = [
      [
        ['runs', 'list'],
        /Missing --experiment-id or --experiment-name \(or set MLFLOW_EXPERIMENT_ID \/ MLFLOW_EXPERIMENT_NAME\)/,
      ],
      [['runs', 'describe'], /required option '-r, --run-id <id>' not specified/],
      [['runs', 'create'], /Missing --experiment-id or --experiment-name/],
      [['runs', 'create', '-x', '1', '-n', 'a'], /not both/],
      [['runs', 'create', '-x', '1', '--status', 'RUNNING'], /'RUNNING' is invalid/],
      [['runs', 'search', '-x', '1', '--columns', 'weird.thing'], /--columns entries are metrics/],
    ];
    const results = await Promise.all(cases.map(([args]) => keel(args)));
    for (const [i, result] of results.entries()) fails(result, 2, (cases[i] as [string[], RegExp])[1]);
    const subs = ['list', 'search', 'describe', 'create', 'delete', 'restore'];
    const helps = await Promise.all(subs.map((sub) => keel(['runs', sub, '--help'])));
    for (const [i, help] of helps.entries()) assert.match(ok(help), new RegExp(`Example[\\s\\S]*keel runs ${subs[i]}`));
  });
});
