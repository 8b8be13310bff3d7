// How client-side commands reach Keel, and what they say when they cannot: the URI tried, after
// a bounded retry budget, never a hang; stack traces only with --debug.
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { closedPort, fails, keel, ok } from './helpers.js';

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
  it('fails within seconds when nothing listens, in one line naming the URL and how to start a server', async () => {
    const port = await closedPort();
    // MLflow's default retry budget (7 retries, minutes of backoff) applies to 429/5xx answers,
    // not to a refused connection: that is retried for about three seconds only.
    const result = await keel(['experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
      env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '' },
    });
    // The attempts' own time, as the message reports it (starting Node can take longer than that
    // on a busy machine).
    const seconds = Number(/attempts? in (\d+\.\d) s/.exec(result.stderr)?.[1]);
    assert.ok(seconds < 10, result.stderr);
    fails(
      result,
      1,
      new RegExp(
        `^Error: Could not connect to http://127\\.0\\.0\\.1:${port}/api/2\\.0/mlflow/experiments/search \\(connection refused, \\d+ attempts? in \\d+\\.\\d s\\): is a Keel or MLflow server running there\\? start one with keel server\n$`,
      ),
    );
    assert.equal(result.stdout, '');
  });

  it("announces each retry of a server that answers 503, within MLflow's budget", async () => {
    const busy = createServer((_req, res) => {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error_code":"TEMPORARILY_UNAVAILABLE","message":"busy"}');
    });
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const { port } = busy.address() as { port: number };
    try {
      const result = await keel(['experiments', 'search', '--tracking-uri', `http://127.0.0.1:${port}`], {
        env: { MLFLOW_HTTP_REQUEST_MAX_RETRIES: '2', MLFLOW_HTTP_REQUEST_BACKOFF_FACTOR: '0.05' },
      });
      fails(result, 1, /Error: TEMPORARILY_UNAVAILABLE: busy/);
      const notices = result.stderr.split('\n').filter((l) => l.startsWith('No answer from'));
      assert.equal(notices.length, 2);
      assert.match(
        notices[0] as string,
        new RegExp(`^No answer from http://127\\.0\\.0\\.1:${port} \\(HTTP 503\\); retry 1 of 2 in \\d+\\.\\d s$`),
      );
    } finally {
      busy.closeAllConnections();
      busy.close();
    }
  });

  it('names a server URI given without a scheme, and https:// spoken to a plain-HTTP server', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'keel-noscheme-'));
    try {
      const result = await keel(['runs', 'list', '-x', '1', '--tracking-uri', '127.0.0.1:5000'], { cwd });
      fails(
        result,
        1,
        /^Error: INVALID_PARAMETER_VALUE: Tracking URI '127\.0\.0\.1:5000' has no scheme: did you mean http:\/\/127\.0\.0\.1:5000\?/,
      );
      assert.deepEqual(readdirSync(cwd), [], 'no directory or store created');
    } finally {
      rmSync(cwd, { recursive: true, force: true });
    }
    const plain = createServer((_req, res) => res.end('{}'));
    await new Promise<void>((resolve) => plain.listen(0, '127.0.0.1', resolve));
    const { port } = plain.address() as { port: number };
    try {
      fails(
        await keel(['experiments', 'search', '--tracking-uri', `https://127.0.0.1:${port}`]),
        1,
        new RegExp(
          `^Error: Could not connect to https://127\\.0\\.0\\.1:${port}/.*: the server there speaks plain HTTP, not HTTPS; use http://127\\.0\\.0\\.1:${port} as the tracking URI\n$`,
        ),
      );
    } finally {
      plain.closeAllConnections();
      plain.close();
    }
  });

  it('takes the URI from MLFLOW_TRACKING_URI, and --tracking-uri wins over it', async () => {
    const envPort = await closedPort();
    const flagPort = await closedPort();
    const fromEnv = await keel(['runs', 'list', '-x', '1'], {
      env: { MLFLOW_TRACKING_URI: `http://127.0.0.1:${envPort}` },
    });
    fails(fromEnv, 1, new RegExp(`127\\.0\\.0\\.1:${envPort}/api/2\\.0/mlflow/experiments/get`));
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
      // Bounded by the timeout (the default would wait 120 s), measured by the attempt itself:
      // starting Node takes longer than that on a busy machine.
      assert.ok(Number(/after 1 attempt in (\d+\.\d) s/.exec(result.stderr)?.[1]) < 5, result.stderr);
      fails(
        result,
        1,
        /Could not reach the tracking server at .* after 1 attempt in \d+\.\d s: .*timed out after 0\.5 s/,
      );
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
    assert.match(debug.stderr, /Could not connect to/);
    assert.match(debug.stderr, /Caused by: .*\n\s+at .+:\d+:\d+/);
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
