/**
 * The behaviour every `ProjectBackend` owes the runner: the command runs in the project with the
 * run's variables and every parameter value as exactly one argument (no value runs anything),
 * a failing command ends FAILED with its exit status, a cancelled job ends KILLED with its whole
 * process tree stopped, and `state()` follows the job. Each backend's test runs this suite
 * against a real tracking server (the Slurm backend with fake `sbatch`/`squeue` on PATH; the
 * real cluster is exercised by the black-box suite).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '../../testing/index.js';
import { loadProject } from '../mlproject.js';
import { checkParameters } from '../parameters.js';
import type { ProjectBackend, ProjectJob } from './project-backend.js';

/** Values that would run a command, split words or end the command if a shell saw them unquoted. */
export const HOSTILE_VALUES = [
  '$(touch {marker})',
  '`touch {marker}`',
  '"; touch {marker}; echo "',
  "'; touch {marker}; echo '",
  'line1\nline2; touch {marker}',
  '; touch {marker} #',
  '&& touch {marker}',
  '--flag=-rf *',
  '',
];

const MLPROJECT = `
name: contract
entry_points:
  main:
    parameters:
      a: string
      b: string
      c: string
      d: string
      e: string
      f: string
      g: string
      h: string
      i: {type: string, default: ""}
    command: "node probe.mjs {a} {b} {c} {d} {e} {f} {g} {h} {i}"
  fail:
    parameters:
      code: {type: int, default: 3}
    command: "node -e 'process.exit(Number(process.argv[1]))' {code}"
  hang:
    parameters:
      pidfile: string
    command: "node hang.mjs {pidfile}"
`;

const PROBE = `process.stdout.write('PROBE ' + JSON.stringify({ argv: process.argv.slice(2), cwd: process.cwd(),
  runId: process.env.MLFLOW_RUN_ID, uri: process.env.MLFLOW_TRACKING_URI, experimentId: process.env.MLFLOW_EXPERIMENT_ID }) + '\\n');`;

// Starts a grandchild that would outlive a careless cancel, records its PID, then waits.
const HANG = `import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 300000)'], { stdio: 'ignore' });
writeFileSync(process.argv[2], String(child.pid));
setTimeout(() => {}, 300000);`;

/** What a backend under test comes with. */
export interface BackendFixture {
  readonly backend: ProjectBackend;
  /** The launcher environment (PATH with fakes, ...). */
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cleanup?: () => Promise<void>;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Registers the contract tests for one backend. */
export function describeProjectBackend(name: string, make: () => Promise<BackendFixture>): void {
  describe(`ProjectBackend contract: ${name}`, () => {
    let server: TestServer;
    let client: KeelClient;
    let fixture: BackendFixture;
    const root = mkdtempSync(join(tmpdir(), 'keel-backend-contract-'));
    const projectDir = join(root, 'project');
    before(async () => {
      mkdirSync(projectDir);
      writeFileSync(join(projectDir, 'MLproject'), MLPROJECT);
      writeFileSync(join(projectDir, 'probe.mjs'), PROBE);
      writeFileSync(join(projectDir, 'hang.mjs'), HANG);
      server = await startTestServer();
      client = new KeelClient({ trackingUri: server.url });
      fixture = await make();
    });
    after(async () => {
      await fixture?.cleanup?.();
      await server?.close();
      rmSync(root, { recursive: true, force: true });
    });

    async function job(entryPoint: string, parameters: Map<string, string>) {
      const project = loadProject(projectDir);
      const entry = project.entryPoints.get(entryPoint);
      assert.ok(entry);
      const { run } = await client.createRun({ experiment_id: '0', start_time: Date.now() });
      const runId = run.info.run_id;
      let stdout = '';
      const tags: Record<string, string> = {};
      const storageDir = mkdtempSync(join(root, 'storage-'));
      const value: ProjectJob = {
        runId,
        experimentId: '0',
        trackingUri: server.url,
        project,
        entryPoint,
        isScript: false,
        parameters: checkParameters(entry, parameters, { cwd: root, projectDir }),
        userParameters: parameters,
        envManager: 'local',
        dockerArgs: [],
        env: fixture.env,
        runEnv: { MLFLOW_RUN_ID: runId, MLFLOW_TRACKING_URI: server.url, MLFLOW_EXPERIMENT_ID: '0' },
        cwd: root,
        storageDir,
        cleanupDirs: [],
        output: {
          write: (text, stream) => {
            if (stream === 'stdout') stdout += text;
          },
          progress: () => undefined,
        },
        setTags: async (t) => {
          Object.assign(tags, t);
        },
      };
      return { job: value, runId, stdout: () => stdout, tags };
    }

    it('runs the command in the project with the run variables, each value as one argument, nothing executed', async () => {
      const marker = join(root, 'pwned');
      const values = HOSTILE_VALUES.map((v) => v.replaceAll('{marker}', marker));
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i'];
      const { job: j, runId, stdout } = await job('main', new Map(names.map((n, i) => [n, values[i] as string])));
      const submitted = await fixture.backend.submit(j);
      assert.equal(submitted.runId, runId);
      const outcome = await submitted.wait();
      assert.deepEqual(outcome, { status: 'FINISHED', exitCode: 0 });
      const line = stdout()
        .split('\n')
        .find((l) => l.startsWith('PROBE '));
      assert.ok(line, stdout());
      const probe = JSON.parse(line.slice('PROBE '.length));
      assert.deepEqual(probe.argv, values);
      assert.equal(probe.cwd, projectDir);
      assert.equal(probe.runId, runId);
      assert.equal(probe.uri, server.url);
      assert.equal(probe.experimentId, '0');
      assert.equal(existsSync(marker), false);
      assert.equal(await submitted.state(), 'FINISHED');
    });

    it('ends FAILED with the exit status of a failing command', async () => {
      const { job: j } = await job('fail', new Map([['code', '3']]));
      const outcome = await (await fixture.backend.submit(j)).wait();
      assert.equal(outcome.status, 'FAILED');
      assert.equal(outcome.exitCode, 3);
    });

    it('cancels: the whole process tree stops and the job ends KILLED', async () => {
      const pidfile = join(root, 'grandchild.pid');
      const { job: j } = await job('hang', new Map([['pidfile', pidfile]]));
      const submitted = await fixture.backend.submit(j);
      const deadline = Date.now() + 60_000;
      while (!existsSync(pidfile) || readFileSync(pidfile, 'utf8') === '') {
        assert.ok(Date.now() < deadline, 'the command did not start');
        await sleep(100);
      }
      const grandchild = Number(readFileSync(pidfile, 'utf8'));
      assert.ok(isAlive(grandchild), `grandchild ${grandchild} is not running`);
      assert.equal(await submitted.state(), 'RUNNING');
      await submitted.cancel();
      const outcome = await submitted.wait();
      assert.equal(outcome.status, 'KILLED');
      assert.notEqual(outcome.exitCode, 0);
      for (let i = 0; i < 100 && isAlive(grandchild); i++) await sleep(100);
      assert.equal(isAlive(grandchild), false, 'the grandchild outlived the cancel');
    });
  });
}
