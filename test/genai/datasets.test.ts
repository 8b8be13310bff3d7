// Evaluation datasets over HTTP (/api/3.0/mlflow/datasets/...): every endpoint with its error
// cases, through raw requests and through the SDK's typed methods.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KeelClient } from '@keel/client';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk } from '../support/http.js';

const DS = '/api/3.0/mlflow/datasets';

describe('evaluation datasets over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let sdk: KeelClient;
  let expA: string;
  let expB: string;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    sdk = new KeelClient({ trackingUri: keel.url });
    expA = expectOk(await api.post('experiments/create', { name: 'datasets-a' })).experiment_id;
    expB = expectOk(await api.post('experiments/create', { name: 'datasets-b' })).experiment_id;
  });
  after(async () => {
    await sdk.close();
    await keel.close();
  });

  it('creates, reads, links and deletes a dataset (tags as a JSON string, as the Python client sends them)', async () => {
    const { dataset } = expectOk(
      await api.post(`${DS}/create`, {
        name: 'qa',
        experiment_ids: [expA],
        tags: JSON.stringify({ stage: 'dev', 'mlflow.user': 'ada' }),
      }),
    );
    assert.match(dataset.dataset_id, /^d-[0-9a-f]{32}$/);
    assert.deepEqual(JSON.parse(dataset.tags), { stage: 'dev', 'mlflow.user': 'ada' });
    assert.equal(dataset.created_by, 'ada');
    assert.deepEqual(dataset.experiment_ids, [expA]);
    const read = expectOk(await api.get(`${DS}/${dataset.dataset_id}`)).dataset;
    assert.equal(read.name, 'qa');
    assert.equal(read.experiment_ids, undefined);
    // The UI twin answers too.
    expectOk(await api.get(`/ajax-api/3.0/mlflow/datasets/${dataset.dataset_id}`));

    const added = expectOk(await api.post(`${DS}/${dataset.dataset_id}/add-experiments`, { experiment_ids: [expB] }));
    assert.deepEqual(added.dataset.experiment_ids, [expA, expB]);
    assert.deepEqual(expectOk(await api.get(`${DS}/${dataset.dataset_id}/experiment-ids`)).experiment_ids, [
      expA,
      expB,
    ]);
    const removed = expectOk(
      await api.post(`${DS}/${dataset.dataset_id}/remove-experiments`, { experiment_ids: [expA] }),
    );
    assert.deepEqual(removed.dataset.experiment_ids, [expB]);

    assert.deepEqual(expectOk(await api.delete(`${DS}/${dataset.dataset_id}`)), {});
    expectError(
      await api.get(`${DS}/${dataset.dataset_id}`),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      `Evaluation dataset with id '${dataset.dataset_id}' not found`,
    );
    expectError(await api.delete(`${DS}/${dataset.dataset_id}`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('refuses bad create requests with MLflow error JSON and stores nothing', async () => {
    expectError(
      await api.post(`${DS}/create`, { experiment_ids: [expA] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'name'. See the API docs for more information about request parameters.",
    );
    expectError(
      await api.post(`${DS}/create`, { name: 'bad', tags: { b: '2', a: '1' } }),
      400,
      'INVALID_PARAMETER_VALUE',
      // The value is echoed as MLflow does: keys sorted, compact.
      `Invalid value {"a":"1","b":"2"} for parameter 'tags' supplied:  Hint: Value was of type 'dict'. See the API docs for more information about request parameters.`,
    );
    expectError(
      await api.post(`${DS}/create`, { name: 'bad', tags: 'a=b' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'tags'.*JSON/,
    );
    expectError(await api.post(`${DS}/create`, { name: 'bad', tags: '["a"]' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(
      await api.post(`${DS}/create`, { name: 'bad', tags: '{"a": {"b": 1}}' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await api.post(`${DS}/create`, { name: 'bad', experiment_ids: '0' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(
      await api.post(`${DS}/create`, { name: 'bad', experiment_ids: ['424242'] }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'No Experiment with id=424242 exists',
    );
    expectError(
      await api.post(`${DS}/create`, { name: 'bad' }, { 'content-type': 'text/plain' }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Bad Request. Content-Type must be one of ['application/json'].",
    );
    const page = expectOk(await api.post(`${DS}/search`, { filter_string: "name = 'bad'" }));
    assert.equal(page.datasets, undefined);
  });

  it('upserts records keyed by their inputs and pages through them in creation order', async () => {
    const { dataset } = expectOk(await api.post(`${DS}/create`, { name: 'records', experiment_ids: [expA] }));
    const id = dataset.dataset_id;
    const rec = (q: string, a: string) => ({
      inputs: { q },
      expectations: { a },
      source: { source_type: 'HUMAN', source_data: { user: 'u' } },
    });
    assert.deepEqual(
      expectOk(await api.post(`${DS}/${id}/records`, { records: JSON.stringify([rec('1', 'one'), rec('2', 'two')]) })),
      {
        inserted_count: 2,
        updated_count: 0,
      },
    );
    assert.deepEqual(
      expectOk(
        await api.post(`${DS}/${id}/records`, { records: JSON.stringify([rec('1', 'uno'), rec('3', 'three')]) }),
      ),
      {
        inserted_count: 1,
        updated_count: 1,
      },
    );
    const first = expectOk(await api.get(`${DS}/${id}/records`, { max_results: '2' }));
    const records = JSON.parse(first.records);
    assert.deepEqual(
      records.map((r: { inputs: { q: string }; expectations: { a: string } }) => [r.inputs.q, r.expectations.a]),
      [
        ['1', 'uno'],
        ['2', 'two'],
      ],
    );
    assert.equal(records[0].source_type, 'HUMAN');
    assert.match(records[0].dataset_record_id, /^dr-[0-9a-f]{32}$/);
    const second = expectOk(
      await api.get(`${DS}/${id}/records`, { max_results: '2', page_token: first.next_page_token }),
    );
    assert.deepEqual(
      JSON.parse(second.records).map((r: { inputs: { q: string } }) => r.inputs.q),
      ['3'],
    );
    assert.equal(second.next_page_token, undefined);

    const after = expectOk(await api.get(`${DS}/${id}`)).dataset;
    assert.deepEqual(JSON.parse(after.profile), { num_records: 3 });
    assert.deepEqual(JSON.parse(after.schema), {
      inputs: { q: 'string' },
      expectations: { a: 'string' },
      version: '1.0',
    });
    assert.notEqual(after.digest, dataset.digest);

    const ids = records.map((r: { dataset_record_id: string }) => r.dataset_record_id);
    assert.deepEqual(
      expectOk(await api.delete(`${DS}/${id}/records`, { dataset_record_ids: [ids[0], 'dr-unknown'] })),
      {
        deleted_count: 1,
      },
    );
    assert.deepEqual(JSON.parse(expectOk(await api.get(`${DS}/${id}`)).dataset.profile), { num_records: 2 });
  });

  it('refuses malformed records, and answers an unknown dataset as MLflow does', async () => {
    const { dataset } = expectOk(await api.post(`${DS}/create`, { name: 'bad-records' }));
    const id = dataset.dataset_id;
    const list = [{ inputs: { q: 'x' }, expectations: { a: 'y' } }];
    expectError(
      await api.post(`${DS}/${id}/records`, { records: list }),
      400,
      'INVALID_PARAMETER_VALUE',
      `Invalid value [{"expectations":{"a":"y"},"inputs":{"q":"x"}}] for parameter 'records' supplied:  Hint: Value was of type 'list'. See the API docs for more information about request parameters.`,
    );
    expectError(await api.post(`${DS}/${id}/records`, { records: 'not json' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api.post(`${DS}/${id}/records`, { records: '[1]' }), 400, 'INVALID_PARAMETER_VALUE', /Record 0/);
    expectError(
      await api.post(`${DS}/${id}/records`, { records: '[{"inputs": "text"}]' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /'inputs' must be a JSON object/,
    );
    expectError(
      await api.post(`${DS}/${id}/records`, { records: '[{"inputs": {}, "source": {"source_type": "ROBOT"}}]' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /unknown source_type "ROBOT"/,
    );
    expectError(
      await api.post(`${DS}/${id}/records`, { records: JSON.stringify(Array.from({ length: 10_001 }, () => ({}))) }),
      400,
      'INVALID_PARAMETER_VALUE',
      /at most 10000 records/,
    );
    expectError(
      await api.post(`${DS}/${id}/records`, {}),
      400,
      'INVALID_PARAMETER_VALUE',
      /required parameter 'records'/,
    );
    // A refused batch stores nothing.
    assert.equal(JSON.parse(expectOk(await api.get(`${DS}/${id}/records`)).records).length, 0);
    expectError(
      await api.post(`${DS}/d-ffffffffffffffffffffffffffffffff/records`, { records: '[]' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Could not find evaluation dataset with ID d-ffffffffffffffffffffffffffffffff',
    );
    assert.deepEqual(expectOk(await api.get(`${DS}/d-ffffffffffffffffffffffffffffffff/records`)), { records: '[]' });
    expectError(await api.get(`${DS}/${id}/records`, { page_token: 'bm9wZQ==' }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api.get(`${DS}/${id}/records`, { max_results: '0x' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('sets and deletes tags', async () => {
    const { dataset } = expectOk(await api.post(`${DS}/create`, { name: 'tags', tags: '{"a": "1"}' }));
    const id = dataset.dataset_id;
    assert.deepEqual(expectOk(await api.patch(`${DS}/${id}/tags`, { tags: JSON.stringify({ b: '2', a: null }) })), {});
    assert.deepEqual(expectOk(await api.delete(`${DS}/${id}/tags/absent`)), {});
    assert.deepEqual(JSON.parse(expectOk(await api.get(`${DS}/${id}`)).dataset.tags), { b: '2' });
    expectOk(await api.delete(`${DS}/${id}/tags/b`));
    assert.equal(expectOk(await api.get(`${DS}/${id}`)).dataset.tags, '{}');
    expectError(await api.patch(`${DS}/${id}/tags`, {}), 400, 'INVALID_PARAMETER_VALUE', /required parameter 'tags'/);
    expectError(
      await api.patch(`${DS}/d-nope/tags`, { tags: '{}' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      'Could not find evaluation dataset with ID d-nope',
    );
    expectError(await api.delete(`${DS}/d-nope/tags/x`), 404, 'RESOURCE_DOES_NOT_EXIST');
  });

  it('searches with experiments, filters, ordering and pages (POST and GET)', async () => {
    const exp = expectOk(await api.post('experiments/create', { name: 'datasets-search' })).experiment_id;
    for (const name of ['s-b', 's-a', 's-c']) {
      expectOk(await api.post(`${DS}/create`, { name, experiment_ids: [exp], tags: JSON.stringify({ letter: name }) }));
    }
    const names = (body: { datasets?: { name: string }[] }) => (body.datasets ?? []).map((d) => d.name);
    assert.deepEqual(
      names(expectOk(await api.post(`${DS}/search`, { experiment_ids: [exp], order_by: ['name DESC'] }))),
      ['s-c', 's-b', 's-a'],
    );
    assert.deepEqual(
      names(expectOk(await api.get(`${DS}/search`, { experiment_ids: exp, filter_string: "tags.letter = 's-a'" }))),
      ['s-a'],
    );
    const page1 = expectOk(
      await api.post(`${DS}/search`, { experiment_ids: [exp], max_results: 2, order_by: ['name'] }),
    );
    assert.deepEqual(names(page1), ['s-a', 's-b']);
    const page2 = expectOk(
      await api.post(`${DS}/search`, {
        experiment_ids: [exp],
        max_results: 2,
        order_by: ['name'],
        page_token: page1.next_page_token,
      }),
    );
    assert.deepEqual(names(page2), ['s-c']);
    expectError(
      await api.post(`${DS}/search`, { filter_string: "foo = 'x'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid attribute key 'foo' specified. Valid keys are: {'created_by', 'created_time', 'last_update_time', 'last_updated_by', 'name'}",
    );
    expectError(
      await api.post(`${DS}/search`, { filter_string: 'created_time > abc' }),
      400,
      'INVALID_PARAMETER_VALUE',
    );
    expectError(await api.post(`${DS}/search`, { max_results: 50_001 }), 400, 'INVALID_PARAMETER_VALUE');
    expectError(await api.post(`${DS}/search`, { page_token: 'garbage' }), 400, 'INVALID_PARAMETER_VALUE');
  });

  it('is reachable through the SDK’s typed methods', async () => {
    const { dataset } = await sdk.createDataset({ name: 'sdk', experiment_ids: [expA] });
    const result = await sdk.upsertDatasetRecords({
      dataset_id: dataset.dataset_id,
      records: JSON.stringify([{ inputs: { x: 1 }, outputs: { y: 2 } }]),
    });
    assert.deepEqual(result, { inserted_count: 1, updated_count: 0 });
    const { records } = await sdk.getDatasetRecords({ dataset_id: dataset.dataset_id });
    assert.deepEqual(JSON.parse(records)[0].outputs, { y: 2 });
    const found = await sdk.searchEvaluationDatasets({ experiment_ids: [expA], filter_string: "name = 'sdk'" });
    assert.deepEqual(
      found.datasets?.map((d) => d.dataset_id),
      [dataset.dataset_id],
    );
    await sdk.deleteDataset({ dataset_id: dataset.dataset_id });
    await assert.rejects(sdk.getDataset({ dataset_id: dataset.dataset_id }), /not found/);
  });
});
