import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { modelVersionArtifactUrl, runArtifactUrl, toAjaxUrl, uiBasePath } from './client.js';

describe('UI client paths', () => {
  it('finds the static prefix from the page path', () => {
    assert.equal(uiBasePath('/'), '');
    assert.equal(uiBasePath('/index.html'), '');
    assert.equal(uiBasePath('/mlflow/'), '/mlflow');
    assert.equal(uiBasePath('/a/b/'), '/a/b');
  });

  it('sends API calls to the ajax twins under the prefix, keeping the query', () => {
    assert.equal(
      toAjaxUrl('http://h:5000/api/2.0/mlflow/runs/get?run_id=1', '/p'),
      'http://h:5000/p/ajax-api/2.0/mlflow/runs/get?run_id=1',
    );
    assert.equal(
      toAjaxUrl('http://h:5000/api/2.0/keel/metrics/get-history-buckets?x=1', ''),
      'http://h:5000/ajax-api/2.0/keel/metrics/get-history-buckets?x=1',
    );
    assert.equal(toAjaxUrl('http://h:5000/p/get-artifact?path=a', '/p'), 'http://h:5000/p/get-artifact?path=a');
  });

  it('builds artifact URLs with encoded queries', () => {
    assert.equal(runArtifactUrl('/p', 'r1', 'a b/c.txt'), '/p/get-artifact?path=a+b%2Fc.txt&run_uuid=r1');
    assert.equal(
      modelVersionArtifactUrl('', 'm&x', '2', 'MLmodel'),
      '/model-versions/get-artifact?path=MLmodel&name=m%26x&version=2',
    );
  });
});
