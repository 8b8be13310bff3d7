import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createEnvManagers } from '../env/env-managers.js';
import { ProjectError } from '../errors.js';
import { LocalProjectBackend } from './local-project-backend.js';
import { describeProjectBackend } from './project-backend.contract.js';
import { createProjectBackends, projectBackendFrom } from './project-backends.js';
import { parseSlurmConfig, sbatchOptions } from './slurm-config.js';
import { batchScript, runStateOfSlurm, SlurmProjectBackend } from './slurm-project-backend.js';

const root = mkdtempSync(join(tmpdir(), 'keel-backends-'));
after(() => rmSync(root, { recursive: true, force: true }));

/** Builds the command from the checked parameters, as the runner does (no downloads here). */
async function buildCommand(job: Parameters<ConstructorParameters<typeof LocalProjectBackend>[0]['buildCommand']>[0]) {
  const { entryPointCommand } = await import('../command.js');
  const entry = job.project.entryPoints.get(job.entryPoint);
  assert.ok(entry);
  return entryPointCommand(entry, {
    declared: new Map(job.parameters.declared.map((p) => [p.spec.name, p.value])),
    extra: job.parameters.extra,
  });
}

describeProjectBackend('local', async () => ({
  backend: new LocalProjectBackend({
    managers: createEnvManagers({ env: process.env, envRoot: join(root, 'envs') }),
    buildCommand,
    killGraceMs: 2000,
  }),
  env: process.env,
}));

/**
 * A Slurm stand-in: `sbatch` runs the batch script in the background as its own session and
 * writes its output where `--output` says; `squeue`, `scontrol` and `scancel` report and stop it.
 */
function fakeSlurm(): { path: string; state: string } {
  const bin = join(root, 'fake-slurm-bin');
  const state = join(root, 'fake-slurm-state');
  mkdirSync(bin, { recursive: true });
  mkdirSync(state, { recursive: true });
  const tools: Record<string, string> = {
    sbatch: `
out=""; dir="$PWD"; script=""
for arg in "$@"; do
  case "$arg" in
    --output=*) out="\${arg#--output=}" ;;
    --chdir=*) dir="\${arg#--chdir=}" ;;
    --*) ;;
    *) script="$arg" ;;
  esac
done
printf '%s\\n' "$@" > "$STATE/last-sbatch-args"
id=$(( $(cat "$STATE/counter" 2>/dev/null || echo 100) + 1 )); echo "$id" > "$STATE/counter"
out="\${out//%j/$id}"
# Like the real sbatch, nothing of the job holds on to this command's output.
( cd "$dir" && exec setsid bash -c 'bash "$1" > "$2" 2>&1; echo $? > "$3"' _ "$script" "$out" "$STATE/$id.exit" ) </dev/null >/dev/null 2>&1 &
echo $! > "$STATE/$id.pid"
echo "$id"`,
    squeue: `
for arg in "$@"; do case "$arg" in --jobs=*) id="\${arg#--jobs=}" ;; esac; done
if [ -f "$STATE/$id.cancelled" ]; then echo CANCELLED
elif [ -f "$STATE/$id.exit" ]; then [ "$(cat "$STATE/$id.exit")" = 0 ] && echo COMPLETED || echo FAILED
elif [ -f "$STATE/$id.pid" ]; then echo RUNNING
else echo "slurm_load_jobs error: Invalid job id specified" >&2; exit 1; fi`,
    scontrol: `
id="\${@: -1}"; code=$(cat "$STATE/$id.exit" 2>/dev/null || echo 0)
echo "JobId=$id JobState=X ExitCode=$code:0"`,
    scancel: `
id="$1"; touch "$STATE/$id.cancelled"; kill -TERM -- -"$(cat "$STATE/$id.pid")" 2>/dev/null; exit 0`,
  };
  for (const [name, body] of Object.entries(tools)) {
    writeFileSync(join(bin, name), `#!/bin/bash\nSTATE=${JSON.stringify(state)}\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return { path: `${bin}:${process.env.PATH ?? ''}`, state };
}

const slurm = fakeSlurm();

describeProjectBackend('slurm (fake sbatch/squeue/scancel on PATH)', async () => ({
  backend: new SlurmProjectBackend({
    poll_interval: 0.2,
    partition: 'debug',
    time: '00:10:00',
    sbatch_options: ['--exclusive'],
  }),
  env: { ...process.env, PATH: slurm.path },
}));

describe('Slurm backend', () => {
  it('validates its configuration and turns it into sbatch options', () => {
    const config = parseSlurmConfig({
      partition: 'gpu',
      time: '01:00:00',
      'cpus-per-task': 4,
      mem: '8G',
      gres: 'gpu:1',
      sbatch_options: ['--exclusive', '--mail-type=END'],
    });
    assert.deepEqual(sbatchOptions(config), [
      '--partition=gpu',
      '--time=01:00:00',
      '--cpus-per-task=4',
      '--mem=8G',
      '--gres=gpu:1',
      '--exclusive',
      '--mail-type=END',
    ]);
    const fails = (input: unknown, message: RegExp) =>
      assert.throws(
        () => parseSlurmConfig(input),
        (e) => e instanceof ProjectError && e.isUsageError && message.test(e.message),
      );
    fails({ partitoin: 'x' }, /Unknown Slurm backend config key\(s\): partitoin\. Known keys: partition, time, /);
    fails({ partition: 'a\nb' }, /Invalid Slurm backend config 'partition': must be one line of text/);
    fails({ sbatch_options: ['rm -rf'] }, /'sbatch_options\.0': must be an sbatch option/);
    fails({ cpus_per_task: -1 }, /cpus_per_task/);
    fails([1], /must be a JSON object/);
  });

  it('maps Slurm job states to run states', () => {
    const cases: [string, string][] = [
      ['PENDING', 'RUNNING'],
      ['RUNNING', 'RUNNING'],
      ['COMPLETING', 'RUNNING'],
      ['COMPLETED', 'FINISHED'],
      ['FAILED', 'FAILED'],
      ['TIMEOUT', 'FAILED'],
      ['OUT_OF_MEMORY', 'FAILED'],
      ['NODE_FAIL', 'FAILED'],
      ['CANCELLED', 'KILLED'],
      ['CANCELLED by 0', 'KILLED'],
      ['PREEMPTED', 'KILLED'],
    ];
    for (const [slurmState, runState] of cases) assert.equal(runStateOfSlurm(slurmState), runState, slurmState);
  });

  it('writes a batch script that quotes every word once', () => {
    const argv = ['/usr/bin/node', '/opt/keel bin/keel.js', 'run', '--param-list=x=$(id) `id`\n; echo "hi" \'q\''];
    const script = join(root, 'batch.sh');
    writeFileSync(
      script,
      batchScript([process.execPath, '-e', 'console.log(JSON.stringify(process.argv.slice(1)))', ...argv], 'r1'),
    );
    const result = spawnSync('bash', [script], { encoding: 'utf8' });
    assert.equal(result.status, 0, result.stderr);
    assert.deepEqual(JSON.parse(result.stdout), argv);
  });

  it('submits with sbatch --parsable, the job name, output, working directory and configured options', () => {
    // The arguments of the last submission of the contract suite above (same file, run in order).
    const args = readFileSync(join(slurm.state, 'last-sbatch-args'), 'utf8').trim().split('\n');
    assert.equal(args[0], '--parsable');
    assert.match(args[1] ?? '', /^--job-name=keel-[0-9a-f]{8}$/);
    assert.match(args[2] ?? '', /^--output=.*keel-run-[0-9a-f]{32}-%j\.out$/);
    assert.match(args[3] ?? '', /^--chdir=\//);
    assert.deepEqual(args.slice(4, 7), ['--partition=debug', '--time=00:10:00', '--exclusive']);
    assert.match(args[7] ?? '', /keel-run-[0-9a-f]{32}\.sh$/);
  });

  it('is one entry of the backend registry; unknown names list the known ones', () => {
    const backends = createProjectBackends({ managers: new Map(), buildCommand });
    assert.equal(projectBackendFrom(backends, 'slurm', { partition: 'x' }).name, 'slurm');
    assert.equal(projectBackendFrom(backends, 'local', undefined).name, 'local');
    assert.throws(
      () => projectBackendFrom(backends, 'kubernetes', {}),
      /Unknown backend 'kubernetes'\. Known backends: local, slurm\./,
    );
    assert.throws(
      () => projectBackendFrom(backends, 'local', { partition: 'x' }),
      /local backend takes no --backend-config/,
    );
  });
});
