/**
 * Turns an HTTP request into the raw field values of a request message, following MLflow's
 * transport rules (tracking-api.md §1.2): JSON bodies for POST/PUT (Content-Type required),
 * optional JSON bodies for PATCH/DELETE, query strings for GET (with a JSON-body fallback).
 */
import { invalidParameter } from '@keel/contract';
import type { FastifyRequest } from 'fastify';
import { parseJsonWithinDepth } from '../store/bounded-json.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The request body as buffered by the API plugin's content-type parser. */
export type RawBody = Buffer | undefined;

/** RFC 9110 `token` characters. */
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED_STRING = '"(?:[\\t !#-\\[\\]-~\\x80-\\xff]|\\\\[\\t -~\\x80-\\xff])*"';
/**
 * `type/subtype` followed by `; name=value` parameters (empty ones tolerated, as browsers send
 * them). Each run of blanks can be matched one way only, so a hostile header cannot make the
 * match backtrack.
 */
const MEDIA_TYPE = new RegExp(
  `^[ \\t]*${TOKEN}/${TOKEN}[ \\t]*(?:;[ \\t]*(?:${TOKEN}=(?:${TOKEN}|${QUOTED_STRING})[ \\t]*)?)*$`,
);

/** Whether a Content-Type header value is a well-formed media type with parameters. */
export function isWellFormedContentType(value: string): boolean {
  return MEDIA_TYPE.test(value);
}

function checkJsonContentType(request: FastifyRequest): void {
  const header = request.headers['content-type'];
  if (header === undefined) throw invalidParameter('Bad Request. Content-Type header is missing.');
  if (!isWellFormedContentType(header)) {
    throw invalidParameter(`Bad Request. Content-Type header ${JSON.stringify(header)} is not a valid media type.`);
  }
  const mediaType = header.split(';', 1)[0]?.trim().toLowerCase();
  if (mediaType !== 'application/json') {
    throw invalidParameter("Bad Request. Content-Type must be one of ['application/json'].");
  }
}

/** Parses a JSON object body; an empty body is `{}`, anything unparsable is refused. */
export function parseJsonBody(body: RawBody): Record<string, unknown> {
  if (body === undefined || body.length === 0) return {};
  let text: string;
  try {
    text = utf8.decode(body);
  } catch {
    throw invalidParameter('Request body is not valid UTF-8.');
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = parseJsonWithinDepth(text, 'The request body');
  } catch (error) {
    if (!(error instanceof SyntaxError)) throw error;
    // MLflow 3.5 treats a malformed body as {} and then reports a missing field; saying what is
    // actually wrong is kinder and still a 400.
    throw invalidParameter(`Malformed JSON in request body: ${(error as Error).message}`);
  }
  // Very old clients double-encoded the body as a JSON string.
  if (typeof value === 'string') {
    try {
      value = parseJsonWithinDepth(value, 'The request body');
    } catch (error) {
      if (!(error instanceof SyntaxError)) throw error;
      throw invalidParameter('Malformed JSON in request body.');
    }
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalidParameter('Request body must be a JSON object.');
  }
  return value as Record<string, unknown>;
}

/** Extracts the raw message fields of a request, and whether they came from a query string. */
export function readRequestFields(request: FastifyRequest): {
  fields: Record<string, unknown>;
  source: 'json' | 'query';
} {
  const method = request.method;
  const body = request.body as RawBody;
  if (method === 'GET') {
    const hasQuery = request.url.includes('?');
    if (hasQuery || body === undefined || body.length === 0) {
      return { fields: { ...(request.query as Record<string, unknown>) }, source: 'query' };
    }
    return { fields: parseJsonBody(body), source: 'json' };
  }
  if (method === 'POST' || method === 'PUT') checkJsonContentType(request);
  else if ((body === undefined || body.length === 0) && request.url.includes('?')) {
    // PATCH/DELETE carry a JSON body, but some clients put the fields in the query string.
    return { fields: { ...(request.query as Record<string, unknown>) }, source: 'query' };
  }
  return { fields: parseJsonBody(body), source: 'json' };
}
