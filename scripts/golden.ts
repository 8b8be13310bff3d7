// Replays the golden MLflow exchanges against a fresh Keel server (temporary store) and prints
// the replayer's report. Usage: npm run golden -- [--only REGEX] [--verbose] [--show-body] ...
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { startTestServer } from '@keel/platform/testing';

const root = join(import.meta.dirname, '..');
const keel = await startTestServer();
const child = spawn(process.execPath, [join(root, 'test/golden/replay.mjs'), keel.url, ...process.argv.slice(2)], {
  stdio: 'inherit',
});
const code: number = await new Promise((resolve) => child.on('exit', (c) => resolve(c ?? 1)));
await keel.close();
process.exit(code);
