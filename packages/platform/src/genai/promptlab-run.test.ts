import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { MLFLOW_COMPAT_VERSION, MlflowError } from '@keel/contract';
import { parse } from 'yaml';
import type { ArtifactRepository } from '../artifacts/artifact-repository.js';
import type { ArtifactResolver } from '../artifacts/artifact-resolver.js';
import { type OpenedStores, openStores } from '../compose.js';
import { parseMlModel } from '../models/mlmodel.js';
import {
  checkPromptlabRequest,
  createPromptlabRun,
  evalResultsTable,
  type PromptlabRunRequest,
  promptlabModelFiles,
  promptlabParams,
} from './promptlab-run.js';

const request: PromptlabRunRequest = {
  experiment_id: '0',
  prompt_template: 'Tell me about {{ topic }} in {{ words }} words.',
  prompt_parameters: [
    { key: 'topic', value: 'owls' },
    { key: 'words', value: 12 },
  ],
  model_route: 'chat',
  model_parameters: [
    { key: 'temperature', value: 0.25 },
    { key: 'stream', value: true },
  ],
  model_input: 'Tell me about owls in 12 words.',
  model_output: 'Owls: silent night hunters.',
  model_output_parameters: [{ key: 'latency', value: 35 }],
  mlflow_version: '3.5.0',
};

/** Files written through the seam, or a failure on every write. */
function recordingResolver(
  failWrites: boolean,
): Pick<ArtifactResolver, 'repositoryFor'> & { readonly written: Map<string, string> } {
  const written = new Map<string, string>();
  const repository = {
    rootUri: 'memory:/',
    async write(path: string, stream: Readable) {
      if (failWrites) throw new Error('disk full');
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      written.set(path, Buffer.concat(chunks).toString('utf8'));
    },
  } as unknown as ArtifactRepository;
  return {
    written,
    repositoryFor: async () => repository,
  };
}

describe('checkPromptlabRequest', () => {
  it('prints parameter values as Python’s str() does and fills MLflow’s defaults', () => {
    const spec = checkPromptlabRequest(request);
    assert.deepEqual(spec.promptParameters, [
      { key: 'topic', value: 'owls' },
      { key: 'words', value: '12' },
    ]);
    assert.deepEqual(spec.modelParameters, [
      { key: 'temperature', value: '0.25' },
      { key: 'stream', value: 'True' },
    ]);
    assert.equal(spec.userId, 'unknown');
    assert.equal(spec.startTime, undefined);
    assert.deepEqual(
      promptlabParams(spec).map((p) => p.key),
      ['temperature', 'stream', 'model_route', 'prompt_template'],
    );
  });

  it('treats empty values as missing, as Python truthiness does', () => {
    assert.throws(
      () => checkPromptlabRequest({ ...request, model_route: '' }),
      (e: unknown) => e instanceof MlflowError && e.message === 'CreatePromptlabRun request must specify model_route.',
    );
    assert.throws(
      () => checkPromptlabRequest({ ...request, prompt_parameters: [] }),
      (e: unknown) => e instanceof MlflowError && e.message.endsWith('must specify prompt_parameters.'),
    );
  });
});

describe('the prompt lab run’s files', () => {
  it('writes the evaluation table as Python’s json.dumps', () => {
    assert.equal(
      evalResultsTable(checkPromptlabRequest(request)),
      '{"columns": ["topic", "words", "prompt", "output", "latency"], "data": [["owls", "12", "Tell me about owls in 12 words.", "Owls: silent night hunters.", "35"]]}',
    );
  });

  it('saves a python_function model MLflow’s prompt lab loader reads', () => {
    const { files, historyEntry } = promptlabModelFiles(checkPromptlabRequest(request), 'run123');
    assert.deepEqual([...files.keys()].sort(), [
      'MLmodel',
      'conda.yaml',
      'input_example.json',
      'parameters.yaml',
      'python_env.yaml',
      'requirements.txt',
      'serving_input_example.json',
    ]);
    const mlmodel = parseMlModel(files.get('MLmodel') ?? '');
    assert.deepEqual(Object.keys(mlmodel.flavors), ['python_function']);
    assert.equal(mlmodel.flavors.python_function?.loader_module, 'mlflow.prompt.promptlab_model');
    assert.equal(mlmodel.run_id, 'run123');
    assert.equal(
      mlmodel.signature?.inputs,
      '[{"type": "string", "name": "topic", "required": true}, {"type": "string", "name": "words", "required": true}]',
    );
    assert.equal(mlmodel.saved_input_example_info?.artifact_path, 'input_example.json');
    const history = JSON.parse(historyEntry);
    assert.deepEqual(history.flavors, {});
    assert.equal(history.model_uuid, mlmodel.model_uuid);
    assert.equal(history.utc_time_created, mlmodel.utc_time_created);
    assert.deepEqual(parse(files.get('parameters.yaml') ?? ''), {
      model_parameters: { stream: 'True', temperature: '0.25' },
      model_route: 'chat',
      prompt_parameters: { topic: 'owls', words: '12' },
      prompt_template: 'Tell me about {{ topic }} in {{ words }} words.',
    });
    assert.deepEqual(parse(files.get('conda.yaml') ?? '').dependencies.at(-1), {
      pip: [`mlflow[gateway]==${MLFLOW_COMPAT_VERSION}`],
    });
  });
});

describe('createPromptlabRun on SQLite', () => {
  let dir: string;
  let stores: OpenedStores;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keel-promptlab-'));
    stores = await openStores(`sqlite:///${join(dir, 'mlflow.db')}`, { defaultArtifactRoot: dir, cwd: dir });
  });
  after(async () => {
    await stores.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('stores the run, its params, tags and files, and finishes it', async () => {
    const artifacts = recordingResolver(false);
    const errors: string[] = [];
    const run = await createPromptlabRun(
      { tracking: stores.tracking, artifacts, logger: { error: (m) => errors.push(m) } },
      checkPromptlabRequest({ ...request, run_name: 'lab', start_time: 1000, tags: [{ key: 'team', value: 'a' }] }),
    );
    assert.deepEqual(errors, []);
    assert.equal(run.info.status, 'FINISHED');
    assert.equal(run.info.run_name, 'lab');
    assert.equal(run.info.start_time, 1000);
    const tags = Object.fromEntries((run.data.tags ?? []).map((t) => [t.key, t.value]));
    assert.equal(tags.team, 'a');
    assert.equal(tags['mlflow.runSourceType'], 'PROMPT_ENGINEERING');
    assert.ok(tags['mlflow.log-model.history']?.includes('"artifact_path": "model"'));
    assert.deepEqual([...artifacts.written.keys()].sort(), [
      'eval_results_table.json',
      'model/MLmodel',
      'model/conda.yaml',
      'model/input_example.json',
      'model/parameters.yaml',
      'model/python_env.yaml',
      'model/requirements.txt',
      'model/serving_input_example.json',
    ]);
  });

  it('leaves the run FAILED, and says why, when its artifacts cannot be stored', async () => {
    const errors: string[] = [];
    const run = await createPromptlabRun(
      { tracking: stores.tracking, artifacts: recordingResolver(true), logger: { error: (m) => errors.push(m) } },
      checkPromptlabRequest(request),
    );
    assert.equal(run.info.status, 'FAILED');
    assert.ok(run.info.end_time !== undefined);
    assert.equal(errors.length, 1);
    assert.match(errors[0] ?? '', new RegExp(run.info.run_id));
    // The params were logged before the failure, as in MLflow.
    assert.equal((run.data.params ?? []).length, 4);
  });
});
