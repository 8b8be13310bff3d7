/**
 * Group commit: write operations that arrive during the same turn of the event loop share one
 * database transaction, each inside its own savepoint. A failing operation rolls back only its
 * own savepoint and rejects only its own caller; the others commit together. Under concurrent
 * load this replaces N commits (each a WAL write on SQLite, a round trip on PostgreSQL) by one.
 */
import { CompiledQuery, type Kysely } from 'kysely';

interface PendingWrite<DB> {
  readonly fn: (trx: Kysely<DB>) => Promise<unknown>;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Largest number of operations committed together (bounds the latency of the first one). */
const MAX_GROUP = 256;

/** Savepoint statements, compiled once (they are the same SQL in every dialect). */
const SAVEPOINTS = Array.from({ length: MAX_GROUP }, (_, i) => ({
  open: CompiledQuery.raw(`savepoint keel_write_${i}`),
  release: CompiledQuery.raw(`release savepoint keel_write_${i}`),
  rollback: CompiledQuery.raw(`rollback to savepoint keel_write_${i}`),
}));

export class GroupCommitter<DB> {
  private queue: PendingWrite<DB>[] = [];
  private scheduled = false;

  constructor(private readonly runTransaction: <T>(fn: (trx: Kysely<DB>) => Promise<T>) => Promise<T>) {}

  /** Runs `fn` in a shared transaction; resolves once that transaction has committed. */
  write<T>(fn: (trx: Kysely<DB>) => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        // After the current I/O phase: every request parsed in this turn joins the group.
        setImmediate(() => void this.flush());
      }
    });
  }

  private async flush(): Promise<void> {
    const group = this.queue.splice(0, MAX_GROUP);
    if (this.queue.length > 0) setImmediate(() => void this.flush());
    else this.scheduled = false;
    if (group.length === 0) return;
    if (group.length === 1) {
      const only = group[0] as PendingWrite<DB>;
      await this.runTransaction(only.fn).then(only.resolve, only.reject);
      return;
    }
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = [];
    try {
      await this.runTransaction(async (trx) => {
        for (const [i, op] of group.entries()) {
          const savepoint = SAVEPOINTS[i] as (typeof SAVEPOINTS)[number];
          await trx.executeQuery(savepoint.open);
          try {
            const value = await op.fn(trx);
            await trx.executeQuery(savepoint.release);
            outcomes.push({ ok: true, value });
          } catch (error) {
            await trx.executeQuery(savepoint.rollback);
            await trx.executeQuery(savepoint.release);
            outcomes.push({ ok: false, error });
          }
        }
      });
    } catch (error) {
      // The commit itself failed: nothing of the group was stored.
      for (const op of group) op.reject(error);
      return;
    }
    group.forEach((op, i) => {
      const outcome = outcomes[i];
      if (outcome?.ok) op.resolve(outcome.value);
      else op.reject(outcome?.error);
    });
  }
}
