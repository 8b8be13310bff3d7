// Replays the golden exchanges recorded from MLflow 3.5 against a fresh Keel server. Every
// exchange must give MLflow's answer, or, when deviations.json lists it, the answer recorded
// there: status, error code, Content-Type and every JSON value are compared either way.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import { applyDeviation, checkDeviations, type DeviationCounts } from './deviations.mjs';
import { readCountsBlock, renderCounts } from './readme-counts.mjs';
import { applyCaptures, readCorpus, readDeviations } from './replay.mjs';

interface ExchangeReport {
  readonly id: string;
  readonly ok: boolean;
  readonly diffs: readonly { readonly path: string; readonly reason: string }[];
}

const here = import.meta.dirname;
const corpus = readCorpus(join(here, 'mlflow-3.5-exchanges.jsonl'));
const deviationsFile = join(here, 'deviations.json');
const deviations = readDeviations(deviationsFile);

describe('golden MLflow 3.5 exchanges', () => {
  let keel: TestServer;
  let reports: Map<string, ExchangeReport>;
  let counts: DeviationCounts;
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-'));

  before(async () => {
    keel = await startTestServer();
    const reportFile = join(workDir, 'report.json');
    const args = [
      join(here, 'replay.mjs'),
      keel.url,
      '--deviations',
      deviationsFile,
      '--json',
      reportFile,
      '--gap-ms',
      '2',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    await new Promise((resolve) => child.on('exit', resolve));
    const parsed = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      counts: DeviationCounts;
      exchanges: ExchangeReport[];
    };
    reports = new Map(parsed.exchanges.map((r) => [r.id, r]));
    counts = parsed.counts;
  });

  after(async () => {
    await keel.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('replays every exchange', () => {
    assert.equal(reports.size, corpus.length);
  });

  it("gives MLflow's answer, or the answer its deviation records, on every exchange", () => {
    const failed = [...reports.values()]
      .filter((r) => !r.ok)
      .map((r) => `${r.id}: ${r.diffs.map((d) => `${d.path} ${d.reason}`.trim()).join('; ')}`);
    assert.deepEqual(failed, [], `differences:\n${failed.join('\n')}`);
  });

  it("lists each deviation with a reason, the paths that differ and Keel's answer at each", () => {
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

  it('README quotes the counts this replay verified', () => {
    const readme = readFileSync(join(here, '..', '..', 'README.md'), 'utf8');
    assert.equal(readCountsBlock(readme), renderCounts(counts), 'run: npm run golden -- --update-readme');
    assert.equal(counts.exchanges, corpus.length);
    assert.equal(counts.exact, [...reports.keys()].filter((id) => !deviations[id]).length);
  });
});
