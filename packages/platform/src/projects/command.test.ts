import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  commandArgv,
  commandText,
  entryPointCommand,
  findEntryPoint,
  formatTemplate,
  scriptCommand,
} from './command.js';
import { ProjectError } from './errors.js';
import { loadProject } from './mlproject.js';

describe('commands', () => {
  it('substitutes with str.format rules: {name}, {{ and }}', () => {
    const values = new Map([
      ['a', '1'],
      ['b.c-d', 'x'],
    ]);
    assert.equal(formatTemplate('run {a} {b.c-d} {{literal}} }}{{', values, 'main'), 'run 1 x {literal} }{');
    const fails = (template: string, message: RegExp) =>
      assert.throws(
        () => formatTemplate(template, values, 'main'),
        (e) => e instanceof ProjectError && message.test(e.message),
      );
    fails('run {zzz}', /uses \{zzz\}, which is not a declared parameter \(declared: a, b\.c-d\)/);
    fails('run {a', /unclosed '\{'/);
    fails('run a}', /single '\}'/);
    fails('run {}', /placeholder \{\}/);
    fails('run {a!r}', /placeholder \{a!r\}/);
  });

  it("quotes each value once and appends extras as --name value, as MLflow's example shows", () => {
    const entry = {
      name: 'main',
      command: 'python train.py --data {data_path} --alpha {alpha} --max-iter {max_iter} --label {run_label}',
      parameters: [],
    };
    const command = entryPointCommand(entry, {
      declared: new Map([
        ['data_path', '/abs/project/data.csv'],
        ['alpha', '0.3'],
        ['max_iter', '100'],
        ['run_label', 'baseline'],
      ]),
      extra: [['seed', '7']],
    });
    assert.deepEqual(command, {
      kind: 'shell',
      script: 'python train.py --data /abs/project/data.csv --alpha 0.3 --max-iter 100 --label baseline --seed 7',
    });
    const hostile = entryPointCommand(
      { name: 'm', command: 'echo {v}', parameters: [] },
      { declared: new Map([['v', '$(id) `id` \' "\n;']]), extra: [['w', 'a b']] },
    );
    assert.equal(commandText(hostile), `echo '$(id) \`id\` '"'"' "\n;' --w 'a b'`);
    assert.deepEqual(commandArgv(hostile, '/bin/bash').slice(0, 2), ['/bin/bash', '-c']);
  });

  describe('scripts as entry points', () => {
    const dir = mkdtempSync(join(tmpdir(), 'keel-command-'));
    after(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(join(dir, 'src'));
    for (const file of ['train.py', 'src/job.sh', 'fit.R', '-c.py', 'notes.txt']) writeFileSync(join(dir, file), '');
    writeFileSync(join(dir, 'MLproject'), 'entry_points: {main: {command: "python train.py"}}');
    const project = loadProject(dir);

    it('run .py, .sh and .R files of the project as argument vectors, parameters as --name value', () => {
      assert.equal(findEntryPoint(project, 'main').isScript, false);
      assert.equal(findEntryPoint(project, 'train.py').isScript, true);
      assert.deepEqual(
        scriptCommand(
          'train.py',
          [
            ['lr', '0.1'],
            ['note', 'a b; $(id)'],
          ],
          {},
        ),
        {
          kind: 'argv',
          argv: ['python', 'train.py', '--lr', '0.1', '--note', 'a b; $(id)'],
        },
      );
      assert.deepEqual(scriptCommand('src/job.sh', [], { SHELL: '/bin/zsh' }), {
        kind: 'argv',
        argv: ['/bin/zsh', 'src/job.sh'],
      });
      assert.deepEqual(scriptCommand('src/job.sh', [], {}), { kind: 'argv', argv: ['bash', 'src/job.sh'] });
      assert.deepEqual(scriptCommand('fit.R', [['n', '1']], {}), {
        kind: 'argv',
        argv: ['Rscript', '-e', "mlflow::mlflow_source('fit.R')", '--args', '--n', '1'],
      });
      // A file named like an option is passed as a path.
      assert.deepEqual(scriptCommand('-c.py', [], {}), { kind: 'argv', argv: ['python', './-c.py'] });
    });

    it('refuse unknown names, missing files and files outside the project', () => {
      const fails = (name: string, message: RegExp) =>
        assert.throws(
          () => findEntryPoint(project, name),
          (e) => e instanceof ProjectError && message.test(e.message),
        );
      fails('train', /Could not find train among entry points \['main'\] or interpret train as a runnable script/);
      fails('notes.txt', /Supported script file extensions/);
      fails('missing.py', /no file missing\.py/);
      fails('../escape.py', /outside the project directory/);
      fails('/etc/passwd.py', /outside the project directory/);
    });
  });
});
