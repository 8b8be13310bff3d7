/** Turns failed responses into `MlflowError`s, as MLflow's Python client does. */
import { errorCodeForStatus, MlflowError } from '@keel/contract';

/** Strips markup and whitespace runs from a non-JSON error body so it reads as one line. */
function summarize(text: string): string {
  return text
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 300);
}

/**
 * The error for a non-200 response. A JSON body with `error_code` gives the code and message
 * (unknown codes are kept in `rawCode`); any other body gets a code derived from the status and a
 * message that starts with `target` (what was attempted, e.g. `API request to <url>`).
 *
 * @example
 * throw errorFromResponse(404, '{"error_code":"RESOURCE_DOES_NOT_EXIST","message":"Run with id=x not found"}', `API request to ${url}`);
 */
export function errorFromResponse(status: number, text: string, target: string): MlflowError {
  if (text.trimStart().startsWith('{')) {
    try {
      const body = JSON.parse(text) as { error_code?: unknown; message?: unknown };
      if (typeof body.error_code === 'string') {
        const message = typeof body.message === 'string' ? body.message : summarize(text);
        return new MlflowError(body.error_code, message, { status });
      }
    } catch {
      // Not JSON after all: fall through to the status-derived code.
    }
  }
  const detail = summarize(text);
  return new MlflowError(
    errorCodeForStatus(status),
    `${target} failed with HTTP ${status}${detail === '' ? '' : `: ${detail}`}`,
    { status },
  );
}
