import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDuration } from './duration.js';

describe('parseDuration', () => {
  it("reads MLflow's --older-than format", () => {
    assert.equal(parseDuration('30d'), 30 * 86_400_000);
    assert.equal(parseDuration('1d2h3m4s'), 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4000);
    assert.equal(parseDuration('1.5d'), 1.5 * 86_400_000);
    assert.equal(parseDuration('90s'), 90_000);
    assert.equal(parseDuration('0s'), 0);
  });

  it('refuses anything else', () => {
    for (const bad of ['', '30', 'd', '2h1d', '1w', '-1d', '1d 2h', '1.d']) {
      assert.throws(() => parseDuration(bad), /Invalid duration/, bad);
    }
  });
});
