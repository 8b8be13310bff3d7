// Replays the golden MLflow exchanges against a fresh Keel server (temporary store), with the
// deliberate deviations of test/golden/deviations.json, and prints the replayer's report.
// Usage: npm run golden -- [--only REGEX] [--verbose] [--show-body] [--raw] [--update-readme] ...
//   --raw            compare with MLflow's recorded answers only (no deviations applied)
//   --update-readme  after a clean replay, write the golden counts into README.md
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '@keel/platform/testing';
import { writeCountsBlock } from '../test/golden/readme-counts.mjs';

const root = join(import.meta.dirname, '..');
const args = process.argv.slice(2);
const raw = args.includes('--raw');
const updateReadme = args.includes('--update-readme');
const passed = args.filter((a) => a !== '--raw' && a !== '--update-readme');
const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-'));
const reportFile = join(workDir, 'report.json');
if (!raw) passed.unshift('--deviations', join(root, 'test/golden/deviations.json'));
if (updateReadme && !passed.includes('--json')) passed.push('--json', reportFile);

const keel = await startTestServer();
const child = spawn(process.execPath, [join(root, 'test/golden/replay.mjs'), keel.url, ...passed], {
  stdio: 'inherit',
});
let code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await keel.close();
if (updateReadme) {
  if (code !== 0 || raw) {
    console.error('README not updated: the replay must pass with the deviations applied.');
    code = code || 1;
  } else {
    const report = JSON.parse(readFileSync(passed[passed.indexOf('--json') + 1] ?? reportFile, 'utf8'));
    const readmeFile = join(root, 'README.md');
    writeFileSync(readmeFile, writeCountsBlock(readFileSync(readmeFile, 'utf8'), report.counts));
    console.log('README.md: golden counts written.');
  }
}
rmSync(workDir, { recursive: true, force: true });
process.exit(code);
