// The generative endpoint test's engine: a real Keel server on a real SQLite file, a few
// entities to aim at, and one fast-check property per endpoint of the contract tables (and per
// raw artifact route) that sends random and hostile requests over HTTP and checks each answer:
// a 2xx, or a 4xx carrying MLflow's error JSON; never a 5xx; and whatever was acknowledged reads
// back unchanged (`read-back.ts`). Used by `test/fuzz/endpoints.test.ts` (fixed seed, few cases)
// and `bench/fuzz.ts` (any seed, many cases).
import type { HttpMethod } from '@keel/contract';
import fc from 'fast-check';
import { type FuzzServer, healFixtures } from './fixtures.js';
import { readBackJson, readBackRaw } from './read-back.js';
import type { FuzzTarget } from './targets.js';
import { describeCase, type FuzzCase, problemWith, sendCase } from './transport.js';

export { type FuzzServer, healFixtures, startFuzzServer } from './fixtures.js';
export { allTargets, type FuzzTarget } from './targets.js';

/** Endpoints whose success may leave a fixture deleted, restored or renamed. */
const DISTURBING = /^(delete|rename|restore|updateExperiment)/;

/** Sends one case and checks the answer, then what it acknowledged; throws on any problem. */
export async function checkCase(server: FuzzServer, target: FuzzTarget, c: FuzzCase): Promise<void> {
  const res = await sendCase(server.keel.url, c);
  const seen = server.statuses.get(target.name) ?? new Map<number, number>();
  seen.set(res.status, (seen.get(res.status) ?? 0) + 1);
  server.statuses.set(target.name, seen);
  let problem = problemWith(res);
  // A method the endpoint does not take may reach another endpoint on the same path (DELETE
  // /registered-models/alias); only the endpoint's own methods are read back as its writes.
  const ownMethod = c.endpoint === undefined || c.endpoint.methods.includes(c.method as HttpMethod);
  if (problem === undefined && res.status === 200 && ownMethod) {
    try {
      problem = c.endpoint ? await readBackJson(server, c, res) : await readBackRaw(server, c, res);
    } catch (error) {
      problem = `reading back what was acknowledged failed: ${(error as Error).message}`;
    }
  }
  if (problem !== undefined) throw new Error(`${problem}\n  request: ${describeCase(c)}`);
  if (res.status < 300 && c.endpoint !== undefined && DISTURBING.test(c.endpoint.name)) await healFixtures(server);
}

export interface FuzzRunOptions {
  readonly seed: number;
  readonly runsPerTarget: number;
}

/**
 * Runs one target's property; resolves when it holds, rejects with the problem, the request
 * and how to replay it. No shrinking: the server's state moves on with every request, so a
 * shrunk case would not fail the same way; the seed and path replay the original.
 */
export async function fuzzTarget(server: FuzzServer, target: FuzzTarget, options: FuzzRunOptions): Promise<void> {
  // Artifact targets start with the fixture files in place (earlier deletes may have hit them).
  await healFixtures(server, /rtifact/.test(target.name));
  const details = await fc.check(
    fc.asyncProperty(target.cases, (c) => checkCase(server, target, c)),
    { seed: options.seed, numRuns: options.runsPerTarget, endOnFailure: true },
  );
  if (details.failed) {
    const cause =
      details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
    throw new Error(
      `${target.name} failed on case ${details.numRuns} (replay: seed ${details.seed}, path "${details.counterexamplePath}"):\n  ${cause}`,
    );
  }
}
