/**
 * How PostgreSQL and `pg` driver failures are classified: what a retry may cure (lost
 * connections, deadlocks, serialization failures), what the client got wrong, and what the
 * store reports as `TEMPORARILY_UNAVAILABLE` once retries are exhausted.
 */
import { MlflowError } from '@keel/contract';

/** What kind of failure an error is, for the retry loop and the translation to MLflow errors. */
export type PostgresFailure =
  /** The server is unreachable or the connection broke: retry while the operation has not committed. */
  | 'connection'
  /** Deadlock or serialization failure: the transaction was rolled back, retrying is safe. */
  | 'conflict'
  /** A unique key was taken by a concurrent transaction: retrying re-runs the existence checks. */
  | 'unique'
  /** Any other error: not retried. */
  | 'other';

/** Node socket errors that mean the server is not (or no longer) reachable. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** SQLSTATEs of a server shutting down, restarting, or out of connections. */
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03', '53300', '53400']);

/** The driver's messages for a connection that ended or could not be made in time. */
const CONNECTION_MESSAGES = [
  /Connection terminated/i,
  /timeout exceeded when trying to connect/i,
  /Client has encountered a connection error/i,
  /Client was closed and is not queryable/i,
  /Connection has been discarded/i,
];

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Classifies a thrown error (from `pg`, the pool or Kysely's driver). */
export function classifyPostgresError(error: unknown): PostgresFailure {
  if (!(error instanceof Error) || error instanceof MlflowError) return 'other';
  const code = codeOf(error);
  if (code !== undefined) {
    if (SOCKET_CODES.has(code) || UNAVAILABLE_STATES.has(code) || code.startsWith('08')) return 'connection';
    if (code === '40001' || code === '40P01') return 'conflict';
    if (code === '23505') return 'unique';
  }
  if (CONNECTION_MESSAGES.some((pattern) => pattern.test(error.message))) return 'connection';
  return 'other';
}

/**
 * The MLflow error a PostgreSQL failure becomes: unreachable database or exhausted retries ->
 * TEMPORARILY_UNAVAILABLE (503, which clients retry); integrity violations -> BAD_REQUEST, as
 * on SQLite; bad data the database refuses (a NUL character in text, a number out of range)
 * -> INVALID_PARAMETER_VALUE. Anything else stays as it is (an internal error at the boundary).
 */
export function translatePostgresError(error: unknown): unknown {
  if (!(error instanceof Error) || error instanceof MlflowError) return error;
  const failure = classifyPostgresError(error);
  if (failure === 'connection') {
    return new MlflowError('TEMPORARILY_UNAVAILABLE', `The backend store is unavailable: ${error.message}`, {
      cause: error,
    });
  }
  if (failure === 'conflict') {
    return new MlflowError('TEMPORARILY_UNAVAILABLE', `Concurrent update conflict, please retry: ${error.message}`, {
      cause: error,
    });
  }
  const code = codeOf(error) ?? '';
  if (code.startsWith('23')) return new MlflowError('BAD_REQUEST', error.message, { cause: error });
  if (code.startsWith('22') || code === '54000') {
    return new MlflowError('INVALID_PARAMETER_VALUE', `The backend store refused a value: ${error.message}`, {
      cause: error,
    });
  }
  return error;
}

/** A one-line reason for a failed first connection: wrong host, port, credentials or database. */
export function describeConnectFailure(error: unknown, target: string): string {
  const code = codeOf(error);
  const message = error instanceof Error ? error.message : String(error);
  switch (code) {
    case 'ECONNREFUSED':
      return `Cannot connect to PostgreSQL at ${target}: connection refused (is the server running and listening there?)`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `Cannot connect to PostgreSQL at ${target}: unknown host`;
    case '28P01':
    case '28000':
      return `Cannot connect to PostgreSQL at ${target}: authentication failed (${message})`;
    case '3D000':
      return `Cannot connect to PostgreSQL at ${target}: ${message}`;
    default:
      return `Cannot connect to PostgreSQL at ${target}: ${message}`;
  }
}
