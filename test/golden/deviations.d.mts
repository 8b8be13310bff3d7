// Types for deviations.mjs (plain JavaScript so the replay runs on bare Node with no build step).

/** One exchange of the corpus (only the parts the types here need). */
export interface Exchange {
  readonly id: string;
  readonly response: { readonly status: number; readonly content_type: string; readonly body: unknown };
  readonly [key: string]: unknown;
}

/** One entry of deviations.json; see README.md in this folder. */
export interface Deviation {
  readonly reason: string;
  readonly follows?: readonly string[];
  readonly paths: readonly string[];
  readonly keel: Readonly<Record<string, unknown>>;
}

export interface DeviationCounts {
  readonly exchanges: number;
  readonly exact: number;
  readonly deviations: number;
  readonly deliberate: number;
  readonly followOn: number;
}

export function applyDeviation(
  ex: Exchange,
  deviation: Deviation,
  expVars: Record<string, unknown>,
  omit?: string,
): { exchange: Exchange; problems: string[] };
export function checkDeviations(
  corpus: readonly Exchange[],
  deviations: Record<string, Deviation>,
): Record<string, string[]>;
export function countDeviations(corpus: readonly Exchange[], deviations: Record<string, Deviation>): DeviationCounts;
