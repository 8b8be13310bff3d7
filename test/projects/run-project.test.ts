// The SDK call `runProject(...)` (from @keel/platform/projects) against a real Keel server:
// synchronous and asynchronous runs, failures, parents, and the opt-in reuse of finished runs.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { ProjectRunFailedError, runProject } from '@keel/platform/projects';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import {
  commitAll,
  isAlive,
  makeProject,
  PROBE_SCRIPT,
  paramsOf,
  probeOf,
  suiteRoot,
  tagsOf,
  waitForFile,
} from './support.js';

describe('runProject', () => {
  let server: TestServer;
  let client: KeelClient;
  const root = suiteRoot('run-project');
  let project: string;
  let commit: string;
  let env: Record<string, string | undefined>;
  before(async () => {
    server = await startTestServer();
    client = new KeelClient({ trackingUri: server.url });
    project = makeProject(root, {
      MLproject: `entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.1}
      label: {type: string, default: "a b"}
    command: "node probe.mjs {alpha} {label}"
  fail:
    command: "node -e 'process.exit(4)'"
  hang:
    parameters: {pidfile: string}
    command: "node -e 'require(\\"fs\\").writeFileSync(process.argv[1], String(process.pid)); setTimeout(() => {{}}, 300000)' {pidfile}"
`,
      'probe.mjs': PROBE_SCRIPT,
    });
    commit = commitAll(project);
    env = {
      ...process.env,
      MLFLOW_TRACKING_URI: server.url,
      MLFLOW_RUN_ID: '',
      MLFLOW_EXPERIMENT_ID: '',
      MLFLOW_EXPERIMENT_NAME: '',
    };
  });
  after(async () => {
    await server.close();
    rmSync(root, { recursive: true, force: true });
  });

  const quiet = () => {
    let stdout = '';
    return {
      onOutput: (text: string, stream: 'stdout' | 'stderr') => {
        if (stream === 'stdout') stdout += text;
      },
      onProgress: () => undefined,
      stdout: () => stdout,
    };
  };

  it('runs an entry point synchronously as a tracked run', async () => {
    const out = quiet();
    const run = await runProject(project, {
      env,
      envManager: 'local',
      parameters: { alpha: 0.5 },
      experimentName: 'sdk',
      ...out,
    });
    assert.equal(run.reused, false);
    const result = await run.wait();
    assert.deepEqual(result, { runId: run.runId, status: 'FINISHED', exitCode: 0 });
    assert.deepEqual(probeOf(out.stdout()).argv, ['0.5', 'a b']);
    const { run: recorded } = await client.getRun({ run_id: run.runId });
    assert.deepEqual(paramsOf(recorded), { alpha: '0.5', label: "'a b'" });
    assert.equal(tagsOf(recorded)['mlflow.source.git.commit'], commit);
    assert.equal(tagsOf(recorded)['mlflow.parentRunId'], undefined);
    assert.equal(
      recorded.info.experiment_id,
      (await client.getExperimentByName({ experiment_name: 'sdk' })).experiment.experiment_id,
    );
  });

  it('makes a child of the calling step (MLFLOW_RUN_ID) and throws when the run fails', async () => {
    const { run: parent } = await client.createRun({ experiment_id: '0' });
    const error = await runProject(project, {
      env: { ...env, MLFLOW_RUN_ID: parent.info.run_id },
      envManager: 'local',
      entryPoint: 'fail',
      ...quiet(),
    }).then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(error instanceof ProjectRunFailedError);
    assert.equal(error.status, 'FAILED');
    assert.equal(error.exitCode, 4);
    assert.match(error.message, /ended FAILED: The command exited with status 4/);
    const { run } = await client.getRun({ run_id: error.runId });
    assert.equal(tagsOf(run)['mlflow.parentRunId'], parent.info.run_id);
    assert.equal(run.info.status, 'FAILED');
  });

  it('reuses a finished run with the same entry point, parameters and commit only when asked', async () => {
    const experimentId = (await client.createExperiment({ name: 'reuse' })).experiment_id;
    const options = { env, envManager: 'local' as const, experimentId, parameters: { alpha: 0.25 }, ...quiet() };
    const first = await runProject(project, options);
    const reused = await runProject(project, { ...options, reuseFinished: true });
    assert.equal(reused.reused, true);
    assert.equal(reused.runId, first.runId);
    assert.deepEqual(await reused.wait(), { runId: first.runId, status: 'FINISHED', exitCode: 0 });
    const notAsked = await runProject(project, options);
    assert.notEqual(notAsked.runId, first.runId);
    const otherParams = await runProject(project, { ...options, parameters: { alpha: 0.3 }, reuseFinished: true });
    assert.equal(otherParams.reused, false);
    commitAll(project, 'a new commit');
    const newCommit = await runProject(project, { ...options, reuseFinished: true });
    assert.equal(newCommit.reused, false);
  });

  it('runs asynchronously: returns at once, then can be waited for or cancelled', async () => {
    const pidfile = join(root, 'async.pid');
    const run = await runProject(project, {
      env,
      envManager: 'local',
      entryPoint: 'hang',
      parameters: { pidfile },
      synchronous: false,
      ...quiet(),
    });
    const pid = Number(await waitForFile(pidfile));
    assert.equal((await client.getRun({ run_id: run.runId })).run.info.status, 'RUNNING');
    assert.equal(await run.state(), 'RUNNING');
    await run.cancel();
    const result = await run.wait();
    assert.equal(result.status, 'KILLED');
    assert.equal(isAlive(pid), false);
    assert.equal((await client.getRun({ run_id: run.runId })).run.info.status, 'KILLED');
  });
});
