// `keel ... | head`: a reader that stops early closes the pipe; keel stops quietly with status 0
// instead of crashing on EPIPE with a stack trace.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { describe, it } from 'node:test';
import { KEEL_BIN } from '../support/cli.js';

describe('keel writing into a closed pipe', () => {
  it('exits 0 without a stack trace when the reader goes away', async () => {
    const child = spawn(process.execPath, [KEEL_BIN, 'runs', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    // Close our end before keel writes: every write of keel then hits EPIPE.
    child.stdout.destroy();
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    assert.equal(stderr, '');
    assert.equal(code, 0);
  });
});
