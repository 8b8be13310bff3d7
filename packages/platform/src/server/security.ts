/**
 * Safe defaults for a server on a laptop (cli-and-env.md §2.2): a Host-header allow-list
 * against DNS rebinding, no cross-origin writes unless allowed, CORS for allowed origins,
 * and `nosniff` / `X-Frame-Options` on every response.
 *
 * CORS: an origin allowed by name (or a local one, or the server's own) gets its origin echoed
 * with `Access-Control-Allow-Credentials: true`; `--cors-allowed-origins '*'` lets any other
 * origin call the API as `Access-Control-Allow-Origin: *`, which browsers never combine with
 * credentials, so a wildcard never hands a foreign page the user's cookies or auth headers.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityOptions } from './deps.js';

const EXEMPT_PATHS = new Set(['/health', '/version']);
const LOCAL_HOST_NAMES = new Set(['localhost', '0.0.0.0']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** How many Host header values `isAllowedHost` remembers its answer for. */
const MAX_REMEMBERED_HOSTS = 256;

/**
 * Splits a Host header into host and port, unwrapping `[v6]`. A name's trailing dot is dropped:
 * `localhost.` is the fully qualified spelling of `localhost`, the same host.
 */
export function parseHostHeader(value: string): { host: string; port?: string } {
  const trimmed = value.trim().toLowerCase();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    if (end < 0) return { host: trimmed };
    const rest = trimmed.slice(end + 1);
    return { host: trimmed.slice(1, end), ...(rest.startsWith(':') ? { port: rest.slice(1) } : {}) };
  }
  const colon = trimmed.lastIndexOf(':');
  if (colon >= 0 && trimmed.indexOf(':') === colon)
    return { host: withoutRootDot(trimmed.slice(0, colon)), port: trimmed.slice(colon + 1) };
  return { host: withoutRootDot(trimmed) };
}

/** `example.com.` -> `example.com` (one dot only: `example.com..` is not a valid name). */
function withoutRootDot(host: string): string {
  return host.endsWith('.') && !host.endsWith('..') ? host.slice(0, -1) : host;
}

/** The Host header in canonical form: lower case, no trailing dot on the name. */
function canonicalHost(hostHeader: string): string {
  const { host, port } = parseHostHeader(hostHeader);
  const name = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? name : `${name}:${port}`;
}

function ipv4Octets(ip: string): number[] {
  return ip.split('.').map(Number);
}

/** Loopback and private-network literals, parsed as IP addresses (never matched as text). */
export function isLocalOrPrivateIp(host: string): boolean {
  const version = isIP(host);
  if (version === 4) {
    const [a = -1, b = -1] = ipv4Octets(host);
    return a === 127 || a === 10 || a === 0 || (a === 192 && b === 168) || (a === 172 && b >= 16 && b <= 31);
  }
  if (version === 6) {
    const h = host.toLowerCase();
    if (h === '::1' || h === '::') return true;
    if (h.startsWith('fc') || h.startsWith('fd')) return true;
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(h);
    return mapped?.[1] !== undefined && isLocalOrPrivateIp(mapped[1]);
  }
  return false;
}

function wildcardToRegExp(pattern: string): RegExp {
  const escaped = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\?]/g, '\\$&')
    .replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

function isLocalOrigin(origin: string): boolean {
  try {
    const url = new URL(origin);
    const host = withoutRootDot(url.hostname.replace(/^\[|\]$/g, ''));
    return (url.protocol === 'http:' || url.protocol === 'https:') && (host === 'localhost' || isLoopbackIp(host));
  } catch {
    return false;
  }
}

function isLoopbackIp(host: string): boolean {
  const version = isIP(host);
  if (version === 4) return ipv4Octets(host)[0] === 127;
  return version === 6 && host === '::1';
}

/**
 * How an origin may call: `credentials` for origins allowed by name (and local ones), `any` for
 * other origins when `*` is configured (no credentials), undefined when it may not.
 */
export type OriginAccess = 'credentials' | 'any' | undefined;

export interface HostPolicy {
  isAllowedHost(hostHeader: string | undefined): boolean;
  originAccess(origin: string): OriginAccess;
}

export function createHostPolicy(options: SecurityOptions): HostPolicy {
  const anyHost = options.allowedHosts.includes('*');
  const hostPatterns = options.allowedHosts.map(wildcardToRegExp);
  const anyOrigin = options.corsAllowedOrigins.includes('*');
  const origins = new Set(options.corsAllowedOrigins.map((o) => o.replace(/\/+$/, '')));
  const decideHost = (hostHeader: string): boolean => {
    const canonical = canonicalHost(hostHeader);
    if (hostPatterns.some((re) => re.test(canonical))) return true;
    const { host } = parseHostHeader(canonical);
    if (hostPatterns.some((re) => re.test(host))) return true;
    return LOCAL_HOST_NAMES.has(host) || host.endsWith('.localhost') || isLocalOrPrivateIp(host);
  };
  // Every request asks about the same few Host values: the answers are remembered (bounded, so
  // a client sending endless different values cannot grow the memory).
  const decided = new Map<string, boolean>();
  return {
    isAllowedHost(hostHeader) {
      if (anyHost) return true;
      if (hostHeader === undefined || hostHeader === '') return false;
      let allowed = decided.get(hostHeader);
      if (allowed === undefined) {
        allowed = decideHost(hostHeader);
        if (decided.size >= MAX_REMEMBERED_HOSTS) decided.clear();
        decided.set(hostHeader, allowed);
      }
      return allowed;
    },
    originAccess(origin) {
      if (origins.has(origin.replace(/\/+$/, '')) || isLocalOrigin(origin)) return 'credentials';
      return anyOrigin ? 'any' : undefined;
    },
  };
}

function isSameOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  try {
    return canonicalHost(new URL(origin).host) === canonicalHost(hostHeader);
  } catch {
    return false;
  }
}

function forbid(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).type('text/plain; charset=utf-8').send(message);
}

/**
 * Decides what to do with one request: undefined lets it through, otherwise it has been
 * answered (403, or 204 for a preflight).
 */
function screen(policy: HostPolicy, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const url = request.url;
  const queryAt = url.indexOf('?');
  if (EXEMPT_PATHS.has(queryAt < 0 ? url : url.slice(0, queryAt))) return undefined;
  if (!policy.isAllowedHost(request.headers.host)) {
    return forbid(reply, 'Invalid Host header - possible DNS rebinding attack detected');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  const access = isSameOrigin(origin, request.headers.host) ? 'credentials' : policy.originAccess(origin);
  const allowed = access !== undefined;
  if (access === 'credentials') {
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
  } else if (access === 'any') {
    reply.header('access-control-allow-origin', '*');
  }
  reply.header('vary', 'Origin');
  if (request.method === 'OPTIONS') {
    if (!allowed) return forbid(reply, 'Cross-origin request blocked');
    reply.header('access-control-allow-methods', 'GET, POST, PUT, DELETE, OPTIONS, PATCH');
    const requested = request.headers['access-control-request-headers'];
    reply.header(
      'access-control-allow-headers',
      typeof requested === 'string' ? requested : 'Content-Type, Authorization',
    );
    reply.header('access-control-max-age', '600');
    return reply.code(204).send();
  }
  // MLflow checks only /api/ paths; the UI routes (ajax upload) take raw bodies too, so every
  // state-changing request from a foreign origin is refused.
  if (!allowed && STATE_CHANGING.has(request.method)) return forbid(reply, 'Cross-origin request blocked');
  return undefined;
}

/** How many times a header appears in the request as sent (Node keeps only the first Host). */
function headerCount(request: FastifyRequest, name: string): number {
  const raw = request.raw.rawHeaders;
  let count = 0;
  for (let i = 0; i < raw.length; i += 2) {
    const header = raw[i] as string;
    if (header.length === name.length && header.toLowerCase() === name) count++;
  }
  return count;
}

/**
 * Installs the checks as one synchronous `onRequest` hook (it runs on every request). A request
 * with two Host headers is refused whatever the settings (RFC 9112 §3.2 asks for a 400): which
 * one counts would be a guess, and a proxy in front may have guessed the other way.
 */
export function installSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const xFrame = options.xFrameOptions.toUpperCase();
  const policy = options.disabled ? undefined : createHostPolicy(options);
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-content-type-options', 'nosniff');
    if (xFrame !== 'NONE') reply.header('x-frame-options', xFrame);
    if (headerCount(request, 'host') > 1) {
      reply
        .code(400)
        .header('content-type', 'application/json')
        .send(
          JSON.stringify({
            error_code: 'INVALID_PARAMETER_VALUE',
            message: 'Bad Request. The request has more than one Host header.',
          }),
        );
      return;
    }
    if (policy === undefined || screen(policy, request, reply) === undefined) done();
  });
}
