// The retry deadline: however many retries are allowed, no retry starts once `deadlineMs` has
// passed since the first attempt, and a Retry-After that reaches past it is not waited for.
import assert from 'node:assert/strict';
import { after, describe, test } from 'node:test';
import { KeelClient, MlflowError } from '@keel/client';
import { closedPort, json, scriptedServer } from './support.js';

const DEADLINE_MS = 600;
/** Many more retries than fit in the deadline, with short waits. */
const RETRY = { maxRetries: 200, backoffFactorMs: 20, backoffJitterMs: 0, backoffMaxMs: 40, deadlineMs: DEADLINE_MS };

describe('retry deadline', { timeout: 20_000 }, () => {
  const closers: (() => Promise<void>)[] = [];
  after(async () => {
    for (const close of closers) await close();
  });

  test('a server that keeps answering 503 is retried until the deadline, then its answer is reported', async () => {
    const s = await scriptedServer((_req, _i, res) =>
      json(res, 503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }),
    );
    closers.push(s.close);
    const client = new KeelClient({ trackingUri: s.url, retry: RETRY });
    const started = Date.now();
    await assert.rejects(client.getRun({ run_id: 'r' }), { code: 'TEMPORARILY_UNAVAILABLE', status: 503 });
    const elapsed = Date.now() - started;
    assert.ok(s.seen.length > 3, `retried (${s.seen.length} attempts)`);
    assert.ok(
      s.seen.length < RETRY.maxRetries,
      `stopped by the deadline, not by maxRetries (${s.seen.length} attempts)`,
    );
    const lastStart = (s.seen.at(-1)?.at ?? 0) - (s.seen[0]?.at ?? 0);
    assert.ok(lastStart <= DEADLINE_MS, `no attempt after the deadline (last at ${lastStart} ms)`);
    assert.ok(elapsed < DEADLINE_MS + 500, `gave up soon after the deadline (${elapsed} ms)`);
  });

  test('an unreachable server is retried until the deadline, then fails naming the attempts', async () => {
    const port = await closedPort();
    const client = new KeelClient({ trackingUri: `http://127.0.0.1:${port}`, retry: RETRY });
    const started = Date.now();
    const error = await client.getRun({ run_id: 'r' }).catch((e: unknown) => e);
    const elapsed = Date.now() - started;
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'TEMPORARILY_UNAVAILABLE');
    const attempts = Number(/(\d+) attempts? in \d+\.\d s/.exec(error.message)?.[1]);
    // Refused connections wait 250 ms, then 500 ms cut short at the deadline: three attempts.
    assert.ok(attempts >= 3 && attempts < RETRY.maxRetries, `${attempts} attempts`);
    assert.ok(elapsed >= DEADLINE_MS - 50, `kept trying until the deadline (${elapsed} ms)`);
    assert.ok(elapsed < DEADLINE_MS + 500, `gave up soon after the deadline (${elapsed} ms)`);
  });

  test('a Retry-After that ends past the deadline is not waited for', async () => {
    const s = await scriptedServer((_req, _i, res) =>
      json(res, 429, { error_code: 'RESOURCE_EXHAUSTED', message: 'slow down' }, { 'retry-after': '30' }),
    );
    closers.push(s.close);
    const client = new KeelClient({ trackingUri: s.url, retry: { ...RETRY, backoffMaxMs: 60_000 } });
    const started = Date.now();
    await assert.rejects(client.getRun({ run_id: 'r' }), { code: 'RESOURCE_EXHAUSTED', status: 429 });
    assert.equal(s.seen.length, 1);
    assert.ok(Date.now() - started < DEADLINE_MS, 'answered at once');
  });
});
