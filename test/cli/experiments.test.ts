// `keel experiments ...` through the real binary, against a Keel server and against an embedded store.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer } from '@keel/platform/testing';
import { fails, json, keel, keelAt, ok, tableRows } from './helpers.js';

const targets = [
  {
    name: 'Keel server',
    // Experiments below use local directories outside the server's artifact storage.
    open: async () =>
      startTestServer({ allowLocalArtifactLocations: true }).then((s) => ({ uri: s.url, close: () => s.close() })),
  },
  {
    name: 'embedded store',
    open: async () => {
      const dir = mkdtempSync(join(tmpdir(), 'keel-cli-exp-'));
      return {
        uri: `sqlite:///${join(dir, 'x.db')}`,
        close: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
];

// The targets, and the tests of each, are independent: running them side by side keeps the suite quick.
describe('keel experiments', { concurrency: true }, () => {
  for (const target of targets) {
    describe(target.name, { concurrency: true }, () => {
      let uri: string;
      let close: () => Promise<void>;
      let cli: ReturnType<typeof keelAt>;
      before(async () => {
        ({ uri, close } = await target.open());
        cli = keelAt(uri);
        if (uri.startsWith('sqlite:')) {
          // Read-only commands never create a store: they name the missing file instead.
          const dir = dirname(uri.slice('sqlite:///'.length));
          fails(
            await cli('experiments', 'search'),
            1,
            /^Error: No Keel store at .*x\.db .*nothing has been tracked there yet/,
          );
          assert.deepEqual(readdirSync(dir), []);
          // Created once, so that the concurrent commands below find it.
          ok(await keel(['db', 'upgrade', uri]));
        }
        ok(await cli('experiments', 'search'));
      });
      after(() => close());

      it('creates, gets, renames, deletes and restores an experiment', async () => {
        const artifacts = mkdtempSync(join(tmpdir(), 'keel-cli-root-'));
        const created = json(
          await cli('experiments', 'create', '-n', 'churn', '-l', artifacts, '-t', 'team=ml', '--json'),
        );
        const id: string = created.experiment_id;
        assert.match(id, /^\d+$/);
        assert.match(
          ok(await cli('experiments', 'create', '-n', 'other')),
          /^Created experiment 'other' with ID \d+\.$/m,
        );

        const byId = json(await cli('experiments', 'get', '-x', id, '--json')).experiment;
        assert.equal(byId.name, 'churn');
        assert.equal(byId.artifact_location, artifacts);
        assert.deepEqual(byId.tags, [{ key: 'team', value: 'ml' }]);
        const byName = json(await cli('experiments', 'get', '-n', 'churn', '--json')).experiment;
        assert.equal(byName.experiment_id, id);
        const shown = ok(await cli('experiments', 'get', '-x', id));
        assert.match(shown, /^Experiment ID:\s+\d+$/m);
        assert.match(shown, new RegExp(`^Artifact location:\\s+${artifacts}$`, 'm'));
        assert.match(shown, /^Created:\s+\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/m);
        assert.match(shown, /^Tags:\n\s+KEY\s+VALUE\n\s+team\s+ml$/m);

        assert.match(
          ok(await cli('experiments', 'rename', '-x', id, '--new-name', 'churn-v2')),
          /Renamed experiment \d+ to 'churn-v2'/,
        );
        assert.match(ok(await cli('experiments', 'delete', '-x', id)), /Deleted experiment \d+/);
        const active = json(await cli('experiments', 'search', '--json')).experiments.map(
          (e: { name: string }) => e.name,
        );
        assert.ok(!active.includes('churn-v2'));
        const deleted = json(await cli('experiments', 'search', '-v', 'deleted_only', '--json')).experiments;
        assert.deepEqual(
          deleted.map((e: { name: string; lifecycle_stage: string }) => [e.name, e.lifecycle_stage]),
          [['churn-v2', 'deleted']],
        );
        const restored = json(await cli('experiments', 'restore', '-x', id, '--json')).experiment;
        assert.equal(restored.lifecycle_stage, 'active');
        rmSync(artifacts, { recursive: true, force: true });
      });

      it('searches with a filter, an order and a limit, as an aligned table by default', async () => {
        for (const name of ['search-b', 'search-a', 'search-c']) ok(await cli('experiments', 'create', '-n', name));
        const table = ok(
          await cli('experiments', 'search', '--filter', "name LIKE 'search-%'", '--order-by', 'name ASC'),
        );
        const rows = tableRows(table);
        assert.deepEqual(rows[0], ['ID', 'NAME', 'LIFECYCLE', 'ARTIFACT LOCATION', 'CREATED']);
        assert.deepEqual(
          rows.slice(1).map((r) => r[1]),
          ['search-a', 'search-b', 'search-c'],
        );
        // Columns line up: every row starts its NAME cell at the header's offset.
        const lines = table.trimEnd().split('\n');
        const nameAt = (lines[0] as string).indexOf('NAME');
        for (const line of lines.slice(1)) assert.match(line.slice(nameAt), /^search-/);
        assert.match(rows[1]?.[4] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);

        const limited = json(
          await cli(
            'experiments',
            'search',
            '--filter',
            "name LIKE 'search-%'",
            '--order-by',
            'name DESC',
            '--max-results',
            '2',
            '--json',
          ),
        );
        assert.deepEqual(
          limited.experiments.map((e: { name: string }) => e.name),
          ['search-c', 'search-b'],
        );
        assert.equal(
          ok(await cli('experiments', 'search', '--filter', "name = 'nothing-like-this'")).trim(),
          'No experiments found.',
        );
      });

      it('reports unknown IDs, duplicates and bad filters in one line with exit code 1', async () => {
        fails(await cli('experiments', 'get', '-x', '987654'), 1, /^Error: RESOURCE_DOES_NOT_EXIST: .*987654.*\n$/);
        fails(
          await cli('experiments', 'get', '-n', 'no-such-experiment'),
          1,
          /RESOURCE_DOES_NOT_EXIST.*no-such-experiment/,
        );
        fails(await cli('experiments', 'delete', '-x', '987654'), 1, /RESOURCE_DOES_NOT_EXIST/);
        ok(await cli('experiments', 'create', '-n', 'dup'));
        fails(await cli('experiments', 'create', '-n', 'dup'), 1, /RESOURCE_ALREADY_EXISTS.*dup/);
        fails(await cli('experiments', 'search', '--filter', 'name = unquoted'), 1, /INVALID_PARAMETER_VALUE/);
      });
    });
  }
});

describe('keel experiments: usage', () => {
  it('rejects wrong arguments with exit code 2 and names them', async () => {
    fails(await keel(['experiments', 'create']), 2, /required option '-n, --experiment-name <name>' not specified/);
    fails(await keel(['experiments', 'search', '-v', 'sometimes']), 2, /'sometimes' is invalid.*active_only/);
    fails(await keel(['experiments', 'search', '--max-results', 'lots']), 2, /--max-results.*whole number/);
    fails(await keel(['experiments', 'get']), 2, /exactly one of --experiment-id and --experiment-name/);
    fails(await keel(['experiments', 'get', '-x', '1', '-n', 'a']), 2, /exactly one of/);
    fails(
      await keel(['experiments', 'create', '-n', 'x', '-t', 'novalue']),
      2,
      /--tag expects key=value, got 'novalue'/,
    );
    fails(await keel(['experiments', 'frobnicate']), 2, /unknown command 'frobnicate'/);
  });

  it('explains every sub-command with an example and the default tracking URI', async () => {
    const subs = ['create', 'search', 'get', 'rename', 'delete', 'restore'];
    const helps = await Promise.all(subs.map((sub) => keel(['experiments', sub, '--help'])));
    for (const [i, sub] of subs.entries()) {
      const help = ok(helps[i] as Awaited<ReturnType<typeof keel>>);
      assert.match(help, /Example/, sub);
      assert.match(help, new RegExp(`keel experiments ${sub}`), sub);
      assert.match(help, /--tracking-uri <uri>[\s\S]*MLFLOW_TRACKING_URI[\s\S]*http:\/\/127\.0\.0\.1:5000/, sub);
      assert.match(help, /--json/, sub);
    }
  });
});
