// Scorers over HTTP (/api/3.0/mlflow/scorers/...): register, list, versions, get, delete and
// their errors. The serialized scorer is stored as sent and never run.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const SC = '/api/3.0/mlflow/scorers';
const serialized = (source: string) =>
  JSON.stringify({
    name: 'len_check',
    call_source: source,
    call_signature: '(outputs) -> bool',
    serialization_version: 1,
  });

describe('scorers over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    exp = expectOk(await api.post('experiments/create', { name: 'scorers' })).experiment_id;
  });
  after(() => keel.close());

  it('registers versions and answers them in MLflow’s shapes', async () => {
    const v1 = expectOk(
      await api.post(`${SC}/register`, { experiment_id: exp, name: 'len_check', serialized_scorer: serialized('a') }),
    );
    assert.deepEqual(Object.keys(v1).sort(), [
      'creation_time',
      'experiment_id',
      'name',
      'scorer_id',
      'serialized_scorer',
      'version',
    ]);
    assert.equal(v1.version, 1);
    assert.equal(v1.experiment_id, exp);
    assert.match(v1.scorer_id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const v2 = expectOk(
      await api.post(`${SC}/register`, {
        experiment_id: Number(exp),
        name: 'len_check',
        serialized_scorer: serialized('b'),
      }),
    );
    assert.equal(v2.version, 2);
    assert.equal(v2.scorer_id, v1.scorer_id);
    expectOk(await api.post(`${SC}/register`, { experiment_id: exp, name: 'opaque', serialized_scorer: 'not json' }));

    const list = expectOk(await api.get(`${SC}/list`, { experiment_id: exp })).scorers;
    assert.deepEqual(
      list.map((s: { scorer_name: string; scorer_version: number; experiment_id: number }) => [
        s.scorer_name,
        s.scorer_version,
        s.experiment_id,
      ]),
      [
        ['len_check', 2, Number(exp)],
        ['opaque', 1, Number(exp)],
      ],
    );
    const versions = expectOk(await api.get(`${SC}/versions`, { experiment_id: exp, name: 'len_check' })).scorers;
    assert.deepEqual(
      versions.map((s: { serialized_scorer: string }) => JSON.parse(s.serialized_scorer).call_source),
      ['a', 'b'],
    );
    assert.equal(
      expectOk(await api.get(`${SC}/get`, { experiment_id: exp, name: 'len_check' })).scorer.scorer_version,
      2,
    );
    assert.equal(
      JSON.parse(
        expectOk(await api.get(`${SC}/get`, { experiment_id: exp, name: 'len_check', version: '1' })).scorer
          .serialized_scorer,
      ).call_source,
      'a',
    );
  });

  it('refuses bad requests with MLflow’s messages', async () => {
    expectError(
      await api.post(`${SC}/register`, { experiment_id: exp, name: 'x' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'serialized_scorer'. See the API docs for more information about request parameters.",
    );
    expectError(
      await api.post(`${SC}/register`, { experiment_id: '999999', name: 'x', serialized_scorer: '{}' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=999999 exists',
    );
    expectError(
      await api.get(`${SC}/list`),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_id'. See the API docs for more information about request parameters.",
    );
    expectError(
      await api.get(`${SC}/get`, { experiment_id: exp, name: 'nope' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Scorer with name 'nope' not found for experiment ${exp}.`,
    );
    expectError(
      await api.get(`${SC}/get`, { experiment_id: exp, name: 'len_check', version: 'abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value "abc" for parameter 'version' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
    expectError(await api.get(`${SC}/versions`, { experiment_id: exp, name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api.delete(`${SC}/delete`, { experiment_id: exp, name: 'nope' }), 404, 'RESOURCE_DOES_NOT_EXIST');
    expectError(await api.delete(`${SC}/delete`, { experiment_id: exp }), 400, 'INVALID_PARAMETER_VALUE', /'name'/);
  });

  it('deletes one version, then the rest; the JSON body and the query string both work', async () => {
    const e = expectOk(await api.post('experiments/create', { name: 'scorers-delete' })).experiment_id;
    for (const source of ['a', 'b', 'c']) {
      expectOk(
        await api.post(`${SC}/register`, { experiment_id: e, name: 's', serialized_scorer: serialized(source) }),
      );
    }
    assert.deepEqual(expectOk(await api.delete(`${SC}/delete`, { experiment_id: e, name: 's', version: 1 })), {});
    const viaQuery = await fetch(`${keel.url}${SC}/delete?experiment_id=${e}&name=s&version=2`, { method: 'DELETE' });
    assert.equal(viaQuery.status, 200);
    const left = expectOk(await api.get(`${SC}/versions`, { experiment_id: e, name: 's' })).scorers;
    assert.deepEqual(
      left.map((s: { scorer_version: number }) => s.scorer_version),
      [3],
    );
    expectOk(await api.delete(`${SC}/delete`, { experiment_id: e, name: 's' }));
    assert.deepEqual(expectOk(await api.get(`${SC}/list`, { experiment_id: e })), {});
  });

  it('keeps an experiment’s scorers while the experiment is only marked deleted (restorable)', async () => {
    const e = expectOk(await api.post('experiments/create', { name: 'scorers-soft' })).experiment_id;
    expectOk(await api.post(`${SC}/register`, { experiment_id: e, name: 'kept', serialized_scorer: '{}' }));
    expectOk(await api.post('experiments/delete', { experiment_id: e }));
    assert.equal(expectOk(await api.get(`${SC}/list`, { experiment_id: e })).scorers.length, 1);
  });
});
