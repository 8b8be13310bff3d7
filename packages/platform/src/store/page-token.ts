/**
 * Page tokens in MLflow's format: base64 of the JSON `{"offset": N}`. Clients treat them as
 * opaque; garbage is refused with INVALID_PARAMETER_VALUE.
 */
import { invalidParameter } from '@keel/contract';

export function encodeOffsetToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodeOffsetToken(token: string): number {
  let text: string;
  try {
    // Python's decoder (MLflow's) also refuses input whose length is not a multiple of 4.
    if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(token) || token.length % 4 !== 0) throw new Error('not base64');
    text = Buffer.from(token, 'base64').toString('utf8');
  } catch {
    throw invalidParameter('Invalid page token, could not base64-decode');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw invalidParameter('Invalid page token, decoded value=' + text);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isInteger(offset) || offset < 0) {
    throw invalidParameter(`Invalid page token, parsed value=${text}`);
  }
  return offset;
}
