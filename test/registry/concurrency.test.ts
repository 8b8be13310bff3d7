// Concurrent version creation over HTTP: numbers are 1..N without gaps or duplicates.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectOk } from '../support/http.js';

describe('concurrent model version creation', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  it('numbers 50 concurrent creates 1..50', async () => {
    expectOk(await api.post('registered-models/create', { name: 'busy' }));
    const replies = await Promise.all(
      Array.from({ length: 50 }, (_, i) => api.post('model-versions/create', { name: 'busy', source: `s3://b/${i}` })),
    );
    const numbers = replies.map((r) => Number(expectOk(r).model_version.version)).sort((a, b) => a - b);
    assert.deepEqual(
      numbers,
      Array.from({ length: 50 }, (_, i) => i + 1),
    );
    // Each version kept its own source: no request was answered with another's row.
    const sources = new Set(replies.map((r) => r.body.model_version.source));
    assert.equal(sources.size, 50);
    const model = expectOk(await api.get('registered-models/get', { name: 'busy' })).registered_model;
    assert.equal(model.latest_versions[0].version, '50');
  });

  it('keeps numbering right when some concurrent creates fail', async () => {
    expectOk(await api.post('registered-models/create', { name: 'mixed' }));
    const replies = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        api.post('model-versions/create', {
          name: 'mixed',
          source: `s3://b/${i}`,
          // Every third request carries an invalid tag and must not take a number.
          tags: i % 3 === 0 ? [{ key: '/bad', value: 'x' }] : [],
        }),
      ),
    );
    const ok = replies.filter((r) => r.status === 200).map((r) => Number(r.body.model_version.version));
    assert.equal(replies.filter((r) => r.status === 400).length, 7);
    assert.deepEqual(
      ok.sort((a, b) => a - b),
      Array.from({ length: 13 }, (_, i) => i + 1),
    );
  });

  it('lets exactly one of several concurrent creates of a name win', async () => {
    const replies = await Promise.all(
      Array.from({ length: 10 }, () => api.post('registered-models/create', { name: 'raced' })),
    );
    assert.equal(replies.filter((r) => r.status === 200).length, 1);
    for (const r of replies.filter((x) => x.status !== 200)) {
      assert.equal(r.status, 400);
      assert.equal(r.body.error_code, 'RESOURCE_ALREADY_EXISTS');
    }
  });
});
