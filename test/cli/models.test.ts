// `keel models ...` through the real binary: the registry flow from a run's artifacts to an
// aliased production version, and the audit trail naming who did each step.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { fails, json, keel, keelAt, ok, tableRows } from './helpers.js';

const ME = userInfo().username;
const as = (user: string) => ({ MLFLOW_TRACKING_USERNAME: user, MLFLOW_TRACKING_PASSWORD: 'secret' });

/** A run holding a `model/` directory with an MLmodel file; returns its ID. */
async function runWithModel(cli: ReturnType<typeof keelAt>, dir: string, root: string): Promise<string> {
  const { experiment_id } = json(
    await cli('experiments', 'create', '-n', `models-${Date.now()}`, '-l', root, '--json'),
  );
  const { run } = json(await cli('runs', 'create', '-x', experiment_id, '--json'));
  const src = join(dir, 'model');
  mkdirSync(src, { recursive: true });
  writeFileSync(join(src, 'MLmodel'), 'flavors: {}\n');
  writeFileSync(join(src, 'model.json'), '{"weights": [1, 2, 3]}');
  ok(await cli('artifacts', 'log-artifacts', '-l', src, '-r', run.info.run_id, '-a', 'model', '--no-progress'));
  return run.info.run_id;
}

describe('keel models', { concurrency: true }, () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    // Runs keep their artifacts in local directories outside the server's storage.
    server = await startTestServer({ allowLocalArtifactLocations: true });
    dir = mkdtempSync(join(tmpdir(), 'keel-cli-models-'));
  });
  after(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('registers a run’s model, promotes it, aliases it, and the history says who did each step', async () => {
    const cli = keelAt(server.url);
    const alice = keelAt(server.url, as('alice'));
    const bob = keelAt(server.url, as('bob'));
    const runId = await runWithModel(cli, join(dir, 'flow'), join(dir, 'flow-root'));

    assert.equal(
      ok(
        await alice('models', 'registry', 'create', 'churn', '--description', 'Churn classifier', '-t', 'team=ml'),
      ).trim(),
      "Created registered model 'churn'.",
    );
    const first = ok(await cli('models', 'registry', 'register', 'churn', `runs:/${runId}/model`));
    assert.match(first, /^Registered 'churn' version 1 \(READY\) from .*flow-root\/.*\/artifacts\/model\.$/m);
    const second = json(
      await cli(
        'models',
        'registry',
        'register',
        'churn',
        `runs:/${runId}/model`,
        '--description',
        'retrained',
        '-t',
        'data=2024-06',
        '--json',
      ),
    );
    assert.equal(second.model_version.version, '2');
    assert.equal(second.model_version.status, 'READY');
    assert.equal(second.model_version.run_id, runId);
    assert.deepEqual(second.model_version.tags, [{ key: 'data', value: '2024-06' }]);

    assert.equal(
      ok(await bob('models', 'versions', 'transition', 'churn', '1', 'staging')).trim(),
      "Moved 'churn' version 1 from None to Staging.",
    );
    ok(await bob('models', 'versions', 'transition', 'churn', '1', 'Production'));
    const promoted = json(
      await bob('models', 'versions', 'transition', 'churn', '2', 'Production', '--archive-existing', '--json'),
    );
    assert.equal(promoted.model_version.current_stage, 'Production');
    assert.equal(
      ok(await bob('models', 'alias', 'set', 'churn', 'champion', '2')).trim(),
      "Alias @champion of 'churn' now points to version 2.",
    );
    ok(await alice('models', 'alias', 'set', 'churn', 'challenger', '1'));

    // Only reads from here to the tear-down: run them side by side.
    const reads = {
      described: cli('models', 'registry', 'describe', 'churn'),
      model: cli('models', 'registry', 'describe', 'churn', '--json'),
      listed: cli('models', 'registry', 'list', '--filter', "name = 'churn'", '--json'),
      table: cli('models', 'registry', 'list'),
      versions: cli('models', 'versions', 'list', 'churn', '--json'),
      v2: cli('models', 'versions', 'describe', 'churn', '2'),
      local: cli('artifacts', 'download', '-u', 'models:/churn@champion', '-d', join(dir, 'champion'), '--no-progress'),
      sub: cli(
        'artifacts',
        'download',
        '-u',
        'models:/churn/Production/model.json',
        '-d',
        join(dir, 'sub'),
        '--no-progress',
      ),
      history: cli('models', 'history', 'churn', '--json'),
      trail: cli('models', 'history', 'churn'),
      newest: cli('models', 'history', 'churn', '--max-results', '2', '--json'),
    };
    const described = ok(await reads.described);
    assert.match(described, /^Description:\s+Churn classifier$/m);
    assert.match(described, /^Tags:\n\s+KEY\s+VALUE\n\s+team\s+ml$/m);
    assert.match(described, /^Aliases:\n\s+ALIAS\s+VERSION\n\s+@challenger\s+1\n\s+@champion\s+2$/m);
    const versionRows = tableRows(described.slice(described.indexOf('Versions')).split('\n').slice(1).join('\n'));
    assert.deepEqual(versionRows[0]?.slice(0, 4), ['VERSION', 'STAGE', 'STATUS', 'ALIASES']);
    assert.deepEqual(
      versionRows.slice(1).map((r) => r.slice(0, 4)),
      [
        ['2', 'Production', 'READY', '@champion'],
        ['1', 'Archived', 'READY', '@challenger'],
      ],
    );
    const model = json(await reads.model).registered_model;
    assert.deepEqual(model.aliases, [
      { alias: 'challenger', version: '1' },
      { alias: 'champion', version: '2' },
    ]);
    const listed = json(await reads.listed).registered_models;
    assert.deepEqual(
      listed.map((m: { name: string }) => m.name),
      ['churn'],
    );
    const table = tableRows(ok(await reads.table));
    assert.deepEqual(table.find((r) => r[0] === 'churn')?.slice(0, 3), ['churn', '2', '@challenger=v1, @champion=v2']);

    const versions = json(await reads.versions).model_versions;
    assert.deepEqual(
      versions.map((v: { version: string; current_stage: string }) => [v.version, v.current_stage]),
      [
        ['2', 'Production'],
        ['1', 'Archived'],
      ],
    );
    const v2 = ok(await reads.v2);
    assert.match(v2, /^Stage:\s+Production$/m);
    assert.match(v2, /^Aliases:\s+@champion$/m);
    assert.match(v2, /^Description:\s+retrained$/m);
    assert.match(v2, new RegExp(`^Run ID:\\s+${runId}$`, 'm'));

    // The champion downloads through its models:/ URI.
    const local = ok(await reads.local).trim();
    assert.equal(local, join(dir, 'champion'));
    assert.deepEqual(readdirSync(local).sort(), ['MLmodel', 'model.json']);
    assert.equal(readFileSync(join(local, 'model.json'), 'utf8'), '{"weights": [1, 2, 3]}');
    const sub = ok(await reads.sub).trim();
    assert.equal(readFileSync(sub, 'utf8'), '{"weights": [1, 2, 3]}');

    const history = json(await reads.history).events;
    assert.deepEqual(
      history.map((e: { kind: string; user: string; version?: string }) => [e.kind, e.user, e.version ?? '']),
      [
        ['set_alias', 'alice', '1'],
        ['set_alias', 'bob', '2'],
        ['transition_model_version_stage', 'bob', '2'],
        ['transition_model_version_stage', 'bob', '1'],
        ['transition_model_version_stage', 'bob', '1'],
        ['transition_model_version_stage', 'bob', '1'],
        ['create_model_version', ME, '2'],
        ['create_model_version', ME, '1'],
        ['create_registered_model', 'alice', ''],
      ],
    );
    const trail = tableRows(ok(await reads.trail));
    assert.deepEqual(trail[0], ['TIME', 'USER', 'EVENT', 'MODEL', 'VERSION', 'CHANGE']);
    const promotion = trail.find((r) => r[4] === '2' && r[2] === 'transition_model_version_stage');
    assert.equal(promotion?.[1], 'bob');
    assert.equal(promotion?.[5], 'None -> Production, archiving the others');
    assert.match(promotion?.[0] ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/);
    assert.ok(trail.some((r) => r[5] === 'Production -> Archived (archived when version 2 moved in)'));
    const newest = json(await reads.newest).events;
    assert.equal(newest.length, 2);

    // Tearing down is recorded too.
    assert.equal(
      ok(await bob('models', 'alias', 'delete', 'churn', 'challenger')).trim(),
      "Removed alias @challenger of 'churn'.",
    );
    assert.equal(ok(await bob('models', 'versions', 'delete', 'churn', '1')).trim(), "Deleted 'churn' version 1.");
    assert.equal(
      ok(await alice('models', 'registry', 'delete', 'churn')).trim(),
      "Deleted registered model 'churn' and its versions.",
    );
    fails(
      await cli('models', 'registry', 'describe', 'churn'),
      1,
      /RESOURCE_DOES_NOT_EXIST: Registered Model with name=churn not found/,
    );
    const gone = json(await cli('models', 'history', 'churn', '--max-results', '3', '--json')).events;
    assert.deepEqual(
      gone.map((e: { kind: string; user: string }) => [e.kind, e.user]),
      [
        ['delete_registered_model', 'alice'],
        ['delete_model_version', 'bob'],
        ['delete_alias', 'bob'],
      ],
    );
  });

  it('names unknown models, versions, stages and refused aliases in one line', async () => {
    const cli = keelAt(server.url);
    ok(await cli('models', 'registry', 'create', 'errors'));
    fails(await cli('models', 'registry', 'create', 'errors'), 1, /RESOURCE_ALREADY_EXISTS: .*errors/);
    fails(await cli('models', 'versions', 'list', 'nope'), 1, /Registered Model with name=nope not found/);
    fails(
      await cli('models', 'versions', 'describe', 'errors', '9'),
      1,
      /Model Version \(name=errors, version=9\) not found/,
    );
    fails(await cli('models', 'versions', 'describe', 'errors', 'x'), 1, /INVALID_PARAMETER_VALUE: .*version/);
    const { model_version } = json(
      await cli('models', 'registry', 'register', 'errors', 's3://bucket/model', '--json'),
    );
    fails(
      await cli('models', 'versions', 'transition', 'errors', model_version.version, 'Live'),
      1,
      /INVALID_PARAMETER_VALUE: .*Live/,
    );
    fails(await cli('models', 'alias', 'set', 'errors', 'latest', '1'), 1, /INVALID_PARAMETER_VALUE: .*latest/);
    fails(await cli('models', 'alias', 'set', 'errors', 'v3', '1'), 1, /INVALID_PARAMETER_VALUE/);
    fails(
      await cli('models', 'registry', 'register', 'errors', `runs:/${'f'.repeat(32)}/model`),
      1,
      /RESOURCE_DOES_NOT_EXIST: .*f{32}/,
    );
    fails(await cli('artifacts', 'download', '-u', 'models:/errors@nobody', '-d', dir), 1, /alias nobody not found/);
    fails(
      await cli('artifacts', 'download', '-u', 'models:/errors/Production', '-d', dir),
      1,
      /No versions of model with name 'errors' and stage 'Production' found/,
    );
    fails(await cli('models', 'registry', 'delete', 'nope'), 1, /Registered Model with name=nope not found/);
    fails(
      await cli('models', 'versions', 'delete', 'errors', '42'),
      1,
      /Model Version \(name=errors, version=42\) not found/,
    );
    fails(await cli('models', 'alias', 'delete', 'nope', 'champion'), 1, /RESOURCE_DOES_NOT_EXIST: .*nope/);
    assert.equal(
      ok(await cli('models', 'history', 'never-existed')).trim(),
      "No registry history for 'never-existed'.",
    );
  });

  it('works the same on an embedded store', async () => {
    const cli = keelAt(`sqlite:///${join(dir, 'embedded', 'x.db')}`);
    const runId = await runWithModel(cli, join(dir, 'embedded-model'), join(dir, 'embedded-root'));
    assert.match(
      ok(await cli('models', 'registry', 'register', 'local', `runs:/${runId}/model`)),
      /version 1 \(READY\)/,
    );
    ok(await cli('models', 'alias', 'set', 'local', 'champion', '1'));
    const history = json(await cli('models', 'history', 'local', '--json')).events;
    assert.deepEqual(
      history.map((e: { kind: string; user: string }) => [e.kind, e.user]),
      [
        ['set_alias', ME],
        ['create_model_version', ME],
        ['create_registered_model', ME],
      ],
    );
    const local = ok(
      await cli('artifacts', 'download', '-u', 'models:/local@champion', '-d', join(dir, 'embedded-out')),
    ).trim();
    assert.deepEqual(readdirSync(local).sort(), ['MLmodel', 'model.json']);
  });

  it('rejects wrong arguments with exit code 2 and explains each sub-command', async () => {
    const cases: [string[], RegExp][] = [
      [['models', 'registry', 'describe'], /missing required argument 'name'/],
      [['models', 'registry', 'register', 'x'], /missing required argument 'source'/],
      [['models', 'registry', 'register', 'x', 's3://b/m', '--wait', 'soon'], /--wait.*whole number/],
      [['models', 'versions', 'transition', 'x', '1'], /missing required argument 'stage'/],
      [['models', 'alias', 'set', 'x', 'champion'], /missing required argument 'version'/],
      [['models', 'registry', 'create', 'x', '-t', 'oops'], /--tag expects key=value/],
    ];
    const results = await Promise.all(cases.map(([args]) => keel(args)));
    for (const [i, result] of results.entries()) fails(result, 2, (cases[i] as [string[], RegExp])[1]);
    const subs = [
      'registry list',
      'registry describe',
      'registry create',
      'registry register',
      'registry delete',
      'versions list',
      'versions describe',
      'versions transition',
      'versions delete',
      'alias set',
      'alias delete',
      'history',
    ];
    const helps = await Promise.all(subs.map((sub) => keel(['models', ...sub.split(' '), '--help'])));
    for (const [i, help] of helps.entries()) {
      const text = ok(help);
      assert.match(text, new RegExp(`Example[\\s\\S]*keel models ${subs[i]}`), subs[i]);
      assert.match(text, /--tracking-uri/, subs[i]);
    }
  });
});
