// The generative endpoint test (test/fuzz) for longer runs: every endpoint of the contract
// tables and every artifact route, N cases each, any seed. Prints the status codes each target
// answered and the time it took; exits 1 at the first problem, with fast-check's report (seed
// and shrunk counterexample) so it can be replayed.
//
//   npm run fuzz                                   # 300 cases per target, random seed
//   npm run fuzz -- --runs 2000 --seed 42          # longer, reproducible
//   npm run fuzz -- --only logBatch --runs 5000    # targets whose name contains "logBatch"
import { parseArgs } from 'node:util';
import { allTargets, fuzzTarget, startFuzzServer } from '../test/fuzz/harness.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '300' },
    seed: { type: 'string' },
    only: { type: 'string' },
    'keep-going': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});
if (values.help) {
  console.log('usage: npm run fuzz -- [--runs N] [--seed S] [--only SUBSTRING] [--keep-going]');
  process.exit(0);
}
const runsPerTarget = Number(values.runs);
const seed = values.seed === undefined ? Date.now() % 2 ** 31 : Number(values.seed);
if (!Number.isInteger(runsPerTarget) || runsPerTarget < 1 || !Number.isInteger(seed)) {
  console.error('--runs and --seed must be integers');
  process.exit(2);
}

const server = await startFuzzServer();
const targets = allTargets(server.fixtures).filter((t) => values.only === undefined || t.name.includes(values.only));
console.log(`fuzzing ${targets.length} targets, ${runsPerTarget} cases each, seed ${seed}`);
const started = performance.now();
let failures = 0;
for (const target of targets) {
  const t0 = performance.now();
  try {
    await fuzzTarget(server, target, { seed, runsPerTarget });
  } catch (error) {
    console.error(`\nFAIL ${(error as Error).message}\n`);
    failures++;
    if (!values['keep-going']) break;
    continue;
  }
  const statuses = [...(server.statuses.get(target.name) ?? new Map()).entries()]
    .sort(([a], [b]) => a - b)
    .map(([status, n]) => `${status}x${n}`)
    .join(' ');
  console.log(`${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s  ${target.name}: ${statuses}`);
}
const verdict = failures > 0 ? `FAILED (${failures} target(s))` : 'passed';
console.log(`\n${verdict} after ${((performance.now() - started) / 1000).toFixed(1)} s (seed ${seed})`);
await server.close();
process.exit(failures > 0 ? 1 : 0);
