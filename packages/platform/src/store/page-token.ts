/**
 * Page tokens in MLflow's format: base64 of the JSON `{"offset": N}`. Clients treat them as
 * opaque; garbage is refused with INVALID_PARAMETER_VALUE.
 */
import { invalidParameter } from '@keel/contract';
import { exceedsJsonDepth } from './bounded-json.js';

export function encodeOffsetToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeOffsetToken(token: string): number {
  let text: string;
  try {
    // Strict base64, as Python's decoder: a wrong alphabet or length is refused.
    if (token.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(token)) throw new Error('not base64');
    text = Buffer.from(token, 'base64').toString('utf8');
  } catch {
    throw invalidParameter('Invalid page token, could not base64-decode');
  }
  let parsed: unknown;
  try {
    if (exceedsJsonDepth(text)) throw new Error('nested too deeply');
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('Invalid page token, decoded value=' + text);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  // A forged offset beyond 2^53 (or 1e300) is not an integer a database can bind.
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalidParameter(`Invalid page token, parsed value=${text}`);
  }
  return offset;
}
