// The prompt lab's run endpoint over HTTP (POST .../runs/create-promptlab-run): the run MLflow's
// UI records for one evaluated prompt, its params, tags and artifacts, and MLflow's validation
// answers, on the ajax route MLflow serves and on the public prefix.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { parse } from 'yaml';
import { type Client, call, client, expectError, expectOk, send } from '../support/http.js';

const AJAX = '/ajax-api/2.0/mlflow/runs/create-promptlab-run';
const API = '/api/2.0/mlflow/runs/create-promptlab-run';

const full = (experimentId: string) => ({
  experiment_id: experimentId,
  run_name: 'my_run_name',
  prompt_template: 'Write me a story about {{ thing }}.',
  prompt_parameters: [{ key: 'thing', value: 'books' }],
  model_route: 'completions',
  model_parameters: [
    { key: 'temperature', value: 0.5 },
    { key: 'max_tokens', value: 10 },
  ],
  model_input: 'Write me a story about books.',
  model_output: 'Once upon a time...',
  model_output_parameters: [{ key: 'latency', value: 100 }],
  mlflow_version: '3.5.0',
  user_id: 'username',
  start_time: 456,
});

describe('create-promptlab-run over HTTP', () => {
  let keel: TestServer;
  let api: Client;
  let exp: string;

  before(async () => {
    keel = await startTestServer();
    api = client(keel);
    exp = expectOk(await api.post('experiments/create', { name: 'promptlab' })).experiment_id;
  });
  after(() => keel.close());

  async function artifact(runId: string, path: string): Promise<string> {
    const res = await send(keel.url, {
      path: `/get-artifact?run_uuid=${runId}&path=${encodeURIComponent(path)}`,
    });
    assert.equal(res.status, 200, `${path}: ${res.text}`);
    return res.text;
  }

  it('records a finished run with MLflow’s params, tags and artifacts', async () => {
    const { run } = expectOk(await api.post(AJAX, full(exp)));
    assert.equal(run.info.run_name, 'my_run_name');
    assert.equal(run.info.experiment_id, exp);
    assert.equal(run.info.user_id, 'username');
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.start_time, 456);
    assert.ok(run.info.end_time >= 456);
    // Numbers are printed as Python's str() prints them; prompt parameters are not params.
    assert.deepEqual(
      [...run.data.params].sort((a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key)),
      [
        { key: 'max_tokens', value: '10' },
        { key: 'model_route', value: 'completions' },
        { key: 'prompt_template', value: 'Write me a story about {{ thing }}.' },
        { key: 'temperature', value: '0.5' },
      ],
    );
    const tags = Object.fromEntries(run.data.tags.map((t: { key: string; value: string }) => [t.key, t.value]));
    assert.equal(tags['mlflow.loggedArtifacts'], '[{"path": "eval_results_table.json", "type": "table"}]');
    assert.equal(tags['mlflow.runSourceType'], 'PROMPT_ENGINEERING');
    assert.equal(tags['mlflow.runName'], 'my_run_name');
    const history = JSON.parse(tags['mlflow.log-model.history']);
    assert.equal(history.length, 1);
    assert.equal(history[0].artifact_path, 'model');
    assert.equal(history[0].run_id, run.info.run_id);

    // The stored run is the one answered.
    const stored = expectOk(await api.get('runs/get', { run_id: run.info.run_id })).run;
    assert.deepEqual(stored, run);

    const table = JSON.parse(await artifact(run.info.run_id, 'eval_results_table.json'));
    assert.deepEqual(table, {
      columns: ['thing', 'prompt', 'output', 'latency'],
      data: [['books', 'Write me a story about books.', 'Once upon a time...', '100']],
    });
    const mlmodel = parse(await artifact(run.info.run_id, 'model/MLmodel'));
    assert.equal(mlmodel.flavors.python_function.loader_module, 'mlflow.prompt.promptlab_model');
    assert.equal(mlmodel.flavors.python_function.parameters_path, 'parameters.yaml');
    assert.equal(mlmodel.run_id, run.info.run_id);
    assert.equal(mlmodel.artifact_path, 'model');
    assert.equal(mlmodel.model_uuid, history[0].model_uuid);
    assert.deepEqual(JSON.parse(mlmodel.signature.inputs), [{ type: 'string', name: 'thing', required: true }]);
    assert.deepEqual(JSON.parse(mlmodel.signature.outputs), [{ type: 'string', name: 'output', required: true }]);
    assert.deepEqual(parse(await artifact(run.info.run_id, 'model/parameters.yaml')), {
      model_parameters: { max_tokens: '10', temperature: '0.5' },
      model_route: 'completions',
      prompt_parameters: { thing: 'books' },
      prompt_template: 'Write me a story about {{ thing }}.',
    });
    assert.match(await artifact(run.info.run_id, 'model/requirements.txt'), /^mlflow\[gateway\]==3\.\d+\.\d+$/);
    assert.deepEqual(JSON.parse(await artifact(run.info.run_id, 'model/input_example.json')), { inputs: ['books'] });
    const listed = expectOk(await api.get('artifacts/list', { run_id: run.info.run_id })).files;
    assert.deepEqual(
      listed.map((f: { path: string }) => f.path),
      ['eval_results_table.json', 'model'],
    );
  });

  it('is served under the public prefix too, with defaults for the optional fields', async () => {
    const before = Date.now();
    const body = full(exp) as Record<string, unknown>;
    for (const key of [
      'run_name',
      'model_output',
      'model_parameters',
      'model_output_parameters',
      'user_id',
      'start_time',
    ])
      delete body[key];
    const { run } = expectOk(await api.post(API, body));
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.user_id, 'unknown');
    assert.ok(run.info.start_time >= before);
    assert.ok(run.info.run_name.length > 0, 'a run name is generated');
    const table = JSON.parse(await artifact(run.info.run_id, 'eval_results_table.json'));
    assert.deepEqual(table.columns, ['thing', 'prompt', 'output']);
    assert.deepEqual(table.data, [['books', 'Write me a story about books.', null]]);
  });

  it('refuses a request missing a required field with MLflow’s message, in MLflow’s order', async () => {
    const steps: [Record<string, unknown>, string][] = [
      [{}, 'experiment_id'],
      [{ experiment_id: '123' }, 'prompt_template'],
      [{ experiment_id: '123', prompt_template: 't' }, 'prompt_parameters'],
      [{ experiment_id: '123', prompt_template: 't', prompt_parameters: [] }, 'prompt_parameters'],
      [{ experiment_id: '123', prompt_template: 't', prompt_parameters: [{ key: 'k', value: 'v' }] }, 'model_route'],
      [
        { experiment_id: '123', prompt_template: 't', prompt_parameters: [{ key: 'k', value: 'v' }], model_route: 'r' },
        'model_input',
      ],
      [
        {
          experiment_id: '123',
          prompt_template: 't',
          prompt_parameters: [{ key: 'k', value: 'v' }],
          model_route: 'r',
          model_input: '',
        },
        'model_input',
      ],
      [
        {
          experiment_id: '123',
          prompt_template: 't',
          prompt_parameters: [{ key: 'k', value: 'v' }],
          model_route: 'r',
          model_input: 'i',
        },
        'mlflow_version',
      ],
    ];
    for (const [body, field] of steps) {
      expectError(
        await api.post(AJAX, body),
        400,
        'INVALID_PARAMETER_VALUE',
        `CreatePromptlabRun request must specify ${field}.`,
      );
    }
  });

  it('answers client mistakes with 400 or 404 and records no run', async () => {
    const runsBefore = expectOk(await api.post('runs/search', { experiment_ids: [exp] })).runs?.length ?? 0;
    expectError(
      await api.post(AJAX, { ...full(exp), experiment_id: '987654' }),
      404,
      'RESOURCE_DOES_NOT_EXIST',
      /987654/,
    );
    expectError(
      await api.post(AJAX, {
        ...full(exp),
        model_parameters: [
          { key: 'prompt_template', value: 'x' },
          { key: 'temperature', value: 1 },
        ],
      }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Duplicate parameter keys have been submitted: ['prompt_template']. Please ensure the request contains only one param value per param key.",
    );
    expectError(
      await api.post(AJAX, { ...full(exp), model_parameters: [{ key: '../escape', value: 1 }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      /model_parameters\[0\]\.key/,
    );
    expectError(
      await api.post(AJAX, { ...full(exp), prompt_parameters: [{ value: 'no key' }] }),
      400,
      'INVALID_PARAMETER_VALUE',
      "Missing value for required parameter 'prompt_parameters[0].key'. See the API docs for more information about request parameters.",
    );
    expectError(
      await api.post(AJAX, { ...full(exp), start_time: 'soon' }),
      400,
      'INVALID_PARAMETER_VALUE',
      /start_time/,
    );
    const wrongType = await send(keel.url, {
      method: 'POST',
      path: AJAX,
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify(full(exp)),
    });
    assert.equal(wrongType.status, 400);
    assert.equal(wrongType.json.error_code, 'INVALID_PARAMETER_VALUE');
    const runsAfter = expectOk(await api.post('runs/search', { experiment_ids: [exp] })).runs?.length ?? 0;
    assert.equal(runsAfter, runsBefore);
  });

  it('answers 405 to other methods', async () => {
    const res = await send(keel.url, { method: 'GET', path: AJAX });
    assert.equal(res.status, 405);
  });
});

describe('gateway-proxy over HTTP', () => {
  let keel: TestServer;
  before(async () => {
    keel = await startTestServer({ staticPrefix: '/lab' });
  });
  after(() => keel.close());

  it('answers an empty endpoint list, as MLflow does without a deployments target', async () => {
    const listed = await call(keel, 'GET', '/lab/ajax-api/2.0/mlflow/gateway-proxy', {
      gateway_path: 'api/2.0/endpoints/',
    });
    assert.deepEqual(expectOk(listed), { endpoints: [] });
    const invoked = await call(keel, 'POST', '/lab/ajax-api/2.0/mlflow/gateway-proxy', {
      gateway_path: 'gateway/chat/invocations',
      json_data: { messages: [] },
    });
    assert.deepEqual(expectOk(invoked), { endpoints: [] });
    // Only the UI's route exists, as in MLflow.
    assert.equal((await call(keel, 'GET', '/api/2.0/mlflow/gateway-proxy')).status, 404);
  });

  it('serves create-promptlab-run under the static prefix', async () => {
    const exp = expectOk(await call(keel, 'GET', 'experiments/get-by-name', { experiment_name: 'Default' })).experiment
      .experiment_id;
    const reply = await call(keel, 'POST', `/lab${AJAX}`, full(exp));
    assert.equal(expectOk(reply).run.info.status, 'FINISHED');
  });
});
