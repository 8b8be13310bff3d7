// REST black-box tests of Keel's registry audit trail (GET /api/2.0/keel/registry/history).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const HISTORY = '/api/2.0/keel/registry/history';
const basic = (user: string) => ({ authorization: `Basic ${Buffer.from(`${user}:secret`).toString('base64')}` });

describe('registry history over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  before(async () => {
    keel = await startTestServer();
    api = client(keel);
  });
  after(() => keel.close());

  it('answers who promoted which version, and when, newest first', async () => {
    const started = Date.now();
    expectOk(await api.post('registered-models/create', { name: 'churn' }, basic('alice')));
    expectOk(
      await api.post('model-versions/create', { name: 'churn', source: 's3://b/1' }, { 'x-keel-user': 'ci-bot' }),
    );
    expectOk(await api.post('model-versions/transition-stage', { name: 'churn', version: '1', stage: 'Production' }));
    expectOk(
      await api.post('registered-models/alias', { name: 'churn', alias: 'champion', version: '1' }, basic('bob')),
    );
    expectOk(await api.patch('registered-models/update', { name: 'churn', description: 'churn model' }, basic('bob')));
    const history = expectOk(await api.get(HISTORY, { name: 'churn' }));
    assert.deepEqual(
      history.events.map((e: { kind: string; user: string }) => [e.kind, e.user]),
      [
        ['update_registered_model', 'bob'],
        ['set_alias', 'bob'],
        ['transition_model_version_stage', 'unknown'],
        ['create_model_version', 'ci-bot'],
        ['create_registered_model', 'alice'],
      ],
    );
    const promotion = history.events[2];
    assert.deepEqual(promotion.details, {
      from_stage: 'None',
      to_stage: 'Production',
      archive_existing_versions: 'false',
    });
    assert.equal(promotion.version, '1');
    assert.equal(promotion.name, 'churn');
    assert.ok(promotion.timestamp >= started && promotion.timestamp <= Date.now());
    // Basic auth wins over X-Keel-User.
    expectOk(
      await api.post(
        'registered-models/set-tag',
        { name: 'churn', key: 'k', value: 'v' },
        {
          ...basic('carol'),
          'x-keel-user': 'mallory',
        },
      ),
    );
    const newest = expectOk(await api.get(HISTORY, { name: 'churn', max_results: 1 }));
    assert.equal(newest.events[0].user, 'carol');
    assert.ok(newest.next_page_token);
    const ajax = expectOk(await api.get('/ajax-api/2.0/keel/registry/history', { name: 'churn', max_results: 1 }));
    assert.deepEqual(ajax, newest);
  });

  it('pages through all models and refuses bad parameters', async () => {
    expectOk(await api.post('registered-models/create', { name: 'other' }));
    const seen: number[] = [];
    let token: string | undefined;
    do {
      const page = expectOk(await api.get(HISTORY, { max_results: 2, ...(token ? { page_token: token } : {}) }));
      seen.push(...page.events.map((e: { event_id: number }) => e.event_id));
      token = page.next_page_token;
    } while (token);
    assert.deepEqual(
      seen,
      [...seen].sort((a, b) => b - a),
    );
    assert.equal(new Set(seen).size, seen.length);
    assert.deepEqual(expectOk(await api.get(HISTORY, { name: 'never-existed' })), {});
    expectError(await api.get(HISTORY, { max_results: 0 }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api.get(HISTORY, { max_results: 'x' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api.get(HISTORY, { page_token: '%%%' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('keeps the history of a deleted model', async () => {
    expectOk(await api.post('registered-models/create', { name: 'gone' }));
    expectOk(await api.delete('registered-models/delete', { name: 'gone' }, { 'x-keel-user': 'dave' }));
    const history = expectOk(await api.get(HISTORY, { name: 'gone' }));
    assert.deepEqual(
      history.events.map((e: { kind: string; user: string }) => [e.kind, e.user]),
      [
        ['delete_registered_model', 'dave'],
        ['create_registered_model', 'unknown'],
      ],
    );
  });
});
