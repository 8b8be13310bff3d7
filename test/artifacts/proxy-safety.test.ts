import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { api, createRun, INVALID_PATH, PROXY, rawRequest } from './support.js';

let keel: TestServer;
let destination: string;
let outside: string;

/** Everything in the test's temporary directory except the destination, to spot escapes. */
function filesOutsideDestination(): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (full === destination) continue;
      if (entry.isDirectory()) walk(full);
      else found.push(full);
    }
  };
  walk(dirname(destination));
  return found.filter((f) => !f.includes('mlflow.db')).sort();
}

before(async () => {
  keel = await startTestServer();
  destination = keel.config.artifactsDestination;
  outside = join(keel.dir, 'outside');
  mkdirSync(join(destination, 'exp/run'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'top secret');
  writeFileSync(join(destination, 'exp/run/ok.txt'), 'ok');
  symlinkSync(outside, join(destination, 'exp/run/escape-dir'));
  symlinkSync(join(outside, 'secret.txt'), join(destination, 'exp/run/escape-file'));
});
after(async () => keel.close());

/** Traversal attempts as they would appear in a URL path, in many encodings. */
const PATH_ATTACKS = [
  '../escape.txt',
  'exp/../../escape.txt',
  '..%2Fescape.txt',
  '..%2fescape.txt',
  'exp%2F..%2F..%2Fescape.txt',
  '%2e%2e/escape.txt',
  '%2E%2E%2Fescape.txt',
  '.%2e/escape.txt',
  '%252e%252e%252fescape.txt',
  '%25252e%25252e%25252fescape.txt',
  // Still encoded after 10 decoding rounds.
  `%${'25'.repeat(12)}2e%${'25'.repeat(12)}2e`,
  '..%5cescape.txt',
  '%5c..%5cescape.txt',
  '..%255cescape.txt',
  '%2fetc%2fpasswd',
  '%252fetc%252fpasswd',
  'C:%2fWindows%2fescape.txt',
  'C:%5cWindows',
  'file:%2f%2f%2fetc%2fpasswd',
  'file:%2Fetc%2Fpasswd',
  'exp/a%23b',
  '%09..%2fescape.txt',
  '..%0d%0a%2fescape.txt',
  '%00..%2fescape.txt',
];

describe('path traversal over HTTP: proxy path segments', () => {
  for (const method of ['GET', 'PUT', 'DELETE']) {
    it(`${method} refuses every encoding with Invalid path`, async () => {
      for (const attack of PATH_ATTACKS) {
        const res = await rawRequest(keel.url, method, `${PROXY}/${attack}`, method === 'PUT' ? { body: 'x' } : {});
        assert.equal(res.status, 400, `${method} ${attack}: ${res.status} ${res.text()}`);
        assert.deepEqual(res.json(), INVALID_PATH, `${method} ${attack}`);
      }
      assert.deepEqual(filesOutsideDestination(), [join(outside, 'secret.txt')]);
      assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret');
    });
  }

  it('refuses literal dot segments that the client did not normalise', async () => {
    const res = await rawRequest(keel.url, 'GET', `${PROXY}/exp/../../etc/passwd`);
    assert.equal(res.status, 400);
    assert.deepEqual(res.json(), INVALID_PATH);
  });
});

describe('path traversal over HTTP: query parameters', () => {
  const QUERY_ATTACKS = [
    '../../etc',
    '..%2f..%2fetc',
    '%2e%2e%2f%2e%2e%2fetc',
    '%252e%252e%252fetc',
    '/etc',
    '//etc',
    'C:/Windows',
    '..\\..\\etc',
    'file:///etc',
    'exp/#/x',
    'exp/..',
    '\t../etc',
  ];

  it('proxy list refuses them', async () => {
    for (const attack of QUERY_ATTACKS) {
      const res = await rawRequest(keel.url, 'GET', `${PROXY}?path=${encodeURIComponent(attack)}`);
      assert.equal(res.status, 400, attack);
      assert.deepEqual(res.json(), INVALID_PATH, attack);
    }
  });

  it('artifacts/list, get-artifact and upload-artifact refuse them', async () => {
    const { runId } = await createRun(keel.url, 'traversal');
    for (const attack of QUERY_ATTACKS) {
      const q = encodeURIComponent(attack);
      for (const [method, path] of [
        ['GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=${q}`],
        ['GET', `/get-artifact?run_id=${runId}&path=${q}`],
        ['POST', `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${q}`],
      ] as const) {
        const res = await rawRequest(keel.url, method, path, method === 'POST' ? { body: 'x' } : {});
        assert.equal(res.status, 400, `${path}: ${res.text()}`);
        assert.deepEqual(res.json(), INVALID_PATH, path);
      }
    }
    assert.deepEqual(filesOutsideDestination(), [join(outside, 'secret.txt')]);
  });
});

describe('look-alikes that are harmless names, not traversal', () => {
  it('stores full-width dots and `..;x` as literal names inside the destination', async () => {
    for (const name of ['%EF%BC%8E%EF%BC%8E', '..%3Bx']) {
      const res = await rawRequest(keel.url, 'PUT', `${PROXY}/names/${name}`, { body: name });
      assert.equal(res.status, 200, `${name}: ${res.text()}`);
    }
    // A NUL, even escaped twice, is a control character: refused, not stored as `a%00b.txt`.
    const nul = await rawRequest(keel.url, 'PUT', `${PROXY}/names/a%2500b.txt`, { body: 'x' });
    assert.deepEqual(nul.json(), INVALID_PATH);
    assert.deepEqual(readdirSync(join(destination, 'names')).sort(), ['..;x', '\uff0e\uff0e'].sort());
    assert.deepEqual(filesOutsideDestination(), [join(outside, 'secret.txt')]);
  });

  it('refuses overlong UTF-8 dots: they would decode to replacement characters, never to `..`', async () => {
    const { runId, experimentId } = await createRun(keel.url, 'overlong');
    const path = encodeURIComponent('%c0%ae%c0%ae%c0%afx.txt');
    const res = await rawRequest(
      keel.url,
      'POST',
      `/ajax-api/2.0/mlflow/upload-artifact?run_uuid=${runId}&path=${path}`,
      {
        body: 'x',
      },
    );
    // Still escaped after HTTP's decoding, so ambiguous: refused rather than stored under another name.
    assert.equal(res.status, 400, res.text());
    assert.match((res.json() as { message: string }).message, /is ambiguous/);
    assert.equal(existsSync(join(destination, experimentId, runId, 'artifacts')), false);
    // In a URL path the router itself refuses invalid UTF-8 escapes.
    const raw = await rawRequest(keel.url, 'PUT', `${PROXY}/names/%c0%ae%c0%ae%c0%afx.txt`, { body: 'x' });
    assert.equal(raw.status, 400);
    assert.deepEqual(filesOutsideDestination(), [join(outside, 'secret.txt')]);
  });
});

describe('symlinks inside the destination that lead outside', () => {
  it('are refused for download, listing, upload and delete', async () => {
    const checks = [
      rawRequest(keel.url, 'GET', `${PROXY}/exp/run/escape-dir/secret.txt`),
      rawRequest(keel.url, 'GET', `${PROXY}/exp/run/escape-file`),
      rawRequest(keel.url, 'GET', `${PROXY}?path=exp/run/escape-dir`),
      rawRequest(keel.url, 'PUT', `${PROXY}/exp/run/escape-dir/planted.txt`, { body: 'x' }),
      rawRequest(keel.url, 'PUT', `${PROXY}/exp/run/escape-dir/new/dir/planted.txt`, { body: 'x' }),
      rawRequest(keel.url, 'DELETE', `${PROXY}/exp/run/escape-dir/secret.txt`),
    ];
    for (const res of await Promise.all(checks)) {
      assert.equal(res.status, 400, res.text());
      assert.deepEqual(res.json(), INVALID_PATH);
    }
    assert.equal(existsSync(join(outside, 'planted.txt')), false);
    assert.equal(existsSync(join(outside, 'new')), false);
    assert.equal(readFileSync(join(outside, 'secret.txt'), 'utf8'), 'top secret');
  });

  it('are left out of listings', async () => {
    const res = await rawRequest(keel.url, 'GET', `${PROXY}?path=exp/run`);
    assert.deepEqual(res.json(), { files: [{ path: 'ok.txt', is_dir: false, file_size: 2 }] });
  });

  it('are refused through the tracking API too', async () => {
    // A run whose artifact root is the destination directory holding the links.
    const { runId } = await createRun(keel.url, 'links', 'mlflow-artifacts:/exp');
    mkdirSync(join(destination, 'exp', runId, 'artifacts'), { recursive: true });
    symlinkSync(outside, join(destination, 'exp', runId, 'artifacts', 'escape'));
    const list = await rawRequest(keel.url, 'GET', `/api/2.0/mlflow/artifacts/list?run_id=${runId}&path=escape`);
    assert.deepEqual(list.json(), INVALID_PATH);
    const get = await rawRequest(keel.url, 'GET', `/get-artifact?run_id=${runId}&path=escape/secret.txt`);
    assert.deepEqual(get.json(), INVALID_PATH);
    const root = await api<{ files?: unknown[] }>(keel.url, 'GET', 'artifacts/list', { run_id: runId });
    assert.equal(root.files, undefined);
  });
});
