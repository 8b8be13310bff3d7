/**
 * `s3://bucket/prefix` URIs: parsing, normalization and containment. Pure string work, with no
 * SDK, so the location policy can check S3 locations without loading the AWS SDK.
 *
 * Keys are taken literally (as MLflow's S3 repository does): `%20` in a URI is the three
 * characters of a key, not a space. A prefix is normalized by dropping empty segments, so
 * `s3://b/a//c/` and `s3://b/a/c` name the same place; `.` and `..` segments are refused, so a
 * normalized prefix can be compared segment by segment.
 */
import { invalidParameter } from '@keel/contract';
import { hasControlCharacter } from './path-safety.js';

/** A bucket and a normalized key prefix ('' for the whole bucket; never a leading or trailing `/`). */
export interface S3Location {
  readonly bucket: string;
  readonly prefix: string;
}

/**
 * The characters of S3 bucket names, leniently: AWS wants 3-63 lower-case characters, but legacy
 * buckets and S3-compatible servers hold others, and the server answers for those itself.
 */
const BUCKET_NAME = /^[a-zA-Z0-9][a-zA-Z0-9._-]{0,254}$/;

/** Whether `uri` uses the `s3` scheme (any case). */
export function isS3Uri(uri: string): boolean {
  return /^s3:/i.test(uri);
}

/**
 * Parses `s3://bucket/prefix`; throws INVALID_PARAMETER_VALUE for anything else.
 *
 * @example
 * parseS3Uri('s3://ml-artifacts/team/1') // { bucket: 'ml-artifacts', prefix: 'team/1' }
 */
export function parseS3Uri(uri: string): S3Location {
  const match = /^s3:\/\/([^/?#]*)(\/[^?#]*)?$/i.exec(uri);
  if (match === null) {
    throw invalidParameter(
      `Invalid S3 URI '${uri}': expected s3://<bucket>/<prefix>, without a query string or fragment.`,
    );
  }
  const bucket = match[1] ?? '';
  if (!BUCKET_NAME.test(bucket) || bucket.includes('..')) {
    throw invalidParameter(`Invalid S3 URI '${uri}': '${bucket}' is not a valid bucket name.`);
  }
  return { bucket, prefix: normalizeS3Prefix(match[2] ?? '', uri) };
}

/** `a//b/` -> `a/b`; refuses `.`/`..` segments, backslashes and control characters. */
function normalizeS3Prefix(path: string, uri: string): string {
  if (hasControlCharacter(path) || path.includes('\\')) {
    throw invalidParameter(`Invalid S3 URI '${uri}': the key prefix contains a control character or a backslash.`);
  }
  const segments = path.split('/').filter((s) => s !== '');
  if (segments.some((s) => s === '.' || s === '..')) {
    throw invalidParameter(`Invalid S3 URI '${uri}': the key prefix must not contain '.' or '..' segments.`);
  }
  return segments.join('/');
}

/** The canonical URI of a location: `s3://bucket` or `s3://bucket/prefix`. */
export function formatS3Uri(location: S3Location): string {
  return location.prefix === '' ? `s3://${location.bucket}` : `s3://${location.bucket}/${location.prefix}`;
}

/** Whether `location` is `root` or lies below it, comparing whole segments (`a/bc` is not under `a/b`). */
export function isS3LocationInside(root: S3Location, location: S3Location): boolean {
  if (root.bucket !== location.bucket) return false;
  if (root.prefix === '' || location.prefix === root.prefix) return true;
  return location.prefix.startsWith(`${root.prefix}/`);
}

/** The object key of a normalized relative artifact path below `prefix`. */
export function s3KeyOf(prefix: string, relativePath: string): string {
  if (prefix === '') return relativePath;
  return relativePath === '' ? prefix : `${prefix}/${relativePath}`;
}
