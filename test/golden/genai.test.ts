// Replays the GenAI golden exchanges recorded from MLflow 3.5 (traces v3 and v2, trace search,
// OTLP ingest, assessments, evaluation datasets, scorers, prompts, GraphQL, route details and the
// setup they build on) in order against a fresh Keel server: each gives MLflow's answer, or the
// answer genai-deviations.json records for it.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { applyDeviation, checkDeviations } from './deviations.mjs';
import { applyCaptures, readCorpus, readDeviations } from './replay.mjs';

interface ExchangeReport {
  readonly id: string;
  readonly ok: boolean;
  readonly diffs: readonly { readonly path: string; readonly reason: string }[];
}

const here = import.meta.dirname;
const corpusFile = join(here, 'mlflow-3.5-genai-exchanges.jsonl');
const corpus = readCorpus(corpusFile);
const deviationsFile = join(here, 'genai-deviations.json');
const deviations = readDeviations(deviationsFile);

describe('golden MLflow 3.5 GenAI exchanges', () => {
  let keel: TestServer;
  let reports: Map<string, ExchangeReport>;
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-genai-'));

  before(async () => {
    keel = await startTestServer();
    const reportFile = join(workDir, 'report.json');
    const args = [
      join(here, 'replay.mjs'),
      keel.url,
      '--corpus',
      corpusFile,
      '--deviations',
      deviationsFile,
      '--json',
      reportFile,
      '--gap-ms',
      '2',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((resolve) => child.on('exit', resolve));
    const parsed = JSON.parse(readFileSync(reportFile, 'utf8')) as { exchanges: ExchangeReport[] };
    reports = new Map(parsed.exchanges.map((r) => [r.id, r]));
  });

  after(async () => {
    await keel.close();
    rmSync(workDir, { recursive: true, force: true });
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
