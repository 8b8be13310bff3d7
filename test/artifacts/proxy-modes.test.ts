import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startTestServer } from '@keel/platform/testing';
import { createRun, PROXY, rawRequest } from './support.js';

function servingDisabled(rule: string): string {
  return (
    `Endpoint: ${rule} disabled due to the mlflow server running with \`--no-serve-artifacts\`. ` +
    'To enable artifacts server functionality, run `mlflow server` with `--serve-artifacts`'
  );
}

describe('--no-serve-artifacts', () => {
  it('answers every proxy route with MLflow 503 plain text', async () => {
    const keel = await startTestServer({ serveArtifacts: false });
    try {
      const base = '/api/2.0/mlflow-artifacts';
      const cases = [
        ['GET', `${base}/artifacts?path=x`, `${base}/artifacts`],
        ['GET', `${base}/artifacts/x/y.txt`, `${base}/artifacts/<path:artifact_path>`],
        ['PUT', `${base}/artifacts/x/y.txt`, `${base}/artifacts/<path:artifact_path>`],
        ['DELETE', `${base}/artifacts/x/y.txt`, `${base}/artifacts/<path:artifact_path>`],
        ['POST', `${base}/mpu/create/x`, `${base}/mpu/create/<path:artifact_path>`],
        ['POST', `${base}/mpu/complete/x`, `${base}/mpu/complete/<path:artifact_path>`],
        ['POST', `${base}/mpu/abort/x`, `${base}/mpu/abort/<path:artifact_path>`],
        [
          'GET',
          '/ajax-api/2.0/mlflow-artifacts/artifacts/x',
          '/ajax-api/2.0/mlflow-artifacts/artifacts/<path:artifact_path>',
        ],
      ] as const;
      for (const [method, path, rule] of cases) {
        const res = await rawRequest(keel.url, method, path, {
          ...(method === 'PUT' || method === 'POST'
            ? { body: '{"path": "a", "num_parts": 1}', headers: { 'content-type': 'application/json' } }
            : {}),
        });
        assert.equal(res.status, 503, `${method} ${path}`);
        assert.match(String(res.headers['content-type']), /^text\/plain/);
        assert.equal(res.text(), servingDisabled(rule));
      }
    } finally {
      await keel.close();
    }
  });

  it('still lists and serves runs whose root is on local disk', async () => {
    const keel = await startTestServer({ serveArtifacts: false });
    try {
      const { runId, artifactUri } = await createRun(keel.url, 'local-root');
      assert.ok(artifactUri.startsWith('/'), artifactUri);
      const up = await rawRequest(
        keel.url,
        'POST',
        `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=a.txt`,
        {
          body: 'local',
        },
      );
      assert.equal(up.status, 200);
      assert.equal((await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=a.txt`)).text(), 'local');
    } finally {
      await keel.close();
    }
  });
});

describe('--artifacts-only', () => {
  it('keeps the proxy and turns the UI artifact routes off', async () => {
    const keel = await startTestServer({ artifactsOnly: true });
    try {
      assert.equal((await rawRequest(keel.url, 'PUT', `${PROXY}/1/x.txt`, { body: 'x' })).status, 200);
      assert.equal((await rawRequest(keel.url, 'GET', `${PROXY}/1/x.txt`)).text(), 'x');
      const ui = await rawRequest(keel.url, 'GET', '/get-artifact?run_id=abc&path=x.txt');
      assert.equal(ui.status, 503);
      assert.match(
        ui.text(),
        /^Endpoint: \/get-artifact disabled due to the mlflow server running in `--artifacts-only` mode/,
      );
    } finally {
      await keel.close();
    }
  });
});

describe('--static-prefix', () => {
  it('prefixes the ajax proxy and the UI routes, not /api', async () => {
    const keel = await startTestServer({ staticPrefix: '/keel' });
    try {
      const { runId } = await createRun(keel.url, 'prefixed');
      assert.equal((await rawRequest(keel.url, 'PUT', `${PROXY}/p/a.txt`, { body: 'api' })).status, 200);
      const ajax = await rawRequest(keel.url, 'GET', '/keel/ajax-api/2.0/mlflow-artifacts/artifacts/p/a.txt');
      assert.equal(ajax.text(), 'api');
      assert.equal((await rawRequest(keel.url, 'GET', '/ajax-api/2.0/mlflow-artifacts/artifacts/p/a.txt')).status, 404);
      const upload = await rawRequest(
        keel.url,
        'POST',
        `/keel/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=ui.txt`,
        { body: 'ui' },
      );
      assert.equal(upload.status, 200);
      assert.equal((await rawRequest(keel.url, 'GET', `/keel/get-artifact?run_id=${runId}&path=ui.txt`)).text(), 'ui');
      assert.equal((await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=ui.txt`)).status, 404);
    } finally {
      await keel.close();
    }
  });
});
