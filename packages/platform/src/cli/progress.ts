/**
 * Progress of artifact transfers on stderr: a bar redrawn in place on a terminal, and a plain
 * line every few seconds otherwise (CI logs keep every line, so redrawing would flood them).
 * Either way a summary line closes the transfer.
 */
import { formatBytes, formatDuration } from './format.js';
import type { CliIo } from './output.js';

/** What a transfer reports (the SDK's `TransferProgress`). */
export interface ProgressSnapshot {
  readonly bytes: number;
  readonly totalBytes: number;
  readonly filesDone: number;
  readonly filesTotal: number;
}

/** Receives snapshots and closes with a summary. */
export interface ProgressReporter {
  update(snapshot: ProgressSnapshot): void;
  /** Clears the bar and prints `<past verb> N files (size) in T`. */
  finish(): void;
}

/** Tuning knobs, for tests. */
export interface ProgressOptions {
  readonly now?: () => number;
  /** Least time between plain lines when stderr is not a terminal (default 5 s). */
  readonly lineIntervalMs?: number;
  /** Least time between redraws on a terminal (default 100 ms). */
  readonly redrawIntervalMs?: number;
}

const BAR_WIDTH = 24;

function percent(s: ProgressSnapshot): number {
  if (s.totalBytes > 0) return Math.min(100, Math.floor((s.bytes / s.totalBytes) * 100));
  return s.filesTotal > 0 ? Math.floor((s.filesDone / s.filesTotal) * 100) : 0;
}

function counts(s: ProgressSnapshot): string {
  return `${formatBytes(s.bytes)} of ${formatBytes(s.totalBytes)}, ${s.filesDone}/${s.filesTotal} files`;
}

/**
 * A reporter for one transfer. `verb` is the present participle ("Downloading"), `pastVerb`
 * the summary's ("Downloaded").
 *
 * @example
 * const progress = createProgress(io, 'Downloading', 'Downloaded');
 * await downloadFromStore(store, 'model', dst, { onProgress: (p) => progress.update(p) });
 * progress.finish();
 */
export function createProgress(
  io: CliIo,
  verb: string,
  pastVerb: string,
  options: ProgressOptions = {},
): ProgressReporter {
  const now = options.now ?? (() => performance.now());
  const started = now();
  const tty = io.errIsTty === true && io.errRaw !== undefined;
  const interval = tty ? (options.redrawIntervalMs ?? 100) : (options.lineIntervalMs ?? 5000);
  let last: ProgressSnapshot = { bytes: 0, totalBytes: 0, filesDone: 0, filesTotal: 0 };
  let shownAt = started;
  let drawn = 0;

  const draw = () => {
    const pct = percent(last);
    if (tty) {
      const filled = Math.round((pct / 100) * BAR_WIDTH);
      const text = `${verb} [${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}] ${String(pct).padStart(3)}%  ${counts(last)}`;
      io.errRaw?.(`\r${text.padEnd(drawn)}`);
      drawn = text.length;
    } else {
      io.err(`${verb}: ${pct}% (${counts(last)})`);
    }
  };

  return {
    update(snapshot) {
      last = snapshot;
      const t = now();
      if (t - shownAt < interval) return;
      shownAt = t;
      draw();
    },
    finish() {
      if (tty && drawn > 0) io.errRaw?.(`\r${' '.repeat(drawn)}\r`);
      const files = `${last.filesDone} file${last.filesDone === 1 ? '' : 's'}`;
      io.err(`${pastVerb} ${files} (${formatBytes(last.bytes)}) in ${formatDuration(now() - started)}`);
    },
  };
}
