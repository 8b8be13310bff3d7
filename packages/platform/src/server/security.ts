/**
 * Safe defaults for a server on a laptop (cli-and-env.md §2.2): a Host-header allow-list
 * against DNS rebinding, no cross-origin writes unless allowed, CORS for allowed origins,
 * and `nosniff` / `X-Frame-Options` on every response.
 */
import { isIP } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SecurityOptions } from './deps.js';

const EXEMPT_PATHS = new Set(['/health', '/version']);
const LOCAL_HOST_NAMES = new Set(['localhost', '0.0.0.0']);
const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** Splits a Host header into host and port, unwrapping `[v6]`. */
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
    return { host: trimmed.slice(0, colon), port: trimmed.slice(colon + 1) };
  return { host: trimmed };
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
    const host = url.hostname.replace(/^\[|\]$/g, '');
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

export interface HostPolicy {
  isAllowedHost(hostHeader: string | undefined): boolean;
  isAllowedOrigin(origin: string): boolean;
}

export function createHostPolicy(options: SecurityOptions): HostPolicy {
  const anyHost = options.allowedHosts.includes('*');
  const hostPatterns = options.allowedHosts.map(wildcardToRegExp);
  const anyOrigin = options.corsAllowedOrigins.includes('*');
  const origins = new Set(options.corsAllowedOrigins.map((o) => o.replace(/\/+$/, '')));
  return {
    isAllowedHost(hostHeader) {
      if (anyHost) return true;
      if (hostHeader === undefined || hostHeader === '') return false;
      const lowered = hostHeader.trim().toLowerCase();
      if (hostPatterns.some((re) => re.test(lowered))) return true;
      const { host } = parseHostHeader(lowered);
      if (hostPatterns.some((re) => re.test(host))) return true;
      return LOCAL_HOST_NAMES.has(host) || host.endsWith('.localhost') || isLocalOrPrivateIp(host);
    },
    isAllowedOrigin(origin) {
      return anyOrigin || origins.has(origin.replace(/\/+$/, '')) || isLocalOrigin(origin);
    },
  };
}

function isSameOrigin(origin: string, hostHeader: string | undefined): boolean {
  if (hostHeader === undefined) return false;
  try {
    return new URL(origin).host === hostHeader.toLowerCase();
  } catch {
    return false;
  }
}

function forbid(reply: FastifyReply, message: string): FastifyReply {
  return reply.code(403).type('text/plain; charset=utf-8').send(message);
}

/** Installs the checks as an `onRequest` hook on the whole app. */
/**
 * Decides what to do with one request: undefined lets it through, otherwise it has been
 * answered (403, or 204 for a preflight).
 */
function screen(policy: HostPolicy, request: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const path = request.url.split('?', 1)[0] ?? '';
  if (EXEMPT_PATHS.has(path)) return undefined;
  if (!policy.isAllowedHost(request.headers.host)) {
    return forbid(reply, 'Invalid Host header - possible DNS rebinding attack detected');
  }
  const origin = request.headers.origin;
  if (origin === undefined) return undefined;
  const allowed = policy.isAllowedOrigin(origin) || isSameOrigin(origin, request.headers.host);
  if (allowed) {
    reply.header('access-control-allow-origin', origin);
    reply.header('access-control-allow-credentials', 'true');
    reply.header('vary', 'Origin');
  }
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

/** Installs the checks as one synchronous `onRequest` hook (it runs on every request). */
export function installSecurity(app: FastifyInstance, options: SecurityOptions): void {
  const xFrame = options.xFrameOptions.toUpperCase();
  const policy = options.disabled ? undefined : createHostPolicy(options);
  app.addHook('onRequest', (request: FastifyRequest, reply: FastifyReply, done: () => void) => {
    reply.header('x-content-type-options', 'nosniff');
    if (xFrame !== 'NONE') reply.header('x-frame-options', xFrame);
    if (policy === undefined || screen(policy, request, reply) === undefined) done();
  });
}
