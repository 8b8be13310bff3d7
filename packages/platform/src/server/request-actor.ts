/**
 * Who is making a request, for the registry's audit trail. Keel does not authenticate; it
 * records what the caller says: the user name of an `Authorization: Basic` header (what MLflow
 * clients send with `MLFLOW_TRACKING_USERNAME`), else an `X-Keel-User` header, else "unknown".
 */
import type { FastifyRequest } from 'fastify';
import type { Actor } from '../store/registry-store.js';

const UNKNOWN_USER = 'unknown';
const MAX_USER_LENGTH = 256;

function basicAuthUser(header: string | undefined): string | undefined {
  const match = header === undefined ? null : /^\s*basic\s+([A-Za-z0-9+/=_-]+)\s*$/i.exec(header);
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = colon < 0 ? decoded : decoded.slice(0, colon);
  return user === '' ? undefined : user;
}

/** The actor of a request: Basic-auth user, else `X-Keel-User`, else "unknown". */
export function requestActor(request: Pick<FastifyRequest, 'headers'>): Actor {
  const header = request.headers['x-keel-user'];
  const declared = (Array.isArray(header) ? header[0] : header)?.trim();
  const user = basicAuthUser(request.headers.authorization) ?? (declared || undefined) ?? UNKNOWN_USER;
  // Control characters would make the trail unreadable; long names are cut, not refused.
  const printable = [...user].filter((c) => c >= ' ' && c !== '\u007f').join('');
  return { user: printable.slice(0, MAX_USER_LENGTH) || UNKNOWN_USER };
}
