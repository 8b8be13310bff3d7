#!/usr/bin/env node
/**
 * Transfer benchmark: uploads and downloads one large file through a Keel server's artifact
 * proxy, with the `keel` command line and with the SDK, and reports each client's peak memory
 * (and the server's) beside the throughput. The point is bounded memory: a transfer streams, so
 * a 1 GiB file must not make any process grow by anything like 1 GiB.
 *
 * Usage: npm run build && npm run bench:transfer [-- --mib 1024] [--keel-bin packages/platform/bin/keel.js]
 * Every client runs in its own process from the built packages (no TypeScript loader), so its
 * peak RSS is its own. Peaks come from the kernel (`VmHWM` in /proc, Linux) for the command line
 * and the server, and from `process.resourceUsage().maxRSS` for the SDK scripts. Prints a table
 * and one JSON line with the figures.
 */
import { spawn } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

const root = resolve(import.meta.dirname, '..');
const { values } = parseArgs({
  options: {
    mib: { type: 'string', default: '1024' },
    'keel-bin': { type: 'string', default: join(root, 'packages/platform/bin/keel.js') },
  },
});
const mib = Number(values.mib);
const bin = resolve(values['keel-bin']);
const dir = mkdtempSync(join(tmpdir(), 'keel-transfer-bench-'));
const MiB = 1024 * 1024;

/** Peak resident memory of a live process, in MiB (Linux), or undefined once it is gone. */
function peakRssMib(pid) {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a process to completion; returns its output, wall time and the last peak RSS seen. */
function run(command, args, options = {}) {
  return new Promise((done, fail) => {
    const started = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    // The peak only grows, so the last reading before exit is (close to) the process's peak.
    const poll = setInterval(() => {
      peak = Math.max(peak, peakRssMib(child.pid) ?? 0);
    }, 50);
    child.on('error', fail);
    child.on('close', (code) => {
      clearInterval(poll);
      if (code !== 0) fail(new Error(`${command} ${args.join(' ')} exited ${code}\n${stderr}`));
      else done({ stdout, stderr, seconds: (performance.now() - started) / 1000, peakMib: peak });
    });
  });
}

function startServer() {
  return new Promise((ready, fail) => {
    const child = spawn(process.execPath, [bin, 'server', '--port', '0'], {
      cwd: dir,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    const onData = (d) => {
      output += d;
      const match = /listening on (http:\/\/\S+)/.exec(output);
      if (match) ready({ url: match[1], child });
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => fail(new Error(`server exited ${code}: ${output}`)));
  });
}

/** Writes a file of `mib` MiB of non-constant bytes (no filesystem shortcut for zeros). */
function makeFile(path) {
  const chunk = Buffer.alloc(MiB);
  for (let i = 0; i < chunk.length; i++) chunk[i] = (i * 31) & 0xff;
  const fd = openSync(path, 'w');
  for (let i = 0; i < mib; i++) writeSync(fd, chunk);
  closeSync(fd);
}

/** An SDK script (ESM, run from the repository so `@keel/client` resolves to the built package). */
function sdkScript(kind) {
  const body =
    kind === 'upload'
      ? `await tracker.withRun(async () => { await tracker.logArtifact(process.argv[1], 'sdk'); });`
      : `await tracker.downloadArtifacts(process.argv[2], 'cli/big.bin', process.argv[3]);`;
  return `import { createTracker } from '@keel/client/node';
const tracker = createTracker({ handleExit: false, printRunLinks: false });
await tracker.client.getExperiment({ experiment_id: '0' });
const before = process.memoryUsage().rss;
${body}
await tracker.close();
console.log(JSON.stringify({ beforeMib: before / ${MiB}, peakMib: process.resourceUsage().maxRSS / 1024 }));`;
}

const file = join(dir, 'big.bin');
makeFile(file);
const server = await startServer();
const env = { ...process.env, MLFLOW_TRACKING_URI: server.url, KEEL_PRINT_RUN_LINKS: 'false' };
const keel = (...args) => run(process.execPath, [bin, ...args, '--no-progress'], { env, cwd: dir });
const rows = [];
try {
  const baseline = await run(process.execPath, [bin, 'experiments', 'search'], { env, cwd: dir });
  const created = await run(process.execPath, [bin, 'runs', 'create', '-x', '0', '--json'], { env, cwd: dir });
  const runId = JSON.parse(created.stdout).run.info.run_id;
  const upload = await keel('artifacts', 'log-artifact', '-l', file, '-r', runId, '-a', 'cli');
  rows.push(['keel artifacts log-artifact', upload.seconds, upload.peakMib, baseline.peakMib]);
  const download = await keel('artifacts', 'download', '-r', runId, '-a', 'cli/big.bin', '-d', join(dir, 'cli-dl'));
  if (statSync(join(dir, 'cli-dl', 'cli', 'big.bin')).size !== mib * MiB) throw new Error('CLI download is incomplete');
  rows.push(['keel artifacts download', download.seconds, download.peakMib, baseline.peakMib]);
  for (const kind of ['upload', 'download']) {
    const args = ['--input-type=module', '-e', sdkScript(kind), file, runId, join(dir, 'sdk-dl')];
    const result = await run(process.execPath, args, { env, cwd: root });
    const { beforeMib, peakMib } = JSON.parse(result.stdout.trim().split('\n').pop());
    rows.push([
      kind === 'upload' ? 'SDK tracker.logArtifact' : 'SDK tracker.downloadArtifacts',
      result.seconds,
      peakMib,
      beforeMib,
    ]);
  }
  rows.push(['server (whole benchmark)', Number.NaN, peakRssMib(server.child.pid) ?? Number.NaN, Number.NaN]);
} finally {
  server.child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}

const fmt = (n, digits = 0) => (Number.isNaN(n) ? '-' : n.toFixed(digits));
console.log(
  `${mib} MiB file through the artifact proxy (peak RSS in MiB; "idle" = the same client before transferring)`,
);
console.log(
  [
    'client'.padEnd(32),
    'seconds'.padStart(8),
    'MiB/s'.padStart(7),
    'peak RSS'.padStart(9),
    'idle RSS'.padStart(9),
  ].join(' '),
);
for (const [name, seconds, peak, idle] of rows) {
  console.log(
    [
      name.padEnd(32),
      fmt(seconds, 1).padStart(8),
      fmt(mib / seconds).padStart(7),
      fmt(peak).padStart(9),
      fmt(idle).padStart(9),
    ].join(' '),
  );
}
console.log(
  JSON.stringify({ mib, rows: rows.map(([name, seconds, peakMib, idleMib]) => ({ name, seconds, peakMib, idleMib })) }),
);
