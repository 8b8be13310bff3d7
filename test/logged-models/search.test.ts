import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LoggedModel } from '@keel/contract';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { call, expectError as failed, expectOk as ok } from '../support/http.js';

describe('logged-model search over HTTP (G5)', () => {
  let keel: TestServer;
  let url: string;
  let exp: string;
  const ids: string[] = [];
  const namesOf = (body: { models?: LoggedModel[] }): string[] =>
    (body.models ?? []).map((m: LoggedModel) => m.info.name);

  before(async () => {
    keel = await startTestServer();
    url = keel.url;
    exp = ok(await call(url, 'POST', 'experiments/create', { name: 'lm-search-http' })).experiment_id;
    for (const name of ['m-a', 'm-b', 'm-c', 'm-d', 'm-e']) {
      ids.push(ok(await call(url, 'POST', 'logged-models', { experiment_id: exp, name })).model.info.model_id);
      // Distinct creation times keep the default order (newest first) deterministic.
      await new Promise((resolve) => setTimeout(resolve, 3));
    }
  });
  after(() => keel.close());

  it('routes POST /logged-models/search to search, not to a model named "search"', async () => {
    const body = ok(await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp] }));
    assert.deepEqual(namesOf(body), ['m-e', 'm-d', 'm-c', 'm-b', 'm-a']);
    assert.equal(body.next_page_token, undefined);
    const ajax = ok(await call(url, 'POST', '/ajax-api/2.0/mlflow/logged-models/search', { experiment_ids: [exp] }));
    assert.deepEqual(namesOf(ajax), namesOf(body));
    // The static segment wins for POST; GET on it is a known path with another method.
    assert.equal((await call(url, 'GET', 'logged-models/search')).status, 405);
    assert.equal(ok(await call(url, 'GET', `logged-models/${ids[0]}`)).model.info.name, 'm-a');
  });

  it('filters and orders from the JSON body', async () => {
    const body = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [Number(exp)],
        filter: "name IN ('m-a', 'm-c') AND status = 'LOGGED_MODEL_PENDING'",
        order_by: [{ field_name: 'name', ascending: true }],
      }),
    );
    assert.deepEqual(namesOf(body), ['m-a', 'm-c']);
    assert.deepEqual(
      ok(await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp], filter: 'name = nothing' })),
      {},
    );
  });

  it('pages with MLflow tokens and refuses a token reused for another search', async () => {
    const first = ok(await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp], max_results: 2 }));
    assert.deepEqual(namesOf(first), ['m-e', 'm-d']);
    assert.deepEqual(JSON.parse(Buffer.from(first.next_page_token, 'base64').toString()), {
      experiment_ids: [exp],
      filter_string: null,
      order_by: null,
      offset: 2,
    });
    const second = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [exp],
        max_results: 2,
        page_token: first.next_page_token,
      }),
    );
    assert.deepEqual(namesOf(second), ['m-c', 'm-b']);
    const third = ok(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [exp],
        max_results: 2,
        page_token: second.next_page_token,
      }),
    );
    assert.deepEqual(namesOf(third), ['m-a']);
    assert.equal(third.next_page_token, undefined);
    failed(
      await call(url, 'POST', 'logged-models/search', {
        experiment_ids: [exp],
        max_results: 2,
        filter: "name = 'golden-model'",
        page_token: first.next_page_token,
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Filter string in the page token does not match the requested filter string. Expected: name = 'golden-model'. Found: None",
    );
    failed(
      await call(url, 'POST', 'logged-models/search', { experiment_ids: [exp], page_token: 'garbage!' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /^Invalid page token/,
    );
  });

  it('answers bad requests with INVALID_PARAMETER_VALUE', async () => {
    const search = (body: Record<string, unknown>) => call(url, 'POST', 'logged-models/search', body);
    failed(
      await search({}),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'experiment_ids'. See the API docs for more information about request parameters.",
    );
    failed(
      await search({ experiment_ids: [exp], filter: "foo.bar = 'x'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid entity type: 'foo'. Expected one of ['attributes', 'metrics', 'params', 'tags'].",
    );
    failed(
      await search({ experiment_ids: [exp], filter: "name like 'm%'" }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Invalid comparison operator for attributes.name: 'like'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').",
    );
    failed(await search({ experiment_ids: [exp], max_results: 'abc' }), 400, 'INVALID_PARAMETER_VALUE', /max_results/);
    failed(
      await search({ experiment_ids: [exp], datasets: [{ dataset_digest: 'd' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /datasets\[0\]\.dataset_name/,
    );
    failed(
      await search({ experiment_ids: [exp], order_by: [{ field_name: 'tags.x' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      'Invalid order by field name: tags.x. Only metrics are supported.',
    );
  });
});
