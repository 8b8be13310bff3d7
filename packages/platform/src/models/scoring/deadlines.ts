/**
 * Per-request time limits without a timer per request: pending work is registered with its
 * deadline and one interval timer (running only while something is pending) fails whatever is
 * late. The resolution is a small fraction of the limit (MLflow's is whole seconds).
 */

/** The rejection of work that missed its deadline. */
export class DeadlineExceeded extends Error {
  override readonly name = 'DeadlineExceeded';
}

interface Entry {
  readonly deadline: number;
  fail(): void;
}

/**
 * Deadlines sharing one timer.
 *
 * @example
 * const deadlines = new Deadlines(60_000);
 * const value = await deadlines.race(work, () => controller.abort()); // rejects with DeadlineExceeded when late
 */
export class Deadlines {
  private readonly pending = new Set<Entry>();
  private timer: NodeJS.Timeout | undefined;
  private readonly resolutionMs: number;

  constructor(private readonly limitMs: number) {
    this.resolutionMs = Math.min(500, Math.max(5, Math.floor(limitMs / 20)));
  }

  /** Resolves as `work` does, or rejects with `DeadlineExceeded` (after calling `onLate`) past the limit. */
  race<T>(work: Promise<T>, onLate: () => void): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const entry: Entry = {
        deadline: performance.now() + this.limitMs,
        fail: () => {
          onLate();
          reject(new DeadlineExceeded());
        },
      };
      this.pending.add(entry);
      // Referenced while work is pending (that work must end, by answer or by deadline); cleared when idle.
      this.timer ??= setInterval(() => this.sweep(), this.resolutionMs);
      work.then(
        (value) => {
          this.pending.delete(entry);
          resolve(value);
        },
        (error: unknown) => {
          this.pending.delete(entry);
          reject(error);
        },
      );
    });
  }

  private sweep(): void {
    const now = performance.now();
    for (const entry of this.pending) {
      if (entry.deadline <= now) {
        this.pending.delete(entry);
        entry.fail();
      }
    }
    if (this.pending.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}
