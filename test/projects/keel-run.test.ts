// `keel run` through the real binary against a real Keel server: what reaches the command, what
// the run records, failures before and during the run, killed runs, detached runs, nesting.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { KEEL_BIN, runKeel } from '../support/cli.js';
import {
  artifactText,
  commitAll,
  isAlive,
  keelRun,
  makeProject,
  PROBE_SCRIPT,
  paramsOf,
  probeOf,
  runEnv,
  runIdOf,
  runsOf,
  startKeelRun,
  suiteRoot,
  tagsOf,
  waitForFile,
} from './support.js';

const HOSTILE = {
  subst: '$(touch {marker})',
  backticks: '`touch {marker}`',
  dquote: '"; touch {marker}; echo "',
  squote: "'; touch {marker}; echo '",
  newline: 'one\ntwo; touch {marker}',
  semicolon: '; touch {marker}',
  spaces: 'hello world',
};

const MLPROJECT = `
name: keel-run-test
entry_points:
  main:
    parameters:
${Object.keys(HOSTILE)
  .map((k) => `      ${k}: string`)
  .join('\n')}
      epochs: {type: int, default: 10}
      alpha: {type: float, default: 0.5}
      data: {type: path, default: data/in.csv}
    command: "node probe.mjs ${Object.keys(HOSTILE)
      .map((k) => `{${k}}`)
      .join(' ')} {epochs} {alpha} {data}"
  fail:
    parameters:
      code: {type: int, default: 3}
    command: "echo about to fail; node -e 'process.exit(Number(process.argv[1]))' {code}"
  hang:
    parameters:
      pidfile: string
    command: "node hang.mjs {pidfile}"
  slow:
    command: "node -e 'setTimeout(() => console.log(\\"slow done\\"), 1500)'"
  nested:
    command: "node \\"$KEEL_BIN\\" run . -e probe --env-manager local -P x=inner"
  probe:
    command: "node probe.mjs"
  read:
    parameters:
      file: path
    command: "node -e 'process.stdout.write(\\"READ \\" + require(\\"fs\\").readFileSync(process.argv[1], \\"utf8\\"))' {file}"
`;

const HANG = `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)'], { stdio: 'ignore' });
console.log('hanging');
writeFileSync(process.argv[2], String(child.pid));
setTimeout(() => {}, 300000);`;

describe('keel run', { concurrency: 4 }, () => {
  let server: TestServer;
  let client: KeelClient;
  const root = suiteRoot('keel-run');
  let project: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    server = await startTestServer();
    client = new KeelClient({ trackingUri: server.url });
    project = makeProject(root, {
      MLproject: MLPROJECT,
      'probe.mjs': PROBE_SCRIPT,
      'hang.mjs': HANG,
      'data/in.csv': 'a,b\n',
      'show.sh': 'printf "SCRIPT %s|" "$@"\n',
    });
    env = runEnv(server.url, join(root, 'envs'), { KEEL_BIN });
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const experiment = async (name: string) => (await client.createExperiment({ name })).experiment_id;

  it('runs the entry point: every hostile value reaches the program as one argument and runs nothing', async () => {
    const marker = join(root, 'pwned');
    const values = Object.fromEntries(Object.entries(HOSTILE).map(([k, v]) => [k, v.replaceAll('{marker}', marker)]));
    const experimentId = await experiment('hostile');
    const result = await keelRun(
      [
        project,
        '--env-manager',
        'local',
        '--experiment-id',
        experimentId,
        '--run-name',
        'hostile values',
        ...Object.entries(values).flatMap(([k, v]) => ['-P', `${k}=${v}`]),
        '-P',
        'seed=7',
      ],
      env,
      root,
    );
    assert.equal(result.code, 0, result.stderr);
    const probe = probeOf(result.stdout);
    assert.deepEqual(probe.argv, [
      ...Object.values(values),
      '10',
      '0.5',
      join(project, 'data', 'in.csv'),
      '--seed',
      '7',
    ]);
    assert.equal(probe.cwd, project);
    assert.equal(probe.uri, server.url);
    assert.equal(probe.experimentId, experimentId);
    assert.equal(existsSync(marker), false);

    const { run } = await client.getRun({ run_id: probe.runId });
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.run_name, 'hostile values');
    const params = paramsOf(run);
    assert.equal(params.spaces, "'hello world'");
    assert.equal(params.subst, `'$(touch ${marker})'`);
    assert.equal(params.epochs, '10');
    assert.equal(params.data, 'data/in.csv');
    assert.equal(params.seed, '7');
    const tags = tagsOf(run);
    assert.equal(tags['mlflow.source.type'], 'PROJECT');
    assert.equal(tags['mlflow.source.name'], project);
    assert.equal(tags['mlflow.project.entryPoint'], 'main');
    assert.equal(tags['mlflow.project.backend'], 'local');
    assert.equal(tags['mlflow.project.env'], undefined);
    assert.ok(tags['mlflow.user']);
    assert.match(await artifactText(server.url, client, probe.runId, 'logs/keel-run.log'), /^PROBE /m);
  });

  it('refuses bad requests before creating any run, saying what the entry point accepts', async () => {
    const experimentId = await experiment('refused');
    const at = ['--experiment-id', experimentId, '--env-manager', 'local'];
    const cases: [string[], number, RegExp][] = [
      [
        [project, ...at],
        1,
        /No value given for missing parameters: 'subst', 'backticks'.*Entry point 'main' accepts: subst \(string, required\)/,
      ],
      [[project, ...at, '-e', 'nope'], 1, /Could not find nope among entry points \['main', 'fail', /],
      [
        [project, ...at, '-e', 'fail', '-P', 'code'],
        2,
        /Invalid format for -P parameter: 'code'\. Use -P name=value\./,
      ],
      [[project, ...at, '-e', 'fail', '-P', 'code=1', '-P', 'code=2'], 2, /Repeated parameter: 'code'/],
      [
        [project, ...at, '-e', 'fail', '-P', 'code=three'],
        1,
        /Parameter 'code' of entry point 'fail' must be an integer, got three/,
      ],
      [[project, ...at, '-e', 'fail', '-P', 'a b=1'], 2, /Invalid parameter name 'a b'/],
      [[project, '--experiment-id', experimentId, '--env-manager', 'pip'], 2, /Invalid value for `env_manager`: pip/],
      [
        [project, ...at, '-e', 'read', '-P', 'file=missing.csv'],
        1,
        /Got value missing\.csv for parameter file, but no such file or directory was found\./,
      ],
      [[project, ...at, '-b', 'kubernetes'], 2, /Unknown backend 'kubernetes'\. Known backends: local, slurm\./],
      [[join(root, 'no-such-dir'), ...at], 1, /Not a project directory or git repository/],
    ];
    const results = await Promise.all(cases.map(([args]) => keelRun(args, env, root)));
    for (const [i, [args, code, message]] of cases.entries()) {
      const result = results[i] as Awaited<ReturnType<typeof keelRun>>;
      assert.equal(result.code, code, `${args.join(' ')}\n${result.stderr}`);
      assert.match(result.stderr, message);
      assert.doesNotMatch(result.stderr, /at .*\.(ts|js|mjs):\d+/, 'no stack trace');
    }
    assert.deepEqual(await runsOf(client, experimentId), []);
  });

  it('a failing step: exits with its status, run FAILED with the reason, output saved', async () => {
    const result = await keelRun([project, '-e', 'fail', '-P', 'code=3', '--env-manager', 'local'], env, root);
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /about to fail/);
    const runId = runIdOf(result.stderr);
    assert.match(result.stderr, /=== Run \(ID '[0-9a-f]{32}'\) failed ===/);
    const { run } = await client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'FAILED');
    assert.ok(run.info.end_time);
    assert.equal(tagsOf(run)['keel.project.failureReason'], 'The command exited with status 3');
    assert.match(await artifactText(server.url, client, runId, 'logs/keel-run.log'), /about to fail/);
  });

  for (const [signal, code] of [
    ['SIGTERM', 143],
    ['SIGINT', 130],
  ] as const) {
    it(`a step stopped by ${signal}: the whole process group ends, run KILLED, exit ${code}`, async () => {
      const pidfile = join(root, `${signal}.pid`);
      const running = startKeelRun(
        [project, '-e', 'hang', '-P', `pidfile=${pidfile}`, '--env-manager', 'local'],
        env,
        root,
      );
      const grandchild = Number(await waitForFile(pidfile));
      assert.ok(isAlive(grandchild));
      running.child.kill(signal);
      assert.equal(await running.exited, code, running.output());
      for (let i = 0; i < 50 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
      assert.equal(isAlive(grandchild), false, 'the step left a process behind');
      const { run } = await client.getRun({ run_id: runIdOf(running.output()) });
      assert.equal(run.info.status, 'KILLED');
      assert.match(await artifactText(server.url, client, run.info.run_id, 'logs/keel-run.log'), /hanging/);
    });
  }

  it('--detach prints the run ID at once; keel runs wait follows it to the end', async () => {
    const started = Date.now();
    const storage = join(root, 'detached-storage');
    const detached = await keelRun(
      [project, '-e', 'slow', '--env-manager', 'local', '--detach', '--storage-dir', storage],
      env,
      root,
    );
    assert.equal(detached.code, 0, detached.stderr);
    const runId = detached.stdout.trim();
    assert.match(runId, /^[0-9a-f]{32}$/);
    assert.match(detached.stderr, new RegExp(`keel runs wait ${runId}`));
    assert.equal((await client.getRun({ run_id: runId })).run.info.status, 'RUNNING');
    const waited = await runKeel(['runs', 'wait', runId, '--poll-interval', '0.2'], { env });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout.trim(), `Run ${runId} FINISHED`);
    assert.ok(Date.now() - started > 1500);
    assert.match(await artifactText(server.url, client, runId, 'logs/keel-run.log'), /slow done/);
    assert.deepEqual(readdirSync(storage), [], 'the detached run cleaned up after itself');

    const failing = await keelRun([project, '-e', 'fail', '--env-manager', 'local', '--detach'], env, root);
    const failedId = failing.stdout.trim();
    const waitedFail = await runKeel(['runs', 'wait', failedId, '--poll-interval', '0.2'], { env });
    assert.equal(waitedFail.code, 1);
    assert.equal(waitedFail.stdout.trim(), `Run ${failedId} FAILED: The command exited with status 3`);
    const timeout = await runKeel(
      [
        'runs',
        'wait',
        (await client.createRun({ experiment_id: '0' })).run.info.run_id,
        '--timeout',
        '0.5',
        '--poll-interval',
        '0.1',
      ],
      { env },
    );
    assert.equal(timeout.code, 1);
    assert.match(timeout.stderr, /is still RUNNING after 0\.5 s/);
  });

  it('keel run inside a running step makes a child run', async () => {
    const result = await keelRun([project, '-e', 'nested', '--env-manager', 'local'], env, root);
    assert.equal(result.code, 0, result.stderr);
    const outer = runIdOf(result.stderr);
    const inner = probeOf(result.stdout);
    assert.notEqual(inner.runId, outer);
    assert.deepEqual(inner.argv, ['--x', 'inner']);
    const { run } = await client.getRun({ run_id: inner.runId });
    assert.equal(tagsOf(run)['mlflow.parentRunId'], outer);
    assert.equal(run.info.experiment_id, (await client.getRun({ run_id: outer })).run.info.experiment_id);
    assert.equal(run.info.status, 'FINISHED');
  });

  it('runs a script file of the project as an entry point, parameters as --name value', async () => {
    const result = await keelRun(
      [project, '-e', 'show.sh', '-P', 'x=a b', '-P', 'y=$(id)', '--env-manager', 'local'],
      env,
      root,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /SCRIPT --x\|SCRIPT a b\|SCRIPT --y\|SCRIPT \$\(id\)\|/);
    const { run } = await client.getRun({ run_id: runIdOf(result.stderr) });
    assert.deepEqual(paramsOf(run), { x: "'a b'", y: "'$(id)'" });
    assert.equal(tagsOf(run)['mlflow.project.entryPoint'], 'show.sh');

    // A project without an MLproject file runs its scripts the same way.
    const bare = makeProject(root, { 'job.sh': 'printf "BARE %s\\n" "$@"\n' });
    const plain = await keelRun([bare, '-e', 'job.sh', '-P', 'n=1', '--env-manager', 'local'], env, root);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /BARE --n\nBARE 1/);
  });

  it('downloads runs:/ path parameters first, and creates a named experiment', async () => {
    const { run: source } = await client.createRun({ experiment_id: '0' });
    const root2 = source.info.artifact_uri.replace(/^mlflow-artifacts:\//, '');
    const put = await fetch(`${server.url}/api/2.0/mlflow-artifacts/artifacts/${root2}/data/train.csv`, {
      method: 'PUT',
      body: 'x,y\n1,2\n',
    });
    assert.equal(put.status, 200);
    const result = await keelRun(
      [
        project,
        '-e',
        'read',
        '-P',
        `file=runs:/${source.info.run_id}/data/train.csv`,
        '--env-manager',
        'local',
        '--experiment-name',
        'created-by-run',
      ],
      env,
      root,
    );
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /READ x,y\n1,2/);
    const { run } = await client.getRun({ run_id: runIdOf(result.stderr) });
    assert.equal(paramsOf(run).file, `runs:/${source.info.run_id}/data/train.csv`);
    const { experiment } = await client.getExperimentByName({ experiment_name: 'created-by-run' });
    assert.equal(run.info.experiment_id, experiment.experiment_id);
  });

  it('runs a git project at a --version, with a subdirectory, recording the commit and branch', async () => {
    const repo = makeProject(root, { 'steps/MLproject': 'entry_points: {main: {command: "echo VERSION-one"}}\n' });
    const first = commitAll(repo, 'one');
    execFileSync('git', ['branch', 'release'], { cwd: repo });
    writeFileSync(join(repo, 'steps', 'MLproject'), 'entry_points: {main: {command: "echo VERSION-two"}}\n');
    const second = commitAll(repo, 'two');

    const pinned = await keelRun([`file://${repo}#steps`, '--version', 'release', '--env-manager', 'local'], env, root);
    assert.equal(pinned.code, 0, pinned.stderr);
    assert.match(pinned.stdout, /^VERSION-one$/m);
    const tags = tagsOf((await client.getRun({ run_id: runIdOf(pinned.stderr) })).run);
    assert.equal(tags['mlflow.source.git.commit'], first);
    assert.equal(tags['mlflow.source.git.branch'], 'release');
    assert.equal(tags['mlflow.source.name'], `file://${repo}#steps`);

    const current = await keelRun([`${repo}#steps`, '--env-manager', 'local'], env, root);
    assert.match(current.stdout, /^VERSION-two$/m);
    const currentTags = tagsOf((await client.getRun({ run_id: runIdOf(current.stderr) })).run);
    assert.equal(currentTags['mlflow.source.git.commit'], second);
    assert.equal(currentTags['mlflow.source.git.branch'], undefined);

    const hostile = await keelRun(
      [repo, '--version', '--upload-pack=touch pwned', '--env-manager', 'local'],
      env,
      root,
    );
    assert.equal(hostile.code, 2);
    assert.match(hostile.stderr, /Invalid --version '--upload-pack=touch pwned'/);
    assert.equal(existsSync(join(root, 'pwned')), false);
  });

  it('virtualenv: python_env.yaml without requirements makes an environment, reused by the next run', async () => {
    const venvProject = makeProject(root, {
      MLproject:
        'name: venv\npython_env: python_env.yaml\nentry_points:\n  main:\n    command: "python -c \'import sys; print(\\"PREFIX \\" + sys.prefix)\'"\n',
      'python_env.yaml': 'python: "3"\nbuild_dependencies: []\ndependencies: []\n',
    });
    const envRoot = join(root, 'venv-envs');
    const first = await keelRun([venvProject], { ...env, MLFLOW_ENV_ROOT: envRoot }, root);
    assert.equal(first.code, 0, first.stderr);
    const prefix = /PREFIX (.+)/.exec(first.stdout)?.[1] ?? '';
    assert.match(prefix, /\/virtualenv_envs\/keel-[0-9a-f]{40}$/);
    assert.match(first.stderr, /Creating virtualenv environment/);
    const { run } = await client.getRun({ run_id: runIdOf(first.stderr) });
    assert.equal(tagsOf(run)['mlflow.project.env'], 'virtualenv');
    const second = await keelRun([venvProject], { ...env, MLFLOW_ENV_ROOT: envRoot }, root);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Reusing virtualenv environment/);
    assert.equal(/PREFIX (.+)/.exec(second.stdout)?.[1], prefix);
  });

  it('a failed environment preparation marks the run FAILED with the reason (no conda, no Docker engine)', async () => {
    const conda = makeProject(root, {
      MLproject: 'conda_env: env.yaml\nentry_points: {main: {command: "python x.py"}}',
      'env.yaml': 'dependencies: [python=3.11]',
    });
    const noTools = {
      ...env,
      PATH: `${join(root, 'empty-bin')}:/usr/bin:/bin`,
      DOCKER_HOST: 'unix:///nonexistent/keel-docker.sock',
    };
    const result = await keelRun([conda], noTools, root);
    assert.equal(result.code, 1, result.stderr);
    assert.match(result.stderr, /conda is not installed/);
    const { run } = await client.getRun({ run_id: runIdOf(result.stderr) });
    assert.equal(run.info.status, 'FAILED');
    assert.equal(tagsOf(run)['mlflow.project.env'], 'conda');
    assert.match(
      tagsOf(run)['keel.project.failureReason'] ?? '',
      /^conda is not installed: .*--env-manager virtualenv/,
    );

    const docker = makeProject(root, {
      MLproject: 'name: d\ndocker_env: {image: "python:3.11-slim"}\nentry_points: {main: {command: "python x.py"}}',
    });
    const dockerRun = await keelRun([docker], { ...env, DOCKER_HOST: 'unix:///nonexistent/keel-docker.sock' }, root);
    assert.equal(dockerRun.code, 1, dockerRun.stderr);
    const failed = (await client.getRun({ run_id: runIdOf(dockerRun.stderr) })).run;
    assert.equal(failed.info.status, 'FAILED');
    assert.equal(tagsOf(failed)['mlflow.project.env'], 'docker');
    assert.match(
      tagsOf(failed)['keel.project.failureReason'] ?? '',
      /No Docker engine answered|Cannot run docker: command not found/,
    );
    assert.match(
      await artifactText(server.url, client, failed.info.run_id, 'logs/keel-run.log'),
      /Checking the Docker engine/,
    );
  });
});
