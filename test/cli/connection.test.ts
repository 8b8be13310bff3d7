// How client-side commands reach Keel, and what they say when they cannot: the URI tried, after
// a bounded retry budget, never a hang; stack traces only with --debug.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { describe, it } from 'node:test';
import { closedPort, fails, keel, ok } from './helpers.js';

/** How long the client spent trying, as its final error reports it ("after N attempt(s) over S s"). */
function retrySeconds(stderr: string): number {
  const match = /after \d+ attempt\(s\) over (\d+(?:\.\d+)?) s/.exec(stderr);
  assert.ok(match, `no retry summary in: ${stderr}`);
  return Number(match[1]);
}

/** Listens on 127.0.0.1:`port`, retrying while another process holds it, for up to `waitMs`. */
async function listenOn(server: Server, port: number, waitMs: number): Promise<void> {
  const until = Date.now() + waitMs;
  for (;;) {
    const error = await new Promise<Error | undefined>((resolve) => {
      server.once('error', resolve);
      server.listen(port, '127.0.0.1', () => {
        server.off('error', resolve);
        resolve(undefined);
      });
    });
    if (error === undefined) return;
    if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || Date.now() > until) throw error;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('keel client commands: reaching the server', { concurrency: true }, () => {
  it('gives up on an unreachable server after the retry budget, naming the URI it tried', async () => {
    const port = await closedPort();
    const result = await keel(['experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05' },
    });
    // The retries themselves (not the process start, which a loaded machine slows) take ~0.2 s.
    assert.ok(retrySeconds(result.stderr) < 5, result.stderr);
    fails(
      result,
      1,
      new RegExp(
        `Error: TEMPORARILY_UNAVAILABLE: Could not reach the tracking server at http://127\\.0\\.0\\.1:${port}/api/2\\.0/mlflow/experiments/search after 3 attempt\\(s\\)`,
      ),
    );
    // Each retry is announced, so waiting never looks like a hang.
    const notices = result.stderr.split('\n').filter((l) => l.startsWith('No answer from'));
    assert.equal(notices.length, 2);
    assert.match(
      notices[0] as string,
      new RegExp(
        `^No answer from http://127\\.0\\.0\\.1:${port} \\(.*ECONNREFUSED.*\\); retry 1 of 2 in \\d+\\.\\d s$`,
      ),
    );
    assert.equal(result.stdout, '');
  });

  it('takes the URI from MLFLOW_TRACKING_URI, and --tracking-uri wins over it', async () => {
    const envPort = await closedPort();
    const flagPort = await closedPort();
    const fromEnv = await keel(['runs', 'list', '-x', '1'], {
      env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${envPort}` },
    });
    fails(fromEnv, 1, new RegExp(`127\\.0\\.0\\.1:${envPort}/api/2\\.0/mlflow/runs/search`));
    const fromFlag = await keel(['runs', 'list', '-x', '1', '--tracking-uri', `http://127.0.0.1:${flagPort}`], {
      env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${envPort}` },
    });
    fails(fromFlag, 1, new RegExp(`127\\.0\\.0\\.1:${flagPort}/`));
  });

  it('defaults to http://127.0.0.1:5000', async () => {
    // The test listens on 5000 itself and records what arrives. If another process holds the
    // port (a developer's own server), the default must reach that same server: the answer is
    // then the one an explicit --tracking-uri http://127.0.0.1:5000 gets.
    const seen: string[] = [];
    const stand = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
    const bound = await listenOn(stand, 5000, 5_000).then(
      () => true,
      (error: NodeJS.ErrnoException) => {
        if (error.code === 'EADDRINUSE') return false;
        throw error;
      },
    );
    if (!bound) {
      const viaDefault = await keel(['models', 'registry', 'list', '--json']);
      const explicit = await keel(['models', 'registry', 'list', '--json', '--tracking-uri', 'http://127.0.0.1:5000']);
      assert.deepEqual([viaDefault.code, viaDefault.stdout], [explicit.code, explicit.stdout]);
      return;
    }
    try {
      ok(await keel(['models', 'registry', 'list']));
      assert.deepEqual(
        seen.map((s) => s.split('?', 1)[0]),
        ['GET /api/2.0/mlflow/registered-models/search'],
      );
    } finally {
      stand.closeAllConnections();
      await new Promise<void>((resolve) => stand.close(() => resolve()));
    }
  });

  it('stops waiting for a server that accepts but never answers after MLFLOW_HTTP_REQUEST_TIMEOUT', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as { port: number };
    try {
      const result = await keel(['experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
        env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0', MLFLOW_HTTP_REQUEST_TIMEOUT: '0.5' },
      });
      // One attempt, cut after 0.5 s: the wait is bounded by the timeout, not by the server.
      const waited = retrySeconds(result.stderr);
      assert.ok(waited >= 0.4 && waited < 5, result.stderr);
      fails(result, 1, /Could not reach the tracking server at .* after 1 attempt\(s\).*timed out after 0\.5 s/);
    } finally {
      silent.closeAllConnections();
      silent.close();
    }
  });

  it('prints the stack trace only with --debug, and names bad settings', async () => {
    const port = await closedPort();
    const debug = await keel(['--debug', 'experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
    });
    assert.equal(debug.code, 1);
    assert.match(debug.stderr, /Could not reach the tracking server/);
    assert.match(debug.stderr, /\n\s+at .+:\d+:\d+/);
    const trailing = await keel(['experiments', 'search', '--debug', '--tracking-uri', `http://127.0.0.1:${port}`], {
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '0' },
    });
    assert.match(trailing.stderr, /\n\s+at .+:\d+:\d+/, '--debug after the sub-command works too');
    fails(
      await keel(['experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
        env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: 'many' },
      }),
      1,
      /MLFLOW_HTTP_REQUEST_MAX_RETRIES must be a number >= 0, got 'many'/,
    );
  });

  it('lists the client-side commands and their shared options in the top-level help', async () => {
    const help = ok(await keel(['--help']));
    for (const group of ['experiments', 'runs', 'artifacts', 'models'])
      assert.match(help, new RegExp(`^\\s+${group}\\b`, 'm'));
    assert.match(help, /MLFLOW_TRACKING_URI, else http:\/\/127\.0\.0\.1:5000/);
    const models = ok(await keel(['models', '--help']));
    for (const sub of ['registry', 'versions', 'alias', 'history'])
      assert.match(models, new RegExp(`^\\s+${sub}\\b`, 'm'));
  });
});
