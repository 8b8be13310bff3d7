/** Generated ids of the GenAI entities, in MLflow's formats. */
import { randomBytes, randomUUID } from 'node:crypto';

let lastMs = 0;
let sequence = 0;

/**
 * 32 hex digits ordered by creation within this process: 48 bits of milliseconds, a 16-bit
 * counter for ids made in the same millisecond, then random bits. Records listed in creation
 * order therefore keep the order they were sent in, even within one batch.
 */
export function newOrderedHexId(now: number = Date.now()): string {
  if (now > lastMs) {
    lastMs = now;
    sequence = 0;
  } else if (++sequence > 0xffff) {
    lastMs += 1;
    sequence = 0;
  }
  const bytes = randomBytes(16);
  bytes.writeUIntBE(lastMs, 0, 6);
  bytes.writeUInt16BE(sequence, 6);
  return bytes.toString('hex');
}

/** `d-` and 32 hex digits, like MLflow's evaluation dataset ids. */
export function newDatasetId(): string {
  return `d-${newOrderedHexId()}`;
}

/** `dr-` and 32 hex digits, like MLflow's dataset record ids. */
export function newDatasetRecordId(now?: number): string {
  return `dr-${newOrderedHexId(now)}`;
}

/** A UUID (MLflow's scorer ids). */
export function newScorerId(): string {
  return randomUUID();
}
