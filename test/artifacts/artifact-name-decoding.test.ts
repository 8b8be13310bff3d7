// Artifact names map to one stored file: a name is percent-decoded once (by HTTP), and a name
// that would decode further, or that carries control characters or empty URL delimiters that
// MLflow's decoding drops, is refused instead of landing on some other name's file.
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { send } from '../support/http.js';
import { createRun, PROXY } from './support.js';

describe('artifact names are never ambiguous', () => {
  let keel: TestServer;
  let base: string;
  let runId: string;
  before(async () => {
    keel = await startTestServer();
    const run = await createRun(keel.url, 'names');
    runId = run.runId;
    base = `${PROXY}/${run.experimentId}/${run.runId}/artifacts`;
  });
  after(() => keel.close());

  const put = (name: string, body: string) => send(keel.url, { method: 'PUT', path: `${base}/${name}`, body });
  const get = (name: string) => send(keel.url, { path: `${base}/${name}` });
  const stored = () => readdirSync(join(keel.config.artifactsDestination, base.slice(PROXY.length + 1))).sort();

  it('two different names never land on one file', async () => {
    assert.equal((await put('a%41.txt', 'first')).status, 200);
    // `a%2541.txt` names the file `a%41.txt`; MLflow decodes it again into `aA.txt`.
    const second = await put('a%2541.txt', 'second');
    assert.equal(second.status, 400, second.text);
    assert.equal(second.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal((await get('aA.txt')).text, 'first');
    assert.equal((await get('a%2541.txt')).status, 400);
    assert.deepEqual(stored(), ['aA.txt']);
  });

  it('refuses control characters instead of dropping or escaping them', async () => {
    for (const name of ['x%0A.txt', 'x%0D.txt', 'x%09.txt', 'x%01y.txt', 'x%00y.txt', 'x%7F.txt', '%1B%5B31m.txt']) {
      const reply = await put(name, 'control');
      assert.equal(reply.status, 400, `${name}: ${reply.text}`);
      assert.equal(reply.json.error_code, 'INVALID_PARAMETER_VALUE');
    }
    assert.deepEqual(stored(), ['aA.txt']);
  });

  it('refuses empty URL delimiters that would be dropped from the name', async () => {
    for (const name of ['b%3F', 'b%3B', 'b%23']) {
      assert.equal((await put(name, 'delim')).status, 400, name);
    }
    assert.deepEqual(stored(), ['aA.txt']);
  });

  it('applies the same rule to every route that takes a name', async () => {
    const upload = await send(keel.url, {
      method: 'POST',
      path: `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=a%252541.txt`,
      body: 'ui',
    });
    assert.equal(upload.status, 400, upload.text);
    const list = await send(keel.url, { path: `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=x%250A` });
    assert.equal(list.status, 400, list.text);
    const proxyList = await send(keel.url, { path: `${PROXY}?path=${encodeURIComponent('a\u0001')}` });
    assert.equal(proxyList.status, 400, proxyList.text);
    assert.deepEqual(stored(), ['aA.txt']);
  });

  it('keeps ordinary names, spaces and non-ASCII letters', async () => {
    for (const name of ['train%20set.csv', '100%25.txt', 'r%C3%A9sum%C3%A9.txt', 'a+b.txt', 'x;y.txt']) {
      assert.equal((await put(name, name)).status, 200, name);
      assert.equal((await get(name)).text, name);
    }
    assert.deepEqual(stored(), ['100%.txt', 'a+b.txt', 'aA.txt', 'résumé.txt', 'train set.csv', 'x;y.txt']);
  });
});
