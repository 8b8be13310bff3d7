import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { decodeLoggedModelPageToken, encodeLoggedModelPageToken } from './logged-model-page-token.js';
import { likeToGlob } from './logged-model-search.js';

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return error.message;
  }
  assert.fail('expected an error');
}

describe('logged-model page tokens', () => {
  it("encodes MLflow's reference format byte for byte", () => {
    // The token MLflow 3.5 returned for experiment 1, no filter, no order, offset 2.
    assert.equal(
      encodeLoggedModelPageToken({ experiment_ids: ['1'] }, 2),
      'eyJleHBlcmltZW50X2lkcyI6IFsiMSJdLCAiZmlsdGVyX3N0cmluZyI6IG51bGwsICJvcmRlcl9ieSI6IG51bGwsICJvZmZzZXQiOiAyfQ==',
    );
  });

  it('round-trips the offset for the same search, order_by defaults included', () => {
    const key = { experiment_ids: ['1', '2'], filter: "name = 'a'", order_by: [{ field_name: 'name' }] };
    const token = encodeLoggedModelPageToken(key, 40);
    assert.equal(
      decodeLoggedModelPageToken(token, { ...key, order_by: [{ field_name: 'name', ascending: true }] }),
      40,
    );
  });

  it("refuses a token of another search with MLflow's messages", () => {
    const token = encodeLoggedModelPageToken({ experiment_ids: ['1'] }, 2);
    assert.equal(
      messageOf(() => decodeLoggedModelPageToken(token, { experiment_ids: ['1'], filter: "name = 'golden-model'" })),
      "Filter string in the page token does not match the requested filter string. Expected: name = 'golden-model'. Found: None",
    );
    assert.equal(
      messageOf(() => decodeLoggedModelPageToken(token, { experiment_ids: ['2'] })),
      "Experiment IDs in the page token do not match the requested experiment IDs. Expected: ['2']. Found: ['1']",
    );
    assert.equal(
      messageOf(() =>
        decodeLoggedModelPageToken(token, {
          experiment_ids: ['1'],
          order_by: [{ field_name: 'name', ascending: false }],
        }),
      ),
      "Order by in the page token does not match the requested order by. Expected: [{'field_name': 'name', 'ascending': False, 'dataset_name': '', 'dataset_digest': ''}]. Found: None",
    );
  });

  it('refuses garbage', () => {
    assert.match(
      messageOf(() => decodeLoggedModelPageToken('not a token!', { experiment_ids: ['1'] })),
      /^Invalid page token/,
    );
    const notJson = Buffer.from('{offset').toString('base64');
    assert.match(
      messageOf(() => decodeLoggedModelPageToken(notJson, { experiment_ids: ['1'] })),
      /^Invalid page token/,
    );
    const badOffset = Buffer.from('{"experiment_ids": ["1"], "offset": -3}').toString('base64');
    assert.match(
      messageOf(() => decodeLoggedModelPageToken(badOffset, { experiment_ids: ['1'] })),
      /-3 is not a valid offset/,
    );
  });
});

describe('likeToGlob', () => {
  it('maps wildcards and protects GLOB metacharacters', () => {
    assert.equal(likeToGlob('golden-%'), 'golden-*');
    assert.equal(likeToGlob('a_c'), 'a?c');
    assert.equal(likeToGlob('[x]*?'), '[[]x][*][?]');
    assert.equal(likeToGlob('100\\%'), '100%');
    assert.equal(likeToGlob('a\\_b\\*'), 'a_b[*]');
  });
});
