// GraphQL over HTTP (`POST /graphql`): the UI's queries answered as MLflow answers them (int64 as
// strings, NaN as null, errors as a list of strings), batching, GET, and the limits that keep a
// hostile query from exhausting the server.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { type Client, client, expectError, expectOk, rawRequest } from '../support/http.js';

interface GqlAnswer {
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field
  readonly data: any;
  readonly errors: string[] | null;
}

async function gql(keel: TestServer, body: unknown, path = '/graphql'): Promise<{ status: number; json: GqlAnswer }> {
  const res = await fetch(keel.url + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as GqlAnswer };
}

async function ok(keel: TestServer, query: string, variables?: unknown) {
  const { status, json } = await gql(keel, { query, ...(variables === undefined ? {} : { variables }) });
  assert.equal(status, 200);
  assert.equal(json.errors, null, JSON.stringify(json.errors));
  return json.data;
}

const RUN_FIELDS = `info { runId runUuid runName status startTime endTime userId artifactUri experimentId }
  data { metrics { key value step timestamp } params { key value } tags { key value } }
  inputs { datasetInputs { dataset { name digest } tags { key value } } modelInputs { modelId } }
  outputs { modelOutputs { modelId step } }
  experiment { experimentId name }
  modelVersions { name version source status creationTimestamp }`;

describe('GraphQL over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let exp: string;
  let runA: string;
  let runB: string;
  let modelId: string;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    exp = expectOk(
      await api.post('experiments/create', { name: 'gql', tags: [{ key: 'team', value: 'keel' }] }),
    ).experiment_id;
    runA = expectOk(
      await api.post('runs/create', { experiment_id: exp, run_name: 'a', start_time: 1000, user_id: 'ada' }),
    ).run.info.run_id;
    runB = expectOk(await api.post('runs/create', { experiment_id: exp, run_name: 'b', start_time: 2000 })).run.info
      .run_id;
    expectOk(
      await api.post('runs/log-batch', {
        run_id: runA,
        metrics: [
          { key: 'loss', value: 0.5, timestamp: 10, step: 0 },
          { key: 'loss', value: 0.25, timestamp: 20, step: 1 },
          { key: 'nan', value: 'NaN', timestamp: 10, step: 0 },
          { key: 'inf', value: 'Infinity', timestamp: 10, step: 0 },
        ],
        params: [{ key: 'alpha', value: '0.1' }],
      }),
    );
    expectOk(
      await api.post('runs/log-batch', { run_id: runB, metrics: [{ key: 'loss', value: 1, timestamp: 30, step: 0 }] }),
    );
    expectOk(
      await api.post('runs/log-inputs', {
        run_id: runA,
        datasets: [
          {
            dataset: { name: 'train', digest: 'abc', source_type: 'local', source: '{}' },
            tags: [{ key: 'mlflow.data.context', value: 'training' }],
          },
        ],
      }),
    );
    modelId = expectOk(await api.post('logged-models', { experiment_id: exp, source_run_id: runA })).model.info
      .model_id;
    expectOk(await api.post('runs/outputs', { run_id: runA, models: [{ model_id: modelId, step: 3 }] }));
    expectOk(await api.post('registered-models/create', { name: 'gql-model' }));
    for (const run of [runA, runA, runB]) {
      expectOk(await api.post('model-versions/create', { name: 'gql-model', source: 's3://b/m', run_id: run }));
    }
    const upload = await fetch(
      `${keel.url}/api/2.0/mlflow-artifacts/artifacts/${exp}/${runA}/artifacts/model/MLmodel`,
      {
        method: 'PUT',
        body: 'flavors: {}\n',
      },
    );
    assert.equal(upload.status, 200);
  });
  after(() => keel.close());

  it('answers the UI’s experiment query, with int64 values as strings', async () => {
    const data = await ok(
      keel,
      `query Q($input: MlflowGetExperimentInput!) @component(name: "MLflow.ExperimentRunTracking") {
        mlflowGetExperiment(input: $input) { apiError { code message } experiment { experimentId name creationTime lastUpdateTime tags { key value } __typename } __typename } }`,
      { input: { experimentId: exp } },
    );
    const response = data.mlflowGetExperiment;
    assert.equal(response.__typename, 'MlflowGetExperimentResponse');
    assert.equal(response.apiError, null);
    assert.equal(response.experiment.__typename, 'MlflowExperiment');
    assert.equal(response.experiment.name, 'gql');
    assert.match(response.experiment.creationTime, /^\d+$/);
    assert.deepEqual(response.experiment.tags, [{ key: 'team', value: 'keel' }]);
  });

  it('answers a run with data, inputs, outputs, experiment and model versions; NaN is null', async () => {
    const data = await ok(keel, `query { mlflowGetRun(input: { runId: "${runA}" }) { run { ${RUN_FIELDS} } } }`);
    const { run } = data.mlflowGetRun;
    assert.equal(run.info.status, 'RUNNING');
    assert.equal(run.info.endTime, '0');
    assert.equal(run.info.startTime, '1000');
    const metrics = Object.fromEntries(
      run.data.metrics.map((m: { key: string; value: number | null }) => [m.key, m.value]),
    );
    assert.deepEqual(metrics, { loss: 0.25, nan: null, inf: 1.7976931348623157e308 });
    assert.deepEqual(run.data.params, [{ key: 'alpha', value: '0.1' }]);
    assert.deepEqual(run.inputs.datasetInputs[0].dataset, { name: 'train', digest: 'abc' });
    assert.deepEqual(run.outputs.modelOutputs, [{ modelId, step: '3' }]);
    assert.deepEqual(run.experiment, { experimentId: exp, name: 'gql' });
    assert.deepEqual(run.modelVersions.map((v: { version: string }) => v.version).sort(), ['1', '2']);
    // run_uuid works as the alias of run_id.
    const byUuid = await ok(keel, `query { mlflowGetRun(input: { runUuid: "${runB}" }) { run { info { runName } } } }`);
    assert.equal(byUuid.mlflowGetRun.run.info.runName, 'b');
  });

  it('searches runs (query and mutation), each with its own model versions', async () => {
    const query = `mlflowSearchRuns(input: { experimentIds: ["${exp}"], orderBy: ["attributes.start_time ASC"], maxResults: 1 }) {
      runs { info { runName } modelVersions { version } outputs { modelOutputs { modelId } } } nextPageToken }`;
    const first = (await ok(keel, `query { ${query} }`)).mlflowSearchRuns;
    assert.deepEqual(
      first.runs.map((r: { info: { runName: string } }) => r.info.runName),
      ['a'],
    );
    assert.equal(first.runs[0].modelVersions.length, 2);
    // As in MLflow, searched runs carry no model outputs (mlflowGetRun has them).
    assert.deepEqual(first.runs[0].outputs.modelOutputs, []);
    assert.notEqual(first.nextPageToken, '');
    const all = (
      await ok(
        keel,
        `mutation { mlflowSearchRuns(input: { experimentIds: ["${exp}"] }) { runs { info { runId } modelVersions { runId } } nextPageToken } }`,
      )
    ).mlflowSearchRuns;
    assert.equal(all.nextPageToken, '');
    for (const run of all.runs) {
      for (const version of run.modelVersions) assert.equal(version.runId, run.info.runId);
    }
  });

  it('answers metric histories, artifact listings, model version searches and dataset summaries', async () => {
    const bulk = await ok(
      keel,
      `query { mlflowGetMetricHistoryBulkInterval(input: { runIds: ["${runA}", "${runB}"], metricKey: "loss", maxResults: 10 }) { metrics { runId step value timestamp } } }`,
    );
    assert.deepEqual(
      bulk.mlflowGetMetricHistoryBulkInterval.metrics
        .map((m: { runId: string; step: string; value: number }) => [m.runId === runA ? 'a' : 'b', m.step, m.value])
        .sort(),
      [
        ['a', '0', 0.5],
        ['a', '1', 0.25],
        ['b', '0', 1],
      ],
    );
    const none = await ok(
      keel,
      'query { mlflowGetMetricHistoryBulkInterval(input: { runIds: [], metricKey: "loss" }) { metrics { key } } }',
    );
    assert.deepEqual(none.mlflowGetMetricHistoryBulkInterval.metrics, []);
    const files = await ok(
      keel,
      `query { root: mlflowListArtifacts(input: { runId: "${runA}" }) { rootUri files { path isDir fileSize } nextPageToken }
               sub: mlflowListArtifacts(input: { runId: "${runA}", path: "model" }) { files { path isDir fileSize } } }`,
    );
    assert.deepEqual(files.root.files, [{ path: 'model', isDir: true, fileSize: '0' }]);
    assert.equal(files.root.nextPageToken, '');
    assert.deepEqual(files.sub.files, [{ path: 'model/MLmodel', isDir: false, fileSize: '12' }]);
    const versions = await ok(
      keel,
      `query { mlflowSearchModelVersions(input: { filter: "name = 'gql-model'", orderBy: ["version_number DESC"], maxResults: "2" }) { modelVersions { version status } nextPageToken } }`,
    );
    assert.deepEqual(versions.mlflowSearchModelVersions.modelVersions, [
      { version: '3', status: 'READY' },
      { version: '2', status: 'READY' },
    ]);
    const summaries = await ok(
      keel,
      `mutation { mlflowSearchDatasets(input: { experimentIds: ["${exp}"] }) { datasetSummaries { name digest context experimentId } } }`,
    );
    assert.deepEqual(summaries.mlflowSearchDatasets.datasetSummaries, [
      { name: 'train', digest: 'abc', context: 'training', experimentId: exp },
    ]);
    assert.deepEqual(await ok(keel, 'query { test(inputString: "x") { output } }'), { test: { output: 'x' } });
    assert.deepEqual(await ok(keel, 'mutation { testMutation(inputString: "y") { output } }'), {
      testMutation: { output: 'y' },
    });
  });

  it('reports errors as MLflow does: a list of messages, the failed field null', async () => {
    const unknown = await gql(keel, {
      query: 'query { mlflowGetRun(input: { runId: "ffffffffffffffffffffffffffffffff" }) { run { info { runId } } } }',
    });
    assert.equal(unknown.status, 200);
    assert.deepEqual(unknown.json, {
      data: { mlflowGetRun: null },
      errors: ['Run with id=ffffffffffffffffffffffffffffffff not found'],
    });
    const badFilter = await gql(keel, {
      query: `query { mlflowSearchRuns(input: { experimentIds: ["${exp}"], filter: "metrics.loss <" }) { runs { info { runId } } } }`,
    });
    assert.deepEqual(badFilter.json.errors, ["Invalid clause(s) in filter string: 'metrics.loss', '<'"]);
    const field = await gql(keel, { query: 'query { nope }' });
    assert.deepEqual(field.json, { data: null, errors: ["Cannot query field 'nope' on type 'Query'."] });
    const variable = await gql(keel, {
      query:
        'query Q($input: MlflowGetExperimentInput!) { mlflowGetExperiment(input: $input) { experiment { name } } }',
    });
    assert.deepEqual(variable.json, {
      data: null,
      errors: ["Variable '$input' of required type 'MlflowGetExperimentInput!' was not provided."],
    });
    const syntax = await gql(keel, { query: 'query Q { mlflowGetExperiment(' });
    assert.equal(syntax.status, 200);
    assert.equal(syntax.json.data, null);
    assert.match(syntax.json.errors?.[0] ?? '', /^Syntax Error/);
    const noQuery = await gql(keel, { variables: {} });
    assert.deepEqual(noQuery.json.errors, ["Must provide a query string in 'query'."]);
  });

  it('serves /api/graphql and GET queries, and refuses other methods, media types and bodies', async () => {
    assert.deepEqual((await gql(keel, { query: '{ test(inputString: "a") { output } }' }, '/api/graphql')).json.data, {
      test: { output: 'a' },
    });
    const viaGet = await fetch(
      `${keel.url}/graphql?query=${encodeURIComponent('{ test(inputString: "g") { output } }')}`,
    );
    assert.deepEqual(((await viaGet.json()) as GqlAnswer).data, { test: { output: 'g' } });
    const mutationViaGet = await fetch(
      `${keel.url}/graphql?query=${encodeURIComponent('mutation { testMutation(inputString: "g") { output } }')}`,
    );
    assert.match(((await mutationViaGet.json()) as GqlAnswer).errors?.[0] ?? '', /Only queries can be sent with GET/);
    assert.equal((await rawRequest(keel.url, 'PUT', '/graphql')).status, 405);
    assert.equal(
      (
        await rawRequest(keel.url, 'POST', '/ajax-api/graphql', {
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).status,
      404,
    );
    const plain = await rawRequest(keel.url, 'POST', '/graphql', {
      headers: { 'content-type': 'text/plain' },
      body: '{"query":"{ test { output } }"}',
    });
    assert.equal(plain.status, 400);
    assert.deepEqual(plain.json(), {
      error_code: 'INVALID_PARAMETER_VALUE',
      message: "Bad Request. Content-Type must be one of ['application/json'].",
    });
    const broken = await rawRequest(keel.url, 'POST', '/graphql', {
      headers: { 'content-type': 'application/json' },
      body: '{"query": ',
    });
    assert.equal(broken.status, 400);
    assert.equal((broken.json() as { error_code: string }).error_code, 'INVALID_PARAMETER_VALUE');
    expectError(
      { status: (await gql(keel, [])).status, body: (await gql(keel, [])).json },
      400,
      'INVALID_PARAMETER_VALUE',
    );
  });

  it('answers a batch with the list of its results', async () => {
    const { status, json } = await gql(keel, [
      { query: 'query A { test(inputString: "a") { output } }', operationName: 'A' },
      { query: `query B { mlflowGetExperiment(input: { experimentId: "${exp}" }) { experiment { name } } }` },
      { query: 'query C { nope }' },
    ]);
    assert.equal(status, 200);
    assert.deepEqual(json, [
      { data: { test: { output: 'a' } }, errors: null },
      { data: { mlflowGetExperiment: { experiment: { name: 'gql' } } }, errors: null },
      { data: null, errors: ["Cannot query field 'nope' on type 'Query'."] },
    ]);
  });

  it('refuses queries over the limits before running them', async () => {
    const nested = `{ mlflowGetExperiment(input: { experimentId: "${exp}" }) { experiment { ${'tags { '.repeat(10)}key${' }'.repeat(10)} } } }`;
    assert.deepEqual((await gql(keel, { query: nested })).json, {
      data: null,
      errors: ['Query exceeds maximum depth of 10'],
    });
    const aliases = Array.from({ length: 11 }, (_, i) => `e${i}: experiment { name }`).join(' ');
    assert.match(
      (await gql(keel, { query: `{ mlflowGetExperiment(input: { experimentId: "${exp}" }) { ${aliases} } }` })).json
        .errors?.[0] ?? '',
      /^GraphQL queries should have at most 10 aliases, got 11 aliases\. To increase the limit, set the MLFLOW_SERVER_GRAPHQL_MAX_ALIASES environment variable\.$/,
    );
    const roots = Array.from({ length: 11 }, (_, i) => `t${i}: test(inputString: "x") { output }`).join(' ');
    assert.match(
      (
        await gql(keel, {
          query: `query { ${roots.replaceAll(/t(\d+): /g, (_, n) => (Number(n) < 10 ? `t${n}: ` : ''))} }`,
        })
      ).json.errors?.[0] ?? '',
      /at most 10 root fields, got 11/,
    );
    // Repeating a field (no alias) merges in validation but still counts as a selection.
    const wide = `mlflowGetExperiment(input: { experimentId: "${exp}" }) { experiment { ${'name '.repeat(1001)}} }`;
    assert.match(
      (await gql(keel, { query: `{ ${wide} }` })).json.errors?.[0] ?? '',
      /maximum total selections of 1000/,
    );
    // A fragment that spreads itself neither hangs the checks nor runs.
    const cycle = await gql(keel, {
      query: 'query { ...F } fragment F on Query { test(inputString: "x") { output } ...F }',
    });
    assert.equal(cycle.json.data, null);
    assert.match(cycle.json.errors?.join(' ') ?? '', /Cannot spread fragment 'F' within itself/);
    // Deep nesting is refused before the (recursive) parser sees it.
    const nestedBraces = await gql(keel, { query: `{${'a{'.repeat(3000)}b${'}'.repeat(3000)}}` });
    assert.equal(nestedBraces.status, 200);
    assert.match(nestedBraces.json.errors?.[0] ?? '', /nested more than 64 levels/);
    const nestedLists = await gql(keel, {
      query: `{ test(inputString: ${'['.repeat(5000)}"x"${']'.repeat(5000)}) { output } }`,
    });
    assert.match(nestedLists.json.errors?.[0] ?? '', /nested more than 64 levels/);
    // Huge documents stop at the parser's token limit.
    const huge = await gql(keel, { query: `{ ${'test(inputString: "x") { output } '.repeat(5000)} }` });
    assert.match(huge.json.errors?.[0] ?? '', /Document contains more tha[nt] 20000 tokens/);
    // A batch shares the limits: eleven operations are refused outright, and root fields add up.
    const eleven = await gql(
      keel,
      Array.from({ length: 11 }, () => ({ query: '{ test { output } }' })),
    );
    expectError({ status: eleven.status, body: eleven.json }, 400, 'INVALID_PARAMETER_VALUE', /at most 10 operations/);
    const six = `{ ${Array.from({ length: 6 }, (_, i) => `t${i}: test(inputString: "x") { output }`).join(' ')} }`;
    const shared = (await gql(keel, [{ query: six }, { query: six }])).json as unknown as GqlAnswer[];
    assert.equal(shared[0]?.errors, null);
    assert.match(shared[1]?.errors?.[0] ?? '', /at most 10 root fields, got 12/);
  });

  it('takes its limits from the server configuration', async () => {
    const strict = await startTestServer({ graphqlMaxAliases: 1, graphqlMaxRootFields: 2 });
    try {
      const two = await gql(strict, {
        query: '{ a: test(inputString: "x") { output } b: test(inputString: "y") { output } }',
      });
      assert.match(two.json.errors?.[0] ?? '', /at most 1 aliases, got 2 aliases/);
      const three = await gql(strict, {
        query: '{ test { output } testMutation: test { output } x: test { output } }',
      });
      assert.match(three.json.errors?.[0] ?? '', /at most (2 root fields|1 aliases)/);
    } finally {
      await strict.close();
    }
  });
});
