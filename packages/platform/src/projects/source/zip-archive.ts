/**
 * Extracts ZIP archives (stored and deflated entries, as `zip` and GitHub write them) with no
 * external tool. Every entry name is checked before anything is written: no absolute paths,
 * no `..`, no backslashes; sizes are checked against what the archive declares, so a
 * decompression bomb stops at its declared size.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { ProjectError } from '../errors.js';

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;

function bad(file: string, reason: string): ProjectError {
  return new ProjectError(`Cannot extract ${file}: ${reason}`);
}

function safeEntryPath(name: string, file: string): string[] {
  if (name.includes('\\') || name.includes('\0') || name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    throw bad(file, `unsafe entry name '${name}'`);
  }
  const segments = name.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw bad(file, `unsafe entry name '${name}'`);
  return segments;
}

/**
 * Extracts the archive at `file` into the existing directory `dest`.
 *
 * @example
 * await extractZip('/tmp/project.zip', await mkdtemp('/tmp/keel-project-'));
 */
export async function extractZip(file: string, dest: string): Promise<void> {
  const data = await readFile(file);
  // The end-of-central-directory record sits in the last 22 + 65535 bytes.
  let eocd = -1;
  for (let i = data.length - 22; i >= Math.max(0, data.length - 22 - 0xffff); i--) {
    if (data.readUInt32LE(i) === EOCD_SIGNATURE) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw bad(file, 'not a ZIP archive');
  const count = data.readUInt16LE(eocd + 10);
  const centralSize = data.readUInt32LE(eocd + 12);
  let offset = data.readUInt32LE(eocd + 16);
  if (count === 0xffff || centralSize === 0xffffffff || offset === 0xffffffff)
    throw bad(file, 'ZIP64 archives are not supported');
  for (let n = 0; n < count; n++) {
    if (offset + 46 > data.length || data.readUInt32LE(offset) !== CENTRAL_SIGNATURE)
      throw bad(file, 'corrupt central directory');
    const flags = data.readUInt16LE(offset + 8);
    const method = data.readUInt16LE(offset + 10);
    const compressedSize = data.readUInt32LE(offset + 20);
    const size = data.readUInt32LE(offset + 24);
    const nameLength = data.readUInt16LE(offset + 28);
    const extraLength = data.readUInt16LE(offset + 30);
    const commentLength = data.readUInt16LE(offset + 32);
    const externalAttributes = data.readUInt32LE(offset + 38);
    const localOffset = data.readUInt32LE(offset + 42);
    const name = data
      .subarray(offset + 46, offset + 46 + nameLength)
      .toString((flags & 0x800) !== 0 ? 'utf8' : 'latin1');
    offset += 46 + nameLength + extraLength + commentLength;

    if ((flags & 0x1) !== 0) throw bad(file, `entry '${name}' is encrypted`);
    const segments = safeEntryPath(name, file);
    if (segments.length === 0) continue;
    const target = join(dest, ...segments);
    if (name.endsWith('/')) {
      await mkdir(target, { recursive: true });
      continue;
    }
    if (localOffset + 30 > data.length || data.readUInt32LE(localOffset) !== LOCAL_SIGNATURE)
      throw bad(file, `corrupt entry '${name}'`);
    const start = localOffset + 30 + data.readUInt16LE(localOffset + 26) + data.readUInt16LE(localOffset + 28);
    const raw = data.subarray(start, start + compressedSize);
    if (raw.length !== compressedSize) throw bad(file, `truncated entry '${name}'`);
    let content: Buffer;
    if (method === 0) content = raw;
    else if (method === 8) {
      try {
        content = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch {
        throw bad(file, `entry '${name}' does not inflate to its declared ${size} bytes`);
      }
    } else throw bad(file, `entry '${name}' uses compression method ${method} (only stored and deflate are supported)`);
    if (content.length !== size) throw bad(file, `entry '${name}' is not the declared ${size} bytes`);
    await mkdir(dirname(target), { recursive: true });
    // Unix permission bits live in the high half; keep only "executable" (symlinks become plain files).
    const mode = (externalAttributes >>> 16) & 0o111 ? 0o755 : 0o644;
    await writeFile(target, content, { mode });
  }
}
