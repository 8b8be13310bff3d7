import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { CliIo } from './output.js';
import { createProgress } from './progress.js';

function capture(tty: boolean) {
  const lines: string[] = [];
  const raw: string[] = [];
  const io: CliIo = {
    out: () => undefined,
    err: (t) => lines.push(t),
    errRaw: (t) => raw.push(t),
    errIsTty: tty,
  };
  return { io, lines, raw };
}

describe('transfer progress', () => {
  test('without a terminal: a plain line every interval, then a summary', () => {
    const { io, lines, raw } = capture(false);
    let now = 0;
    const progress = createProgress(io, 'Downloading', 'Downloaded', { now: () => now, lineIntervalMs: 5000 });
    const total = 4 * 1024 * 1024;
    for (let t = 0; t <= 12_000; t += 1000) {
      now = t;
      progress.update({
        bytes: (total * t) / 12_000,
        totalBytes: total,
        filesDone: t === 12_000 ? 2 : 0,
        filesTotal: 2,
      });
    }
    progress.finish();
    assert.deepEqual(lines, [
      'Downloading: 41% (1.7 MiB of 4.0 MiB, 0/2 files)',
      'Downloading: 83% (3.3 MiB of 4.0 MiB, 0/2 files)',
      'Downloaded 2 files (4.0 MiB) in 12.0s',
    ]);
    assert.deepEqual(raw, []);
  });

  test('on a terminal: a bar redrawn in place, cleared before the summary', () => {
    const { io, lines, raw } = capture(true);
    let now = 0;
    const progress = createProgress(io, 'Uploading', 'Uploaded', { now: () => now, redrawIntervalMs: 100 });
    now = 150;
    progress.update({ bytes: 512, totalBytes: 1024, filesDone: 0, filesTotal: 1 });
    now = 180;
    progress.update({ bytes: 600, totalBytes: 1024, filesDone: 0, filesTotal: 1 }); // too soon: not drawn
    now = 300;
    progress.update({ bytes: 1024, totalBytes: 1024, filesDone: 1, filesTotal: 1 });
    progress.finish();
    assert.equal(raw.length, 3);
    assert.equal(raw[0], '\rUploading [############------------]  50%  512 B of 1.0 KiB, 0/1 files');
    assert.match(raw[1] as string, /^\rUploading \[#{24}\] 100%/);
    assert.match(raw[2] as string, /^\r +\r$/);
    assert.deepEqual(lines, ['Uploaded 1 file (1.0 KiB) in 300ms']);
  });
});
