import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProjectError } from './errors.js';
import type { EntryPoint } from './mlproject.js';
import {
  checkParameters,
  describeEntryPoint,
  loggedParameters,
  parseParameterList,
  resolveParameters,
} from './parameters.js';

const ENTRY: EntryPoint = {
  name: 'main',
  command: 'python train.py',
  parameters: [
    { name: 'data', type: 'path' },
    { name: 'alpha', type: 'float', default: '0.5' },
    { name: 'epochs', type: 'int', default: '10' },
    { name: 'source', type: 'uri', default: 's3://bucket/x' },
    { name: 'label', type: 'string', default: 'hello world' },
  ],
};

function projectError(message: RegExp, usage = false) {
  return (error: unknown) => {
    assert.ok(error instanceof ProjectError, String(error));
    assert.match(error.message, message);
    assert.equal(error.isUsageError, usage);
    return true;
  };
}

describe('entry point parameters', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-params-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const cwd = join(root, 'cwd');
  const projectDir = join(root, 'project');
  mkdirSync(join(cwd, 'data'), { recursive: true });
  mkdirSync(join(projectDir, 'data'), { recursive: true });
  writeFileSync(join(cwd, 'data', 'in.csv'), 'a\n');
  writeFileSync(join(projectDir, 'data', 'default.csv'), 'a\n');
  const context = { cwd, projectDir };

  it('parses -P name=value, splitting at the first =', () => {
    assert.deepEqual(
      [...parseParameterList(['a=1', 'q=x=y', 'empty='])],
      [
        ['a', '1'],
        ['q', 'x=y'],
        ['empty', ''],
      ],
    );
    assert.throws(
      () => parseParameterList(['novalue']),
      projectError(/Invalid format for -P parameter: 'novalue'\. Use -P name=value\./, true),
    );
    assert.throws(() => parseParameterList(['=1']), projectError(/Invalid format for -P parameter/, true));
    assert.throws(() => parseParameterList(['a=1', 'a=2']), projectError(/Repeated parameter: 'a'/, true));
    assert.throws(() => parseParameterList(['$(id)=1']), projectError(/Invalid parameter name '\$\(id\)'/, true));
    assert.throws(() => parseParameterList(['a;b=1']), projectError(/Invalid parameter name/, true));
  });

  it('lists every missing parameter and what the entry point accepts', () => {
    const entry: EntryPoint = { ...ENTRY, parameters: [...ENTRY.parameters, { name: 'seed', type: 'int' }] };
    assert.throws(
      () => checkParameters(entry, new Map(), context),
      projectError(
        /^No value given for missing parameters: 'data', 'seed'\. Entry point 'main' accepts: data \(path, required\), alpha \(float, default 0\.5\), .*label \(string, default 'hello world'\)/,
      ),
    );
  });

  it('validates int and float values before anything runs', () => {
    const run = (name: string, value: string) =>
      checkParameters(
        ENTRY,
        new Map([
          ['data', 'data/in.csv'],
          [name, value],
        ]),
        context,
      );
    assert.throws(
      () => run('epochs', '3.5'),
      projectError(
        /Parameter 'epochs' of entry point 'main' must be an integer, got 3\.5\. Entry point 'main' accepts/,
      ),
    );
    assert.throws(() => run('epochs', '$(id)'), projectError(/must be an integer, got '\$\(id\)'/));
    assert.throws(() => run('alpha', 'fast'), projectError(/Parameter 'alpha' .* must be a number, got fast/));
    assert.equal(run('alpha', '1e-3').declared[1]?.value, '1e-3');
    assert.equal(run('epochs', '-2').declared[2]?.value, '-2');
  });

  it('requires a scheme for uri parameters', () => {
    assert.throws(
      () =>
        checkParameters(
          ENTRY,
          new Map([
            ['data', 'data/in.csv'],
            ['source', 'bucket/x'],
          ]),
          context,
        ),
      projectError(/^Expected URI for parameter source but got bucket\/x$/),
    );
  });

  it('makes local path values absolute: user values from the working directory, defaults from the project', () => {
    const entry: EntryPoint = {
      ...ENTRY,
      parameters: [...ENTRY.parameters, { name: 'extra_data', type: 'path', default: 'data/default.csv' }],
    };
    const checked = checkParameters(entry, new Map([['data', 'data/in.csv']]), context);
    assert.deepEqual(checked.declared[0]?.path, { local: join(cwd, 'data', 'in.csv') });
    assert.deepEqual(checked.declared[5]?.path, { local: join(projectDir, 'data', 'default.csv') });
    const fileUri = checkParameters(ENTRY, new Map([['data', `file://${join(cwd, 'data')}`]]), context);
    assert.deepEqual(fileUri.declared[0]?.path, { local: join(cwd, 'data') });
    assert.throws(
      () => checkParameters(ENTRY, new Map([['data', 'nope.csv']]), context),
      projectError(/^Got value nope\.csv for parameter data, but no such file or directory was found\.$/),
    );
    assert.throws(
      () => checkParameters(ENTRY, new Map([['data', 'file://host/x']]), context),
      projectError(/File URIs with a host/),
    );
    const remote = checkParameters(ENTRY, new Map([['data', 'runs:/abc/model']]), context);
    assert.deepEqual(remote.declared[0]?.path, { remote: 'runs:/abc/model' });
  });

  it('keeps undeclared parameters as extras, in order, and logs everything shell-quoted', () => {
    const checked = checkParameters(
      ENTRY,
      new Map([
        ['seed', '7'],
        ['data', 'data/in.csv'],
        ['note', "it's"],
      ]),
      context,
    );
    assert.deepEqual(checked.extra, [
      ['seed', '7'],
      ['note', "it's"],
    ]);
    assert.deepEqual(loggedParameters(checked), [
      { key: 'data', value: 'data/in.csv' },
      { key: 'alpha', value: '0.5' },
      { key: 'epochs', value: '10' },
      { key: 'source', value: 's3://bucket/x' },
      { key: 'label', value: "'hello world'" },
      { key: 'seed', value: '7' },
      { key: 'note', value: `'it'"'"'s'` },
    ]);
  });

  it('downloads remote path values into <storage>/param_<index>/ and substitutes the local path', async () => {
    const checked = checkParameters(ENTRY, new Map([['data', 'runs:/abc/data/in.csv']]), context);
    const storage = join(root, 'storage');
    const calls: [string, string][] = [];
    const resolved = await resolveParameters(
      checked,
      async (uri, dir) => {
        calls.push([uri, dir]);
        writeFileSync(join(dir, 'in.csv'), 'x');
        return join(dir, 'in.csv');
      },
      storage,
    );
    assert.deepEqual(calls, [['runs:/abc/data/in.csv', join(storage, 'param_0')]]);
    assert.equal(resolved.declared.get('data'), join(storage, 'param_0', 'in.csv'));
    assert.equal(resolved.declared.get('alpha'), '0.5');
    assert.deepEqual(readdirSync(storage), ['param_0']);
    await assert.rejects(
      resolveParameters(
        checked,
        async () => {
          throw new Error('RESOURCE_DOES_NOT_EXIST: run abc');
        },
        storage,
      ),
      projectError(/Could not download runs:\/abc\/data\/in\.csv for parameter data: RESOURCE_DOES_NOT_EXIST/),
    );
  });

  it('describes an entry point without parameters', () => {
    assert.match(describeEntryPoint({ name: 'x.py', command: '', parameters: [] }), /declares no parameters/);
  });
});
