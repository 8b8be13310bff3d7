/**
 * Encodes a log batch as JSON by hand. Metric points are the hot path of the fluent API (a
 * million of them become a thousand requests), and building the text directly is about four
 * times faster than `JSON.stringify` on the point objects, leaving the CPU to the training
 * script (and, on one machine, to the server).
 */
import type { LogBatch } from './log-queue.js';

const encodedKeys = new Map<string, string>();

/** The JSON text of a key, memoised: the same few keys are logged many times. */
function encodeKey(key: string): string {
  let text = encodedKeys.get(key);
  if (text === undefined) {
    text = JSON.stringify(key);
    if (encodedKeys.size < 100_000) encodedKeys.set(key, text);
  }
  return text;
}

/**
 * The `runs/log-batch` request body for `batch`, identical to `JSON.stringify` of
 * `{ run_id, metrics, params, tags }` with empty lists left out.
 *
 * @example
 * encodeLogBatch('abc', { metrics: [{ key: 'm', value: 1, timestamp: 0, step: 0 }], params: [], tags: [] });
 */
export function encodeLogBatch(runId: string, batch: LogBatch): string {
  let text = `{"run_id":${JSON.stringify(runId)}`;
  const metrics = batch.metrics;
  if (metrics.length > 0) {
    text += ',"metrics":[';
    for (let i = 0; i < metrics.length; i++) {
      const m = metrics[i] as LogBatch['metrics'][number];
      // Finite values are numbers (same text as JSON); NaN and infinities are already strings.
      const value = typeof m.value === 'number' ? m.value : `"${m.value}"`;
      text += `${i === 0 ? '' : ','}{"key":${encodeKey(m.key)},"value":${value},"timestamp":${m.timestamp},"step":${m.step}}`;
    }
    text += ']';
  }
  if (batch.params.length > 0) text += `,"params":${JSON.stringify(batch.params)}`;
  if (batch.tags.length > 0) text += `,"tags":${JSON.stringify(batch.tags)}`;
  return `${text}}`;
}
