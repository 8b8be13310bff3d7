import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { splitArtifactUri } from './artifact-access.js';

describe('artifact URIs on the command line', () => {
  test('split into the parent to open and the name to keep', () => {
    assert.deepEqual(splitArtifactUri('mlflow-artifacts:/1/abc/artifacts/model'), {
      parent: 'mlflow-artifacts:/1/abc/artifacts',
      name: 'model',
    });
    assert.deepEqual(splitArtifactUri('/tmp/x/model/'), { parent: '/tmp/x', name: 'model' });
    assert.deepEqual(splitArtifactUri('file:///tmp/model'), { parent: 'file:///tmp', name: 'model' });
    assert.deepEqual(splitArtifactUri('mlflow-artifacts:/model'), { parent: 'mlflow-artifacts:/', name: 'model' });
    assert.deepEqual(splitArtifactUri('/model'), { parent: '/', name: 'model' });
    assert.deepEqual(splitArtifactUri('model'), { parent: '.', name: 'model' });
  });
});
