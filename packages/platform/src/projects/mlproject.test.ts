import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProjectError } from './errors.js';
import { findMlprojectFile, loadProject, parseMlproject } from './mlproject.js';

const SPEC_EXAMPLE = `
name: churn-model
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      data_path: path
      alpha: {type: float, default: 0.5}
      max_iter: {type: int, default: 100}
      run_label: {type: string, default: "baseline"}
    command: "python train.py --data {data_path} --alpha {alpha} --max-iter {max_iter} --label {run_label}"
  fetch:
    parameters:
      source: uri
    command: "python fetch.py {source}"
`;

describe('MLproject files', () => {
  const root = mkdtempSync(join(tmpdir(), 'keel-mlproject-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  let n = 0;
  const project = (files: Record<string, string>) => {
    const dir = join(root, `p${n++}`);
    mkdirSync(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  };

  it('reads the spec example: entry points, parameter forms and defaults, environment file', () => {
    const dir = project({ MLproject: SPEC_EXAMPLE, 'python_env.yaml': 'python: "3.11"\n' });
    const p = loadProject(dir);
    assert.equal(p.name, 'churn-model');
    assert.equal(p.file, join(dir, 'MLproject'));
    assert.deepEqual([...p.entryPoints.keys()], ['main', 'fetch']);
    assert.deepEqual(p.entryPoints.get('main')?.parameters, [
      { name: 'data_path', type: 'path' },
      { name: 'alpha', type: 'float', default: '0.5' },
      { name: 'max_iter', type: 'int', default: '100' },
      { name: 'run_label', type: 'string', default: 'baseline' },
    ]);
    assert.deepEqual(p.environment, { kind: 'python', file: join(dir, 'python_env.yaml') });
  });

  it('matches the file name in any letter case', () => {
    for (const name of ['mlproject', 'MLPROJECT', 'MlProject']) {
      const dir = project({ [name]: 'entry_points: {main: {command: "echo hi"}}' });
      assert.equal(findMlprojectFile(dir), join(dir, name));
      assert.equal(loadProject(dir).entryPoints.get('main')?.command, 'echo hi');
    }
  });

  it("keeps defaults as Python's str() prints them", () => {
    const p = parseMlproject(
      `entry_points:
  main:
    parameters:
      a: {default: 1.0}
      b: {type: float, default: 1e-7}
      c: {default: yes}
      d: {default: n}
      e: {default: 10}
      f: {default: null}
      n: {type: int, default: 3}
    command: "x {a} {b} {c} {d} {e} {f} {n}"`,
      '/p/MLproject',
      '/p',
    );
    const params = p.entryPoints.get('main')?.parameters ?? [];
    assert.deepEqual(
      params.map((q) => [q.name, q.type, q.default]),
      [
        ['a', 'string', '1.0'],
        ['b', 'float', '1e-07'],
        ['c', 'string', 'True'],
        ['d', 'string', 'n'],
        ['e', 'string', '10'],
        ['f', 'string', undefined],
        ['n', 'int', '3'],
      ],
    );
  });

  it('infers the environment from python_env.yaml, then conda.yaml, and allows no MLproject file', () => {
    const none = loadProject(project({ 'train.py': 'print(1)' }));
    assert.equal(none.file, undefined);
    assert.equal(none.entryPoints.size, 0);
    assert.deepEqual(none.environment, { kind: 'python' });
    const conda = project({ 'conda.yaml': 'dependencies: [python=3.11]' });
    assert.deepEqual(loadProject(conda).environment, { kind: 'conda', file: join(conda, 'conda.yaml') });
    const both = project({ 'conda.yaml': 'x: 1', 'python_env.yaml': 'python: "3.11"' });
    assert.equal(loadProject(both).environment.kind, 'python');
  });

  it('reads docker_env and checks it', () => {
    const p = parseMlproject(
      `name: d
docker_env:
  image: python:3.11-slim
  volumes: ["/data:/data"]
  environment: [["MODE", "fast"], "HOME"]
entry_points: {main: {command: "python x.py"}}`,
      '/p/MLproject',
      '/p',
    );
    assert.deepEqual(p.environment, {
      kind: 'docker',
      docker: { image: 'python:3.11-slim', volumes: ['/data:/data'], environment: [['MODE', 'fast'], 'HOME'] },
    });
    const bad = (text: string, message: RegExp) =>
      assert.throws(() => parseMlproject(text, '/p/MLproject', '/p'), message);
    bad('docker_env: {image: x}', /needs a 'name'/);
    bad('name: d\ndocker_env: {volumes: []}', /needs an 'image'/);
    bad('name: d\ndocker_env: {image: x, volumes: "/a:/b"}', /volumes must be a list of strings/);
    bad('name: d\ndocker_env: {image: x, environment: [{a: 1}]}', /variable name or a \[name, value\] pair/);
  });

  it('refuses what MLflow refuses, and what Keel checks beyond it, with the file named', () => {
    const bad = (text: string, message: RegExp, dir = '/p') =>
      assert.throws(
        () => parseMlproject(text, '/p/MLproject', dir),
        (error) => {
          assert.ok(error instanceof ProjectError);
          assert.match(error.message, message);
          return true;
        },
      );
    bad(
      'python_env: a.yaml\nconda_env: b.yaml',
      /Project cannot contain multiple environment fields: \{'python_env', 'conda_env'\}/,
    );
    bad(
      'python_env: missing.yaml',
      /Project specified python_env file \/p\/missing.yaml, but no such file was found\./,
    );
    bad('conda_env: missing.yaml', /Project specified conda environment file/);
    bad('entry_points: {main: {parameters: {x: int}}}', /entry point 'main' has no command/);
    bad(
      'entry_points: {main: {command: "echo", parameters: {"a b": int}}}',
      /parameter name 'a b' of entry point 'main' may only use/,
    );
    bad('entry_points: {main: {command: "echo", parameters: {"$(id)": int}}}', /parameter name '\$\(id\)'/);
    bad('entry_points: [main]', /entry_points must be a map/);
    bad(
      'entry_points: {main: {command: "a"}}\nentry_points: {}',
      /Invalid MLproject file \/p\/MLproject: line 2, column 1: /,
    );
    bad(
      'name: x\nentry_points:\n  main:\n    command: "echo hi\n',
      /MLproject: line 5, column 1: Missing closing "quote/,
    );
    bad('- just\n- a list', /top level must be a map/);
    bad('entry_points: {main: {command: "x", parameters: {a: {default: [1, 2]}}}}', /must be a single value/);
  });
});
