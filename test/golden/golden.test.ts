// Replays the 523 golden exchanges recorded from MLflow 3.5 against a fresh Keel server and
// requires every exchange to match, except the deliberate deviations listed (with reasons) in
// deviations.json.
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
const corpus = readFileSync(join(here, 'mlflow-3.5-exchanges.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as { id: string });
const deviations: Record<string, Deviation> = JSON.parse(readFileSync(join(here, 'deviations.json'), 'utf8'));
delete deviations.$comment;

/** A deviation path as a pattern: `[*]` stands for any list index; sub-paths are included. */
function pathPattern(path: string): RegExp {
  const escaped = path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/\\\[\\\*\\\]/g, '\\[\\d+\\]');
  return new RegExp(`^${escaped}($|[.[])`);
}

function tolerated(report: ExchangeReport, deviation: Deviation): boolean {
  if (deviation.paths === undefined) return true;
  const patterns = deviation.paths.map(pathPattern);
  return report.diffs.every((d) => patterns.some((p) => p.test(d.path)));
}

describe('golden MLflow 3.5 exchanges', () => {
  let keel: TestServer;
  let reports: Map<string, ExchangeReport>;
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-'));

  before(async () => {
    keel = await startTestServer();
    const reportFile = join(workDir, 'report.json');
    const child = spawn(process.execPath, [join(here, 'replay.mjs'), keel.url, '--json', reportFile, '--gap-ms', '2'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await new Promise((resolve) => child.on('exit', resolve));
    const parsed = JSON.parse(readFileSync(reportFile, 'utf8')) as { exchanges: ExchangeReport[] };
    reports = new Map(parsed.exchanges.map((r) => [r.id, r]));
  });

  after(async () => {
    await keel.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('replays every exchange', () => {
    assert.equal(reports.size, corpus.length);
  });

  it('matches MLflow except the listed deviations', () => {
    const unexpected: string[] = [];
    const stale: string[] = [];
    for (const { id } of corpus) {
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

  it('gives a reason for every deviation', () => {
    for (const [id, deviation] of Object.entries(deviations)) {
      assert.ok(
        corpus.some((e) => e.id === id),
        `${id} is not in the corpus`,
      );
      assert.ok(deviation.reason.length > 20, `${id} needs a reason`);
    }
  });
});
