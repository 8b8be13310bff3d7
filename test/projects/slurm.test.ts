// `keel run --backend slurm` on a real single-node Slurm cluster (slurmctld + slurmd + munge,
// started by .ci/slurm-up.sh). CI sets KEEL_TEST_SLURM=1, and then a missing cluster is a
// failure; elsewhere the suite runs when a cluster answers and is skipped, saying so, when not.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { runKeel } from '../support/cli.js';
import {
  artifactText,
  isAlive,
  keelRun,
  makeProject,
  PROBE_SCRIPT,
  paramsOf,
  probeOf,
  runEnv,
  runIdOf,
  startKeelRun,
  suiteRoot,
  tagsOf,
  waitForFile,
} from './support.js';

const REQUIRED = process.env.KEEL_TEST_SLURM === '1';

/** Whether a Slurm controller answers and has a node able to take jobs. */
function clusterState(): { ready: boolean; detail: string } {
  const info = spawnSync('sinfo', ['--noheader', '--format=%P %T'], { encoding: 'utf8', timeout: 20_000 });
  if (info.error !== undefined) return { ready: false, detail: `sinfo: ${info.error.message}` };
  const detail = `${info.stdout}${info.stderr}`.trim();
  return { ready: info.status === 0 && /\b(idle|mixed|allocated)\b/.test(info.stdout), detail };
}

const CONFIG = JSON.stringify({ partition: 'debug', time: '00:10:00', cpus_per_task: 1, poll_interval: 0.5 });

describe('Slurm backend on a real cluster', () => {
  const cluster = clusterState();
  let server: TestServer;
  let client: KeelClient;
  const root = suiteRoot('slurm');
  let project: string;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    if (REQUIRED) {
      assert.ok(
        cluster.ready,
        `KEEL_TEST_SLURM=1 but no Slurm cluster takes jobs (${cluster.detail}); .ci/slurm-up.sh starts one`,
      );
    }
    if (!cluster.ready) return;
    server = await startTestServer();
    client = new KeelClient({ trackingUri: server.url });
    project = makeProject(root, {
      MLproject: `name: slurm-test
entry_points:
  main:
    parameters:
      a: string
      b: string
      c: {type: string, default: "x y"}
    command: "node probe.mjs {a} {b} {c}"
  fail:
    command: "echo failing on $SLURM_JOB_ID; exit 3"
  hang:
    parameters: {pidfile: string}
    command: "node hang.mjs {pidfile}"
`,
      'probe.mjs': PROBE_SCRIPT,
      'hang.mjs': `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)'], { stdio: 'ignore' });
writeFileSync(process.argv[2], String(child.pid));
setTimeout(() => {}, 300000);`,
    });
    env = runEnv(server.url, join(root, 'envs'));
  });
  after(async () => {
    await server?.close();
    rmSync(root, { recursive: true, force: true });
  });

  const slurmIt = (name: string, fn: () => Promise<void>) =>
    it(name, async (t) => {
      if (!cluster.ready) {
        t.skip(
          `no Slurm cluster here (${cluster.detail || 'sinfo gave nothing'}); .ci/run starts one and sets KEEL_TEST_SLURM=1`,
        );
        return;
      }
      await fn();
    });

  slurmIt(
    'runs a step as a batch job: the run records the job, values arrive intact, output streams back',
    async () => {
      const marker = join(root, 'pwned');
      const a = `$(touch ${marker}) \`touch ${marker}\``;
      const b = `'; touch ${marker}; echo "\n;`;
      const result = await keelRun(
        [
          project,
          '--backend',
          'slurm',
          '--backend-config',
          CONFIG,
          '--env-manager',
          'local',
          '-P',
          `a=${a}`,
          '-P',
          `b=${b}`,
        ],
        env,
        root,
      );
      assert.equal(result.code, 0, `${result.stdout}\n${result.stderr}`);
      const probe = probeOf(result.stdout);
      assert.deepEqual(probe.argv, [a, b, 'x y']);
      assert.equal(probe.cwd, project);
      assert.equal(probe.uri, server.url);
      assert.equal(existsSync(marker), false);
      assert.equal(runIdOf(result.stderr), probe.runId);

      const { run } = await client.getRun({ run_id: probe.runId });
      assert.equal(run.info.status, 'FINISHED');
      const tags = tagsOf(run);
      assert.equal(tags['mlflow.project.backend'], 'slurm');
      assert.match(tags['keel.slurm.jobId'] ?? '', /^\d+$/);
      assert.equal(tags['keel.slurm.jobState'], 'COMPLETED');
      assert.deepEqual(paramsOf(run), {
        a: `'$(touch ${marker}) \`touch ${marker}\`'`,
        b: `''"'"'; touch ${marker}; echo "\n;'`,
        c: "'x y'",
      });
      assert.match(await artifactText(server.url, client, probe.runId, 'logs/keel-run.log'), /^PROBE /m);
      const job = spawnSync(
        'squeue',
        ['--noheader', '--states=all', `--jobs=${tags['keel.slurm.jobId']}`, '--format=%P %j %T'],
        { encoding: 'utf8' },
      );
      assert.match(job.stdout, new RegExp(`^\\s*debug\\s+keel-${probe.runId.slice(0, 8)}\\s+COMPLETED`, 'm'));
    },
  );

  slurmIt('a failing job ends FAILED with its exit status', async () => {
    const result = await keelRun(
      [project, '-e', 'fail', '--backend', 'slurm', '--backend-config', CONFIG, '--env-manager', 'local'],
      env,
      root,
    );
    assert.equal(result.code, 3, result.stderr);
    assert.match(result.stdout, /failing on \d+/);
    const { run } = await client.getRun({ run_id: runIdOf(result.stderr) });
    assert.equal(run.info.status, 'FAILED');
    assert.equal(tagsOf(run)['keel.slurm.jobState'], 'FAILED');
    // The job's own keel run recorded why; following the job does not overwrite it.
    assert.equal(tagsOf(run)['keel.project.failureReason'], 'The command exited with status 3');
  });

  slurmIt('stopping keel run cancels the job (scancel): its processes end and the run is KILLED', async () => {
    const pidfile = join(root, 'slurm-hang.pid');
    const running = startKeelRun(
      [
        project,
        '-e',
        'hang',
        '-P',
        `pidfile=${pidfile}`,
        '--backend',
        'slurm',
        '--backend-config',
        CONFIG,
        '--env-manager',
        'local',
      ],
      env,
      root,
    );
    const grandchild = Number(await waitForFile(pidfile, 120_000));
    assert.ok(isAlive(grandchild));
    running.child.kill('SIGTERM');
    assert.equal(await running.exited, 143, running.output());
    for (let i = 0; i < 150 && isAlive(grandchild); i++) await new Promise((r) => setTimeout(r, 100));
    assert.equal(isAlive(grandchild), false, 'the job left a process behind');
    const runId = runIdOf(running.output());
    for (let i = 0; i < 100; i++) {
      const { run } = await client.getRun({ run_id: runId });
      if (run.info.status !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    const { run } = await client.getRun({ run_id: runId });
    assert.equal(run.info.status, 'KILLED');
    assert.match(tagsOf(run)['keel.slurm.jobState'] ?? '', /^CANCELLED/);
  });

  slurmIt('--detach submits and returns; keel runs wait follows the job; the config can come from a file', async () => {
    const file = join(root, 'slurm.json');
    writeFileSync(file, CONFIG);
    const storage = join(root, 'detached-storage');
    const detached = await keelRun(
      [
        project,
        '--backend',
        'slurm',
        '--backend-config',
        file,
        '--env-manager',
        'local',
        '-P',
        'a=1',
        '-P',
        'b=2',
        '--detach',
        '--storage-dir',
        storage,
      ],
      env,
      root,
    );
    assert.equal(detached.code, 0, detached.stderr);
    const runId = detached.stdout.trim();
    assert.match(runId, /^[0-9a-f]{32}$/);
    assert.match(detached.stderr, /Submitted Slurm job \d+/);
    const waited = await runKeel(['runs', 'wait', runId, '--poll-interval', '0.5'], { env, timeoutMs: 180_000 });
    assert.equal(waited.code, 0, waited.stderr);
    assert.equal(waited.stdout.trim(), `Run ${runId} FINISHED`);
    assert.deepEqual(readdirSync(storage), [], 'the job cleaned up the scratch space it was handed');
    const bad = await keelRun(
      [project, '--backend', 'slurm', '--backend-config', '{"partiton": "debug"}', '-P', 'a=1', '-P', 'b=2'],
      env,
      root,
    );
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /Unknown Slurm backend config key\(s\): partiton\. Known keys: partition, /);
  });
});
