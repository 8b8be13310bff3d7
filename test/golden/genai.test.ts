// Replays the GenAI golden exchanges recorded from MLflow 3.5 (traces v3 and v2, trace search,
// OTLP ingest, assessments, evaluation datasets, scorers, prompts, GraphQL, route details and the
// setup they build on) in order against a fresh Keel server: each gives MLflow's answer, or the
// answer genai-deviations.json records for it.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { applyDeviation, checkDeviations, countDeviations } from './deviations.mjs';
import { applyCaptures, readCorpus, readDeviations } from './replay.mjs';
import { type ExchangeReport, replayOnFreshServer } from './replay-run.js';

const here = import.meta.dirname;
const corpusFile = join(here, 'mlflow-3.5-genai-exchanges.jsonl');
const corpus = readCorpus(corpusFile);
const deviationsFile = join(here, 'genai-deviations.json');
const deviations = readDeviations(deviationsFile);

describe('golden MLflow 3.5 GenAI exchanges', () => {
  let reports: Map<string, ExchangeReport>;

  before(async () => {
    ({ reports } = await replayOnFreshServer(corpusFile, deviationsFile));
  });

  it('replays every exchange, in order', () => {
    assert.equal(reports.size, corpus.length);
    assert.ok(corpus.length >= 250, `only ${corpus.length} exchanges in the corpus`);
  });

  it("gives MLflow's answer, or the answer its deviation records, on every exchange", () => {
    const failed = corpus
      .map((ex) => reports.get(ex.id) as ExchangeReport)
      .filter((r) => !r.ok)
      .map((r) => `${r.id}: ${r.diffs.map((d) => `${d.path} ${d.reason}`.trim()).join('; ')}`);
    assert.deepEqual(failed, [], `differences:\n${failed.join('\n')}`);
  });

  it("lists each deviation with a reason, the paths that differ and Keel's answer", () => {
    assert.deepEqual(checkDeviations(corpus, deviations), {});
  });

  it('is quoted with its true counts in the README', () => {
    const c = countDeviations(corpus, deviations);
    const readme = readFileSync(join(here, '../../README.md'), 'utf8').replace(/\s+/g, ' ');
    for (const claim of [
      `replays the ${c.exchanges} GenAI exchanges`,
      `${c.exact} match MLflow exactly. The other ${c.deviations} are listed`,
      `${c.deliberate} differ on purpose`,
      `and ${c.followOn} only because of an earlier deliberate difference`,
    ]) {
      assert.ok(readme.includes(claim), `README.md should say "${claim}"`);
    }
  });

  it('excuses only the values that differ: no entry masks a whole object or list', () => {
    const expVars: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const ex of corpus) {
      applyCaptures(ex, ex.response.body, expVars);
      const deviation = deviations[ex.id];
      if (deviation) problems.push(...applyDeviation(ex, deviation, expVars).problems.map((p) => `${ex.id}: ${p}`));
    }
    assert.deepEqual(problems, []);
  });
});
