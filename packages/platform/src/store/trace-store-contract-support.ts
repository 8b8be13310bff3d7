/** Helpers shared by the `TraceStore` contract suites. */
import type { SpanRecord, TraceStore } from './trace-store.js';

/** What a sub-suite of the contract needs from the running suite. */
export interface TraceContractContext {
  readonly traces: () => TraceStore;
  /** Creates an experiment and returns its id. */
  readonly newExperiment: () => Promise<string>;
  /** A fresh 32-hex-digit trace id body. */
  readonly hex: () => string;
}

export const T0 = 1_700_000_000_000;

export function span(
  traceHex: string,
  spanHex: string,
  options: Partial<SpanRecord> & { startMs: number; endMs?: number },
) {
  const { startMs, endMs, ...rest } = options;
  const record: SpanRecord = {
    trace_id: `tr-${traceHex}`,
    span_id: spanHex,
    name: 'step',
    status: 'OK',
    start_time_unix_nano: `${BigInt(startMs) * 1_000_000n + 123n}`,
    ...(endMs === undefined ? {} : { end_time_unix_nano: `${BigInt(endMs) * 1_000_000n + 456n}` }),
    content: `{"span_id":"${spanHex}","start_time_unix_nano":${BigInt(startMs) * 1_000_000n + 123n}}`,
    ...rest,
  };
  return record;
}
