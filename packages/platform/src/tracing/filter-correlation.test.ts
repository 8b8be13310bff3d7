import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { filterCorrelation, npmi } from './filter-correlation.js';

describe('filter correlation (NPMI)', () => {
  it("gives MLflow's values to the last bit", () => {
    // The golden exchange: 7 traces, 5 OK, 1 about math, which is OK.
    assert.deepEqual(filterCorrelation(1, 5, 1, 7), {
      npmi: 0.17291252465308388,
      npmi_smoothed: 0.06573596382729201,
      filter1_count: 5,
      filter2_count: 1,
      joint_count: 1,
      total_count: 7,
    });
  });

  it('is -1 when the filters never meet, 1 when they always do, NaN when one matches nothing', () => {
    assert.equal(npmi(0, 3, 3, 10).raw, -1);
    assert.ok(npmi(0, 3, 3, 10).smoothed < 0);
    assert.equal(npmi(4, 4, 4, 4).raw, 1);
    assert.ok(Number.isNaN(npmi(0, 0, 3, 10).raw));
    assert.equal(filterCorrelation(0, 0, 3, 10).npmi, 'NaN');
    // Counts that cannot come from one set of traces are undefined, not an exception.
    assert.ok(Number.isNaN(npmi(5, 3, 3, 10).raw));
  });
});
