// Replays the 253 GenAI golden exchanges recorded from MLflow 3.5 (traces, OTLP ingest,
// assessments, and the areas that come later) in order against a fresh Keel server. Every
// exchange must match, except the deliberate deviations of genai-deviations.json and the
// exchanges of areas not built yet, listed by area in genai-not-yet.json.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';

interface Diff {
  readonly path: string;
  readonly reason: string;
}
interface ExchangeReport {
  readonly id: string;
  readonly ok: boolean;
  readonly diffs: readonly Diff[];
}
interface Deviation {
  readonly reason: string;
  readonly paths?: readonly string[];
}

const here = import.meta.dirname;
const CORPUS = 'mlflow-3.5-genai-exchanges.jsonl';
const corpus = readFileSync(join(here, CORPUS), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { id: string; area: string });
const deviations: Record<string, Deviation> = JSON.parse(readFileSync(join(here, 'genai-deviations.json'), 'utf8'));
delete deviations.$comment;
const notYetByArea: Record<string, string[]> = JSON.parse(readFileSync(join(here, 'genai-not-yet.json'), 'utf8'));
delete notYetByArea.$comment;
const notYet = new Map(Object.entries(notYetByArea).flatMap(([area, ids]) => ids.map((id) => [id, area] as const)));

/** A deviation path as a pattern: `[*]` stands for any list index; sub-paths are included. */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\[\\\*\\\]/g, '\\[\\d+\\]');
  return new RegExp(`^${escaped}($|[.[⟨])`);
}

function tolerated(report: ExchangeReport, deviation: Deviation): boolean {
  if (deviation.paths === undefined) return true;
  const patterns = deviation.paths.map(pathPattern);
  return report.diffs.every((d) => patterns.some((p) => p.test(d.path)));
}

describe('golden MLflow 3.5 GenAI exchanges', () => {
  let keel: TestServer;
  let reports: Map<string, ExchangeReport>;
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-genai-'));

  before(async () => {
    keel = await startTestServer();
    const reportFile = join(workDir, 'report.json');
    const child = spawn(
      process.execPath,
      [join(here, 'replay.mjs'), keel.url, '--corpus', join(here, CORPUS), '--json', reportFile, '--gap-ms', '2'],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
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
  });

  it('matches MLflow on traces, OTLP ingest and assessments, except the listed deviations', () => {
    const unexpected: string[] = [];
    const stale: string[] = [];
    for (const { id } of corpus) {
      if (notYet.has(id)) continue;
      const report = reports.get(id);
      assert.ok(report, `no report for ${id}`);
      const deviation = deviations[id];
      if (report.ok) {
        if (deviation) stale.push(`${id} (listed as a deviation but now matches: remove it)`);
      } else if (!deviation || !tolerated(report, deviation)) {
        unexpected.push(`${id}: ${report.diffs.map((d) => `${d.path} ${d.reason}`.trim()).join('; ')}`);
      }
    }
    assert.deepEqual(unexpected, [], `unexpected differences:\n${unexpected.join('\n')}`);
    assert.deepEqual(stale, []);
  });

  it('lists only exchanges that still differ as not built yet', () => {
    const nowMatching = [...notYet].filter(([id]) => reports.get(id)?.ok).map(([id, area]) => `${area}: ${id}`);
    assert.deepEqual(nowMatching, [], `now matching, remove from genai-not-yet.json:\n${nowMatching.join('\n')}`);
  });

  it('gives a reason for every deviation and names real exchanges', () => {
    const areaOf = new Map(corpus.map((e) => [e.id, e.area]));
    for (const [id, deviation] of Object.entries(deviations)) {
      assert.ok(areaOf.has(id), `${id} is not in the corpus`);
      assert.ok(deviation.reason.length > 20, `${id} needs a reason`);
      assert.ok(!notYet.has(id), `${id} is both a deviation and not built yet`);
    }
    for (const [id, area] of notYet) assert.equal(areaOf.get(id), area, `${id} is not an exchange of ${area}`);
  });
});
