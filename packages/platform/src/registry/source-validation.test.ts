import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { MlflowError, notFound } from '@keel/contract';
import { ArtifactLocationPolicy } from '../artifacts/artifact-location-policy.js';
import {
  checkRemoteSource,
  type SourceOwnerLookup,
  unquoteFully,
  validateModelVersionSource,
} from './source-validation.js';

function refuses(fn: () => unknown, message?: RegExp): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    if (message) assert.match(error.message, message);
    return true;
  });
}

describe('checkRemoteSource', () => {
  const accepted = [
    's3://bucket/models/v3',
    's3://bucket/models/v3/',
    'mlflow-artifacts:/1/abc/artifacts/model',
    'mlflow-artifacts://host:5000/1/abc/artifacts/model',
    'http://h/api/2.0/mlflow-artifacts/artifacts/1/model',
    'models:/m-0123456789abcdef',
    'models:/iris/3',
    'runs:/abc/model',
    'gs://b/p/a..b/c',
    'hdfs://nn:8020/a/b',
  ];
  for (const source of accepted) it(`accepts ${source}`, () => checkRemoteSource(source));

  const refused = [
    // Plain and spec examples.
    'mlflow-artifacts://host:5000/../../etc',
    'http://h/api/2.0/mlflow-artifacts/artifacts/../../x',
    's3:/bucket/models/../../other',
    's3://golden-bucket/models/../../secret',
    // Encoded, double-encoded, mixed case, `+` and backslash variants.
    'mlflow-artifacts://h/..%2f..%2fx',
    'mlflow-artifacts://h/..%2F..%2Fx',
    'mlflow-artifacts://h/%2e%2e/%2e%2e/x',
    'mlflow-artifacts://h/%2E%2E%2Fx',
    's3://b/a/%252e%252e/%252e%252e/x',
    's3://b/a/%25252e%25252e%25252fx',
    'http://h/a/..%5c..%5cx',
    'http://h/a/..\\..\\x',
    's3://b/a/..;jsessionid=1/x',
    's3://b/a/%2e%2e%3b/x/../y',
    // NUL bytes.
    'http://h/api/2.0/mlflow-artifacts/artifacts%00',
    's3://b/a%2500b',
    's3://b/a\u0000b',
    // Non-normalised paths.
    's3://b//etc/passwd',
    'mlflow-artifacts:////etc/passwd',
    's3://b/a/./b',
    's3://b/a/%2e/b',
    's3://b/a/.',
    // Relative or empty paths.
    'mlflow-artifacts:relative/x',
    's3://bucket',
    's3://bucket/',
  ];
  for (const source of refused) {
    it(`refuses ${JSON.stringify(source)}`, () =>
      refuses(() => checkRemoteSource(source), /an absolute path must be provided without relative path references/));
  }

  it('names the source as given in the message', () => {
    refuses(
      () => checkRemoteSource('mlflow-artifacts://localhost/..%2f..%2fsecret'),
      /^Invalid model version source: 'mlflow-artifacts:\/\/localhost\/..%2f..%2fsecret'\./,
    );
  });

  it('unquotes until stable (`+` as a space, even once decoded), leaving malformed escapes', () => {
    assert.equal(unquoteFully('%25252e%2B+%zz'), '.  %zz');
  });
});

describe('validateModelVersionSource', () => {
  let root: string;
  let runDir: string;
  let modelDir: string;
  const owners: SourceOwnerLookup = {
    runArtifactUri: async (runId) => {
      if (runId === 'run-local') return runDir;
      if (runId === 'run-file-uri') return pathToFileURL(runDir).href;
      if (runId === 'run-remote') return 'mlflow-artifacts:/1/run-remote/artifacts';
      throw notFound(`Run with id=${runId} not found`);
    },
    loggedModelArtifactUri: async (modelId) => {
      if (modelId === 'm-local') return modelDir;
      throw notFound(`Logged model with ID '${modelId}' not found.`);
    },
  };
  // The policy's own rules have their own tests; here the whole temporary directory is storage.
  const locations = {
    checkNewLocation: (location: string) =>
      new ArtifactLocationPolicy({ roots: [root], allowLocalLocations: false, cwd: root }).checkNewLocation(
        location,
        'model-version-source',
      ),
  };
  const check = (request: Parameters<typeof validateModelVersionSource>[0], pattern?: RegExp) =>
    validateModelVersionSource(request, owners, { cwd: root, ...(pattern ? { pattern } : {}) }, locations);
  const rejects = async (promise: Promise<unknown>, message: RegExp) => {
    await assert.rejects(promise, (error: unknown) => {
      assert.ok(error instanceof MlflowError);
      assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
      assert.match(error.message, message);
      return true;
    });
  };

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'keel-sources-'));
    runDir = join(root, 'artifacts', '1', 'run', 'artifacts');
    modelDir = join(root, 'artifacts', '1', 'models', 'm-local', 'artifacts');
    mkdirSync(join(runDir, 'model'), { recursive: true });
    mkdirSync(modelDir, { recursive: true });
    mkdirSync(join(root, 'secret'));
    // A symlink inside the run directory pointing outside it.
    symlinkSync(join(root, 'secret'), join(runDir, 'escape'));
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  it('accepts local paths inside the run artifact directory, as paths or file URIs', async () => {
    await check({ source: join(runDir, 'model'), run_id: 'run-local' });
    await check({ source: pathToFileURL(join(runDir, 'model')).href, run_id: 'run-local' });
    await check({ source: join(runDir, 'not-yet', 'there'), run_id: 'run-file-uri' });
    await check({ source: 'artifacts/1/run/artifacts/model', run_id: 'run-local' });
    await check({ source: join(modelDir, 'MLmodel'), model_id: 'm-local' });
  });

  it('refuses local paths without a run, outside it, through symlinks, or with NUL', async () => {
    const runMessage = /the run_id request parameter has to be specified/;
    await rejects(
      check({ source: '/models/golden-model' }),
      /^Invalid model version source: '\/models\/golden-model'\./,
    );
    await rejects(check({ source: join(root, 'secret'), run_id: 'run-local' }), runMessage);
    await rejects(check({ source: `${runDir}/../../../../secret`, run_id: 'run-local' }), runMessage);
    await rejects(check({ source: `${runDir}-sibling/model`, run_id: 'run-local' }), runMessage);
    await rejects(check({ source: join(runDir, 'escape', 'x'), run_id: 'run-local' }), runMessage);
    await rejects(check({ source: `${pathToFileURL(runDir).href}/model%00x`, run_id: 'run-local' }), runMessage);
    await rejects(check({ source: `file://${runDir}/%2e%2e/%2e%2e/x`, run_id: 'run-local' }), runMessage);
    // A run whose artifacts are remote owns no local directory.
    await rejects(check({ source: join(runDir, 'model'), run_id: 'run-remote' }), runMessage);
    await rejects(
      check({ source: join(runDir, 'model'), model_id: 'm-local' }),
      /the model_id request parameter has to be specified/,
    );
  });

  it('refuses file URIs naming a remote host', async () => {
    await rejects(check({ source: 'file://a/../../b' }), /is not a valid remote uri/);
  });

  it('passes unknown run and model errors through', async () => {
    await assert.rejects(check({ source: '/x', run_id: 'nope' }), /Run with id=nope not found/);
  });

  it('applies the configured pattern first, and checks prompts like every other version', async () => {
    await rejects(check({ source: 's3://b/models/x' }, /^mlflow-artifacts:/), /^Invalid model version source: 's3:/);
    await check({ source: 'mlflow-artifacts:/1/x' }, /^mlflow-artifacts:/);
    const prompt = [{ key: 'mlflow.prompt.is_prompt' }];
    // MLflow's prompt registry sends this placeholder: a bare label, recorded and never read.
    await check({ source: 'dummy-source', tags: prompt });
    await check({ source: 'prompt.v1', tags: prompt });
    for (const source of [
      'not a uri at all/../..',
      '/etc',
      'file:///',
      '..',
      '.hidden',
      'a/b',
      'mlflow-artifacts:/../x',
    ]) {
      await rejects(check({ source, tags: prompt }), /./);
    }
    await rejects(check({ source: 'models:/p/../x', tags: prompt }), /absolute path must be provided/);
    await rejects(check({ source: 'x', tags: prompt }, /^s3:/), /Invalid model version source/);
    // Without the tag the placeholder is a relative local path, as in MLflow.
    await rejects(check({ source: 'dummy-source' }), /the run_id request parameter has to be specified/);
  });

  it('refuses local sources outside the artifact roots and schemes Keel does not store', async () => {
    // Roots that hold the logged model's directory but not the run's.
    {
      const strict = {
        checkNewLocation: (location: string) =>
          new ArtifactLocationPolicy({ roots: [modelDir], allowLocalLocations: false, cwd: root }).checkNewLocation(
            location,
            'model-version-source',
          ),
      };
      await assert.rejects(
        validateModelVersionSource(
          { source: join(runDir, 'model'), run_id: 'run-local' },
          owners,
          { cwd: root },
          strict,
        ),
        /--allow-local-artifact-locations/,
      );
      await rejects(check({ source: 'ldap://host/model' }), /Unsupported artifact location/);
      await rejects(check({ source: 'gopher://host/model' }), /Unsupported artifact location/);
      await check({ source: 'gs://bucket/model', run_id: 'run-local' });
    }
  });
});
