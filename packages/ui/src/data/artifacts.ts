/**
 * Artifact access for the browser: directory listings through the tracking API and file
 * contents through the server's UI artifact route, read through the client's transport (so the
 * prefix and error handling are the client's) and cut off after a preview's worth of bytes.
 */
import type { FileInfo, KeelClient } from '@keel/client';
import { readBodyText } from '@keel/client';

/** Every entry of a run's artifact directory (following page tokens). */
export async function listRunArtifacts(client: KeelClient, runId: string, path: string): Promise<FileInfo[]> {
  const files: FileInfo[] = [];
  let page_token: string | undefined;
  do {
    const page = await client.listArtifacts({
      run_id: runId,
      ...(path === '' ? {} : { path }),
      ...(page_token === undefined ? {} : { page_token }),
    });
    files.push(...(page.files ?? []));
    page_token = page.next_page_token || undefined;
  } while (page_token !== undefined);
  return files.sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
}

export interface ArtifactBytes {
  readonly bytes: Uint8Array;
  /** The file is longer than what was read. */
  readonly truncated: boolean;
  readonly contentType: string;
}

/** Reads up to `maxBytes` of a run's artifact file. */
export async function readRunArtifact(
  client: KeelClient,
  prefix: string,
  runId: string,
  path: string,
  maxBytes: number,
  signal?: AbortSignal,
): Promise<ArtifactBytes> {
  const response = await client.transport.request({
    method: 'GET',
    path: `${prefix}/get-artifact`,
    query: [
      ['path', path],
      ['run_uuid', runId],
    ],
    stream: true,
    ...(signal === undefined ? {} : { signal }),
  });
  if (response.status !== 200) {
    const text = await readBodyText(response.body);
    let message = `Could not read ${path} (HTTP ${response.status})`;
    try {
      message = (JSON.parse(text) as { message?: string }).message ?? message;
    } catch {
      // Not JSON: keep the generic message.
    }
    throw new Error(message);
  }
  const contentType = response.headers['content-type'] ?? '';
  const body = response.body;
  if (!(body instanceof ReadableStream)) {
    const all = typeof body === 'string' ? new TextEncoder().encode(body) : (body ?? new Uint8Array());
    return { bytes: all.subarray(0, maxBytes), truncated: all.byteLength > maxBytes, contentType };
  }
  const reader = body.getReader();
  const parts: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    parts.push(value);
    size += value.byteLength;
    if (size > maxBytes) {
      truncated = true;
      await reader.cancel();
      break;
    }
  }
  const bytes = new Uint8Array(Math.min(size, maxBytes));
  let at = 0;
  for (const part of parts) {
    const take = Math.min(part.byteLength, bytes.byteLength - at);
    bytes.set(part.subarray(0, take), at);
    at += take;
    if (at >= bytes.byteLength) break;
  }
  return { bytes, truncated, contentType };
}

export type PreviewKind = 'image' | 'json' | 'yaml' | 'csv' | 'tsv' | 'html' | 'mlmodel' | 'text' | 'none';

const TEXT_EXTENSIONS = new Set([
  'txt',
  'log',
  'md',
  'py',
  'r',
  'sh',
  'js',
  'ts',
  'java',
  'scala',
  'sql',
  'ini',
  'cfg',
  'toml',
  'conf',
  'xml',
  'err',
  'out',
  'lock',
  'gitignore',
  'properties',
  'ipynb',
  'tex',
  'rst',
]);
const IMAGE_EXTENSIONS = new Set(['png', 'jpg', 'jpeg', 'gif', 'svg', 'webp', 'bmp']);

/** How a file is previewed, from its name. */
export function previewKind(path: string): PreviewKind {
  const name = path.split('/').at(-1) ?? path;
  if (name === 'MLmodel') return 'mlmodel';
  if (['requirements.txt', 'conda.yaml', 'python_env.yaml', 'MLproject', 'Dockerfile', 'LICENSE'].includes(name)) {
    return name.endsWith('.yaml') ? 'yaml' : 'text';
  }
  const ext = name.includes('.') ? (name.split('.').at(-1) ?? '').toLowerCase() : '';
  if (IMAGE_EXTENSIONS.has(ext)) return 'image';
  if (ext === 'json') return 'json';
  if (ext === 'yaml' || ext === 'yml') return 'yaml';
  if (ext === 'csv') return 'csv';
  if (ext === 'tsv') return 'tsv';
  if (ext === 'html' || ext === 'htm') return 'html';
  if (TEXT_EXTENSIONS.has(ext)) return 'text';
  return 'none';
}
