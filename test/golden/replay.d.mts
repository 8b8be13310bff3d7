// Types for the parts of replay.mjs that the TypeScript tests use.
import type { Deviation, Exchange } from './deviations.mjs';

export function readCorpus(file: string): Exchange[];
export function readDeviations(file: string): Record<string, Deviation>;
export function applyCaptures(ex: Exchange, body: unknown, vars: Record<string, unknown>): string[];
