import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { removeStalePartialUploads, startPartialUploadSweeper } from './partial-uploads.js';

const HOUR = 60 * 60 * 1000;

function partial(path: string, ageMs: number): string {
  writeFileSync(path, 'half an upload');
  const when = new Date(Date.now() - ageMs);
  utimesSync(path, when, when);
  return path;
}

describe('clean-up of interrupted uploads', () => {
  let root: string;

  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'keel-partials-'));
    mkdirSync(join(root, '1/run/artifacts/deep'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('removes stale .keel-partial-* files at any depth and keeps fresh ones and everything else', async () => {
    const stale = partial(join(root, '1/run/artifacts/deep/.keel-partial-0123456789abcdef'), 2 * HOUR);
    const staleTop = partial(join(root, '.keel-partial-fedcba9876543210'), 3 * HOUR);
    const fresh = partial(join(root, '1/run/artifacts/.keel-partial-00000000000000aa'), 60_000);
    const lookalike = partial(join(root, '1/run/artifacts/.keel-partial-notours'), 5 * HOUR);
    const ordinary = partial(join(root, '1/run/artifacts/model.pkl'), 5 * HOUR);
    assert.equal(await removeStalePartialUploads(root, { maxAgeMs: HOUR }), 2);
    assert.equal(existsSync(stale), false);
    assert.equal(existsSync(staleTop), false);
    for (const kept of [fresh, lookalike, ordinary]) assert.equal(existsSync(kept), true, kept);
  });

  it('does not follow symbolic links out of the root, and copes with a missing root', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'keel-partials-outside-'));
    try {
      const foreign = partial(join(outside, '.keel-partial-0123456789abcdef'), 5 * HOUR);
      symlinkSync(outside, join(root, 'link'));
      assert.equal(await removeStalePartialUploads(root, { maxAgeMs: HOUR }), 0);
      assert.equal(existsSync(foreign), true);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
    assert.equal(await removeStalePartialUploads(join(root, 'missing'), { maxAgeMs: HOUR }), 0);
  });

  it('sweeps on start, then periodically, and stops', async () => {
    const first = partial(join(root, '.keel-partial-0000000000000001'), 2 * HOUR);
    const removed: number[] = [];
    const sweeper = startPartialUploadSweeper([root], {
      maxAgeMs: HOUR,
      intervalMs: 50,
      onSweep: (_root, n) => removed.push(n),
    });
    await sweeper.firstSweep;
    assert.equal(existsSync(first), false);
    const later = partial(join(root, '1/.keel-partial-0000000000000002'), 2 * HOUR);
    for (let i = 0; i < 100 && existsSync(later); i++) await new Promise((r) => setTimeout(r, 20));
    assert.equal(existsSync(later), false);
    await sweeper.stop();
    const afterStop = partial(join(root, '.keel-partial-0000000000000003'), 2 * HOUR);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal(existsSync(afterStop), true);
    assert.deepEqual(removed, [1, 1]);
  });
});
