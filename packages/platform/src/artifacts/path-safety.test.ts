import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import {
  assertRealPathInside,
  checkArtifactPath,
  decodeRepeatedly,
  joinInsideRoot,
  normalizeArtifactPath,
  unquote,
} from './path-safety.js';

function isInvalidPath(error: unknown): boolean {
  return error instanceof MlflowError && error.code === 'INVALID_PARAMETER_VALUE' && error.message === 'Invalid path';
}

function rejects(value: string, windows = false): void {
  assert.throws(
    () => checkArtifactPath(value, { windows }),
    isInvalidPath,
    `expected ${JSON.stringify(value)} to fail`,
  );
}

/** Safe, but it would decode into another name: refused with an explanation. */
function ambiguous(value: string): void {
  assert.throws(
    () => checkArtifactPath(value),
    (error: unknown) =>
      error instanceof MlflowError &&
      error.code === 'INVALID_PARAMETER_VALUE' &&
      error.message.startsWith(`Invalid path: '${value}' is ambiguous`),
    `expected ${JSON.stringify(value)} to be ambiguous`,
  );
}

function accepts(value: string, expected: string, windows = false): void {
  assert.equal(checkArtifactPath(value, { windows }), expected, `for ${JSON.stringify(value)}`);
}

describe('unquote (Python semantics)', () => {
  it('decodes UTF-8 runs and keeps malformed escapes as text', () => {
    assert.equal(unquote('a%20b%2Fc'), 'a b/c');
    assert.equal(unquote('%C3%A9t%C3%A9'), 'été');
    assert.equal(unquote('100%'), '100%');
    assert.equal(unquote('%zz%2'), '%zz%2');
    assert.equal(unquote('a+b'), 'a+b');
  });

  it('turns overlong and invalid UTF-8 into U+FFFD, never into ASCII dots', () => {
    assert.equal(unquote('%c0%ae%c0%ae'), '\ufffd\ufffd\ufffd\ufffd');
    assert.equal(unquote('%e0%80%ae'), '\ufffd\ufffd\ufffd');
  });
});

describe('decodeRepeatedly', () => {
  it('decodes until stable', () => {
    assert.equal(decodeRepeatedly('%25252e'), '.');
    assert.equal(decodeRepeatedly('plain/path.txt'), 'plain/path.txt');
  });

  it('refuses a value still changing after 10 rounds', () => {
    assert.throws(() => decodeRepeatedly(`%${'25'.repeat(12)}2e`), isInvalidPath);
  });
});

describe('checkArtifactPath', () => {
  it('accepts ordinary relative paths and returns them as they are', () => {
    accepts('model/MLmodel', 'model/MLmodel');
    accepts('data/train set.csv', 'data/train set.csv');
    accepts('a..b/..c/d..', 'a..b/..c/d..');
    accepts('.hidden/x', '.hidden/x');
    accepts('./a', './a');
    accepts('a//b', 'a//b');
    accepts('résumé/日本語.txt', 'résumé/日本語.txt');
    accepts('Notes:Q1.txt', 'Notes:Q1.txt');
    accepts('100%', '100%');
    accepts('50%off', '50%off');
  });

  it('refuses names that would decode again into another name', () => {
    // HTTP already decoded the value once; a second decoding would merge different names.
    for (const value of ['a%41.txt', 'a%2541.txt', 'data/train%20set.csv', '%C3%A9t%C3%A9', 'a%2Fb']) {
      ambiguous(value);
    }
  });

  it('refuses `..` segments in every encoding', () => {
    const traversals = [
      '..',
      '../etc/passwd',
      'a/../../b',
      'a/..',
      '..%2f..%2fetc',
      '..%2F..%2Fetc%2Fpasswd',
      '%2e%2e/etc',
      '%2E%2E%2F',
      '.%2e/x',
      '%252e%252e%252fetc',
      '%25252e%25252e/x',
      'x/%2e%2e',
      '\t../x',
      'a\n/../b',
      '..\r/x',
      '%09..%2fx',
    ];
    for (const value of traversals) rejects(value);
  });

  it('is not fooled by overlong UTF-8 or look-alike dots', () => {
    // Overlong encodings decode to U+FFFD (never to dots) and are refused as escapes; full-width
    // and two-dot leaders are ordinary characters: harmless names, not parent references.
    ambiguous('%c0%ae%c0%ae/x');
    accepts('\uff0e\uff0e/x', '\uff0e\uff0e/x');
    accepts('\u2025/x', '\u2025/x');
  });

  it('refuses absolute POSIX and Windows paths', () => {
    for (const value of ['/etc/passwd', '%2fetc', '%252Fetc', ' /etc', '//server/share', '////a', 'C:/Windows']) {
      rejects(value);
    }
    rejects('C:\\Windows');
    rejects('\\\\server\\share');
  });

  it('applies the second-character colon rule on Windows only', () => {
    rejects('C:x', true);
    rejects('c:', true);
    accepts('C:x', 'C:x');
  });

  it('refuses backslashes everywhere, encoded or not', () => {
    for (const value of ['a\\b', '..\\x', '%5c', '..%5c..%5cwindows', '%255c']) rejects(value);
  });

  it('refuses `#` and the empty URL delimiters MLflow would drop', () => {
    rejects('a#b');
    rejects('a%23b');
    ambiguous('a%23');
    ambiguous('a?');
    ambiguous('a;');
    accepts('a;b', 'a;b');
    accepts('a?x=1', 'a?x=1');
  });

  it('turns file: URIs into paths before checking', () => {
    rejects('file:///etc/passwd');
    rejects('file:/etc/passwd');
    rejects('FILE:///etc/passwd');
    rejects('file://host/x');
    rejects('file:a/../../x');
    rejects('file%3A%2F%2F%2Fetc');
    // Harmless, but the same file as `a/b`: one name, one file.
    ambiguous('file:a/b');
    ambiguous('file:');
  });

  it('refuses control characters, raw or encoded, instead of escaping or dropping them', () => {
    for (const value of ['a%00b', 'a\u0000b', 'x\u007f', 'x\u001b[31m', 'x\u0085', 'file:a%2500b', 'a\tb', 'x%0A']) {
      rejects(value);
    }
  });

  it('treats other URL-looking values as relative names, still refusing `..`', () => {
    rejects('http://host/../x');
    // A directory literally named `s3:` below the root: odd but contained, as in MLflow.
    accepts('s3://bucket/key', 's3://bucket/key');
    accepts('x:y', 'x:y');
    // Only a real `..` segment is a parent reference; `..;` is an ordinary name.
    accepts('..;/x', '..;/x');
    accepts('..?/x', '..?/x');
  });
});

describe('normalizeArtifactPath', () => {
  it('canonicalises and refuses unsafe forms', () => {
    assert.equal(normalizeArtifactPath('a//b/./c/'), 'a/b/c');
    assert.equal(normalizeArtifactPath('.'), '');
    assert.equal(normalizeArtifactPath(''), '');
    for (const bad of ['..', 'a/../b', '/abs', 'a\\b', 'a\0b']) {
      assert.throws(() => normalizeArtifactPath(bad), isInvalidPath);
    }
  });
});

describe('containment', () => {
  const base = mkdtempSync(join(tmpdir(), 'keel-path-safety-'));
  const root = join(base, 'root');
  const outside = join(base, 'outside');
  mkdirSync(join(root, 'inner'), { recursive: true });
  mkdirSync(outside);
  writeFileSync(join(outside, 'secret.txt'), 'secret');
  symlinkSync(outside, join(root, 'escape-dir'));
  symlinkSync(join(outside, 'secret.txt'), join(root, 'escape-file'));
  symlinkSync(join(root, 'inner'), join(root, 'inner-link'));
  after(() => rmSync(base, { recursive: true, force: true }));

  it('joins lexically inside the root', () => {
    assert.equal(joinInsideRoot(root, 'a/b'), join(root, 'a/b'));
    assert.equal(joinInsideRoot(root, ''), root);
    assert.throws(() => joinInsideRoot(root, '../outside'), isInvalidPath);
  });

  it('follows symlinks and refuses real locations outside the root', async () => {
    await assert.rejects(assertRealPathInside(root, join(root, 'escape-dir')), isInvalidPath);
    await assert.rejects(assertRealPathInside(root, join(root, 'escape-dir/secret.txt')), isInvalidPath);
    await assert.rejects(assertRealPathInside(root, join(root, 'escape-dir/not/yet/there')), isInvalidPath);
    await assert.rejects(assertRealPathInside(root, join(root, 'escape-file')), isInvalidPath);
  });

  it('accepts links that stay inside, and paths that do not exist yet', async () => {
    await assertRealPathInside(root, join(root, 'inner-link'));
    await assertRealPathInside(root, join(root, 'new/dir/file.txt'));
    await assertRealPathInside(join(base, 'missing-root'), join(base, 'missing-root/a/b'));
  });
});
