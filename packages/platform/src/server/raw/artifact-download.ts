/**
 * How one artifact file goes out over HTTP (artifacts.md §3.2): streamed, always as an
 * attachment, with MLflow's Content-Type guess and `nosniff`, so a browser never renders HTML
 * or scripts from the server's origin.
 */
import type { OutgoingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import type { FastifyReply } from 'fastify';
import { type ArtifactRepository, supportsPositionalRead } from '../../artifacts/artifact-repository.js';
import { pumpFileToWritable } from '../../artifacts/file-transfer.js';
import type { Logger } from '../deps.js';

/** Served as text/plain whatever the MIME table says (MLflow's `_TEXT_EXTENSIONS`; case-sensitive). */
const TEXT_EXTENSIONS = new Set(
  'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst MLmodel mlproject'.split(
    ' ',
  ),
);

/** The part of Python's standard MIME table that artifacts plausibly use. */
const MIME_TYPES: Readonly<Record<string, string>> = {
  avi: 'video/x-msvideo',
  bmp: 'image/bmp',
  c: 'text/plain',
  css: 'text/css',
  csv: 'text/csv',
  doc: 'application/msword',
  eps: 'application/postscript',
  gif: 'image/gif',
  h: 'text/plain',
  htm: 'text/html',
  html: 'text/html',
  ico: 'image/vnd.microsoft.icon',
  jpe: 'image/jpeg',
  jpeg: 'image/jpeg',
  jpg: 'image/jpeg',
  js: 'text/javascript',
  json: 'application/json',
  md: 'text/markdown',
  mjs: 'text/javascript',
  mov: 'video/quicktime',
  mp3: 'audio/mpeg',
  mp4: 'video/mp4',
  mpeg: 'video/mpeg',
  mpg: 'video/mpeg',
  pdf: 'application/pdf',
  png: 'image/png',
  ps: 'application/postscript',
  py: 'text/x-python',
  sh: 'application/x-sh',
  svg: 'image/svg+xml',
  tar: 'application/x-tar',
  tif: 'image/tiff',
  tiff: 'image/tiff',
  tsv: 'text/tab-separated-values',
  txt: 'text/plain',
  wasm: 'application/wasm',
  wav: 'audio/x-wav',
  webm: 'video/webm',
  webp: 'image/webp',
  xml: 'text/xml',
  zip: 'application/zip',
};

/** Compression suffixes Python reports as an encoding, looking at the extension before them. */
const ENCODING_SUFFIXES = new Set(['gz', 'bz2', 'xz', 'Z', 'br']);
/** Python's `suffix_map`: shorthand suffixes that stand for a compressed tar. */
const SUFFIX_ALIASES: Readonly<Record<string, string>> = { tgz: 'tar', taz: 'tar', tz: 'tar', tbz2: 'tar', txz: 'tar' };

/** Python's `os.path.splitext` extension without the dot ('' when none; leading dots do not count). */
function extensionOf(name: string): string {
  const dot = name.lastIndexOf('.');
  if (dot <= 0 || /^\.+$/.test(name.slice(0, dot + 1))) return '';
  return name.slice(dot + 1);
}

function lookupMime(extension: string): string | undefined {
  return MIME_TYPES[extension] ?? MIME_TYPES[extension.toLowerCase()];
}

/** `mimetypes.guess_type(name)[0]` for the table above. */
function standardMimeType(name: string): string | undefined {
  let extension = extensionOf(name);
  const alias = SUFFIX_ALIASES[extension] ?? SUFFIX_ALIASES[extension.toLowerCase()];
  if (alias !== undefined) return lookupMime(alias);
  if (ENCODING_SUFFIXES.has(extension) || ENCODING_SUFFIXES.has(extension.toLowerCase())) {
    extension = extensionOf(name.slice(0, name.length - extension.length - 1));
    return extension === '' ? undefined : lookupMime(extension);
  }
  return extension === '' ? undefined : lookupMime(extension);
}

/**
 * MLflow's `_guess_mime_type`: `MLmodel` -> `text/plain`, `plot.png` -> `image/png`, `model.pkl`
 * -> `application/octet-stream`. MLflow sets the header to the bare type, so there is no charset
 * parameter, whatever the type.
 */
export function guessContentType(fileName: string): string {
  const extension = extensionOf(fileName);
  return TEXT_EXTENSIONS.has(extension === '' ? fileName : extension)
    ? 'text/plain'
    : (standardMimeType(fileName) ?? 'application/octet-stream');
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const ATTR_CHAR = /[!#$&+\-.^_`|~0-9A-Za-z]/;

/** RFC 5987 encoding of a UTF-8 value (`filename*`). */
function encodeExtValue(value: string): string {
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const char = String.fromCharCode(byte);
    out += byte < 0x80 && ATTR_CHAR.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

function quoteIfNeeded(value: string): string {
  if (value !== '' && TOKEN.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * `attachment; filename=<name>` as Werkzeug writes it: the bare token when possible, quoted
 * otherwise; a non-ASCII name gets an ASCII fallback plus `filename*=UTF-8''...`.
 */
export function contentDisposition(fileName: string): string {
  if (/^[\x20-\x7e]*$/.test(fileName)) return `attachment; filename=${quoteIfNeeded(fileName)}`;
  const ascii = fileName.normalize('NFKD').replace(/[^\x20-\x7e]/g, '');
  return `attachment; filename=${quoteIfNeeded(ascii)}; filename*=UTF-8''${encodeExtValue(fileName)}`;
}

function baseName(path: string): string {
  const trimmed = path.replace(/\/+$/, '');
  return trimmed.slice(trimmed.lastIndexOf('/') + 1);
}

/**
 * Streams the file `path` of `repository` as an attachment. Errors before the first byte (missing
 * file, directory, unsafe path) are thrown for the caller's error handler; a failure mid-transfer
 * aborts the connection, which the client sees as a truncated download.
 */
export async function sendArtifactFile(
  reply: FastifyReply,
  repository: ArtifactRepository,
  path: string,
  logger: Logger,
): Promise<FastifyReply> {
  const artifact = await repository.read(path);
  const name = baseName(path);
  reply
    .code(200)
    .header('content-type', guessContentType(name))
    .header('content-disposition', contentDisposition(name))
    .header('x-content-type-options', 'nosniff');
  if (artifact.size !== undefined) reply.header('content-length', artifact.size);
  const isHead = reply.request.method === 'HEAD';
  if (!supportsPositionalRead(artifact)) {
    if (!isHead) return reply.send(artifact.stream);
    artifact.stream.destroy();
    return reply.send(Readable.from([]));
  }
  // Positional reads go straight to the socket through reused buffers (see file-transfer.ts),
  // so the response is written here rather than by Fastify.
  reply.hijack();
  const response = reply.raw;
  response.writeHead(200, reply.getHeaders() as OutgoingHttpHeaders);
  try {
    if (isHead) response.end();
    else await pumpFileToWritable((b, length, at) => artifact.readAt(b, length, at), artifact.size, response);
  } catch (error) {
    // Headers are out: the only honest signal left is an aborted transfer.
    logger.error(`${reply.request.method} ${reply.request.url} failed while sending`, error);
    response.destroy(error as Error);
  } finally {
    await artifact.close();
  }
  return reply;
}
