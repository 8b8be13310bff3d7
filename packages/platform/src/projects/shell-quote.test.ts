import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { joinShellArgs, quoteShellArg } from './shell-quote.js';

/** Values that would run commands, split words or end the command if they reached a shell unquoted. */
const HOSTILE_VALUES = [
  '$(touch {marker})',
  '`touch {marker}`',
  '"; touch {marker}; echo "',
  "'; touch {marker}; echo '",
  'a b\tc',
  'line1\nline2; touch {marker}',
  '; touch {marker}',
  '&& touch {marker} || true',
  '| touch {marker}',
  '> {marker}',
  '$HOME $PATH \\n \\',
  '*',
  '-rf',
  '',
  "it's",
];

describe('quoteShellArg', () => {
  it("follows Python's shlex.quote", () => {
    assert.equal(quoteShellArg('plain-value_1.0/x:y@z+%,='), 'plain-value_1.0/x:y@z+%,=');
    assert.equal(quoteShellArg(''), "''");
    assert.equal(quoteShellArg('hello world'), "'hello world'");
    assert.equal(quoteShellArg("it's"), `'it'"'"'s'`);
    assert.equal(quoteShellArg('é'), "'é'");
    assert.equal(joinShellArgs(['python', 'train.py', '--label', 'a b']), "python train.py --label 'a b'");
  });

  it('delivers every hostile value to the program as one argument, with no side effect', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-quote-'));
    try {
      const marker = join(dir, 'pwned');
      const values = HOSTILE_VALUES.map((v) => v.replaceAll('{marker}', marker));
      const script = `${joinShellArgs([process.execPath, '-e', 'process.stdout.write(JSON.stringify(process.argv.slice(1)))'])} ${values.map(quoteShellArg).join(' ')}`;
      const result = spawnSync('/bin/sh', ['-c', script], { encoding: 'utf8', cwd: dir });
      assert.equal(result.status, 0, result.stderr);
      assert.deepEqual(JSON.parse(result.stdout), values);
      assert.equal(existsSync(marker), false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
