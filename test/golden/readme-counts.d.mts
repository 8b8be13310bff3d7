// Types for readme-counts.mjs.
import type { DeviationCounts } from './deviations.mjs';

export const BEGIN: string;
export const END: string;
export function renderCounts(counts: DeviationCounts): string;
export function readCountsBlock(readme: string): string | undefined;
export function writeCountsBlock(readme: string, counts: DeviationCounts): string;
