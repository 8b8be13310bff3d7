import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runVersionArgs } from './run.js';

describe('keel run --version', () => {
  const argv = (...args: string[]) => ['node', 'keel', ...args];

  it("is the git ref of `run`, not keel's version", () => {
    assert.deepEqual(runVersionArgs(argv('run', '.', '--version', 'v1')), argv('run', '.', '-v', 'v1'));
    assert.deepEqual(
      runVersionArgs(argv('--debug', 'run', '--version=main', '.')),
      argv('--debug', 'run', '-v', 'main', '.'),
    );
  });

  it('leaves everything else alone: other commands, option values, arguments after --', () => {
    assert.deepEqual(runVersionArgs(argv('--version')), argv('--version'));
    assert.deepEqual(runVersionArgs(argv('runs', 'list', '--version')), argv('runs', 'list', '--version'));
    assert.deepEqual(runVersionArgs(argv('run', '.', '-P', '--version')), argv('run', '.', '-P', '--version'));
    assert.deepEqual(runVersionArgs(argv('run', '.', '--', '--version')), argv('run', '.', '--', '--version'));
  });
});
