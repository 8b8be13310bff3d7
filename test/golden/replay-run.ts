// Runs replay.mjs (a child process, as a user runs it) against a fresh Keel test server and reads
// its JSON report: what golden.test.ts and genai.test.ts judge.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestServer } from '@keel/platform/testing';
import type { DeviationCounts } from './deviations.mjs';

/** One exchange's outcome in the replay's report. */
export interface ExchangeReport {
  readonly id: string;
  readonly ok: boolean;
  readonly diffs: readonly { readonly path: string; readonly reason: string }[];
}

/** The replay's report: each exchange's outcome by id, and the corpus counts. */
export interface ReplayReport {
  readonly reports: Map<string, ExchangeReport>;
  readonly counts: DeviationCounts;
}

/** Replays `corpusFile` with `deviationsFile` applied against a fresh server, which is then closed. */
export async function replayOnFreshServer(corpusFile: string, deviationsFile: string): Promise<ReplayReport> {
  const keel = await startTestServer();
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-'));
  try {
    const reportFile = join(workDir, 'report.json');
    const args = [
      join(import.meta.dirname, 'replay.mjs'),
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
    const parsed = JSON.parse(readFileSync(reportFile, 'utf8')) as {
      counts: DeviationCounts;
      exchanges: ExchangeReport[];
    };
    return { reports: new Map(parsed.exchanges.map((r) => [r.id, r])), counts: parsed.counts };
  } finally {
    await keel.close();
    rmSync(workDir, { recursive: true, force: true });
  }
}
