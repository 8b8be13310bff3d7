/** MLflow's `--older-than` durations: `30d`, `1d2h3m4s`, `1.5d`. */

const UNITS_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1000 } as const;
const DURATION = /^(?:(\d+(?:\.\d+)?)d)?(?:(\d+(?:\.\d+)?)h)?(?:(\d+(?:\.\d+)?)m)?(?:(\d+(?:\.\d+)?)s)?$/;

/**
 * Milliseconds in a duration of days, hours, minutes and seconds, in that order; throws a
 * one-line error for anything else.
 *
 * @example
 * parseDuration('1d2h'); // 93_600_000
 */
export function parseDuration(text: string): number {
  const match = DURATION.exec(text.trim());
  if (match === null || text.trim() === '') {
    throw new Error(`Invalid duration '${text}': use days, hours, minutes and seconds like 30d, 1d2h3m4s or 1.5d.`);
  }
  const [, d, h, m, s] = match;
  return Math.round(
    Number(d ?? 0) * UNITS_MS.d +
      Number(h ?? 0) * UNITS_MS.h +
      Number(m ?? 0) * UNITS_MS.m +
      Number(s ?? 0) * UNITS_MS.s,
  );
}
