import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProjectError } from '../errors.js';
import { loadProject } from '../mlproject.js';
import { type PythonEnvTool, prepareCachedPythonEnv } from './cached-python-env.js';
import { CondaEnvManager } from './conda-env-manager.js';
import { DockerEnvManager, dockerArgsFrom, dockerRunCommand } from './docker-env-manager.js';
import { describeEnvManager } from './env-manager.contract.js';
import { envManagerNameFor } from './env-managers.js';
import { LocalEnvManager } from './local-env-manager.js';
import { NodeEnvManager } from './node-env-manager.js';
import { findPython } from './python-env.js';
import { UvEnvManager } from './uv-env-manager.js';
import { VirtualenvEnvManager } from './virtualenv-env-manager.js';

const root = mkdtempSync(join(tmpdir(), 'keel-envs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let counter = 0;
/** A fresh directory under the suite's temp root. */
function fresh(name: string): string {
  const dir = join(root, `${name}-${counter++}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Writes executable scripts into a fresh bin directory and returns the PATH that finds them first. */
function fakeTools(scripts: Record<string, string>): string {
  const bin = fresh('bin');
  for (const [name, body] of Object.entries(scripts)) {
    writeFileSync(join(bin, name), `#!/bin/bash\n${body}\n`);
    chmodSync(join(bin, name), 0o755);
  }
  return `${bin}:${process.env.PATH ?? ''}`;
}

const printEnv = (name: string) => [process.execPath, '-e', `console.log(process.env.${name})`];

describeEnvManager('local', async () => {
  const dir = fresh('local');
  return {
    manager: new LocalEnvManager(),
    spec: { dir, environment: { kind: 'python' } },
    baseEnv: { ...process.env, KEEL_PROBE: 'host-env' },
    probe: printEnv('KEEL_PROBE'),
    expect: /^host-env$/m,
    caches: false,
  };
});

describeEnvManager('virtualenv (python_env.yaml without requirements)', async () => {
  const dir = fresh('venv-project');
  writeFileSync(join(dir, 'python_env.yaml'), 'python: "3"\nbuild_dependencies: []\ndependencies: []\n');
  const envRoot = fresh('venv-root');
  return {
    manager: new VirtualenvEnvManager({ env: process.env, envRoot }),
    spec: { dir, environment: loadProject(dir).environment },
    baseEnv: process.env,
    probe: ['python', '-c', 'import sys; print(sys.prefix)'],
    expect: new RegExp(`^${realpathSync(envRoot)}/virtualenv_envs/keel-[0-9a-f]{40}$`, 'm'),
    caches: true,
  };
});

describeEnvManager('node (npm ci, cached by lock file hash)', async () => {
  const dir = fresh('node-project');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'probe', version: '1.0.0', private: true }));
  writeFileSync(
    join(dir, 'package-lock.json'),
    JSON.stringify({
      name: 'probe',
      version: '1.0.0',
      lockfileVersion: 3,
      requires: true,
      packages: { '': { name: 'probe', version: '1.0.0' } },
    }),
  );
  return {
    manager: new NodeEnvManager({ env: process.env, envRoot: fresh('node-root') }),
    spec: { dir, environment: { kind: 'python' } },
    baseEnv: process.env,
    probe: [process.execPath, '-e', "console.log(process.env.PATH.split(':')[0])"],
    expect: new RegExp(`^${dir}/node_modules/\\.bin$`, 'm'),
    caches: true,
  };
});

// conda and uv are not installed here: small fakes with their command-line shapes stand in.
const FAKE_CONDA = `
if [ "$1" = env ] && [ "$2" = create ] && [ "$3" = --prefix ] && [ "$5" = --file ]; then
  mkdir -p "$4/bin" && cp "$6" "$4/environment.yml" && echo "created $4"; exit 0
fi
if [ "$1" = run ] && [ "$2" = --prefix ] && [ "$4" = --no-capture-output ]; then
  prefix="$3"; shift 4; CONDA_PREFIX="$prefix" exec "$@"
fi
echo "fake conda: unexpected arguments: $*" >&2; exit 2`;

describeEnvManager('conda (fake conda on PATH)', async () => {
  const dir = fresh('conda-project');
  writeFileSync(join(dir, 'conda.yaml'), 'name: x\ndependencies:\n  - python=3.11\n  - pip:\n    - requests\n');
  const envRoot = fresh('conda-root');
  const env = {
    ...process.env,
    PATH: fakeTools({ conda: FAKE_CONDA }),
    MLFLOW_DISABLE_ENV_MANAGER_CONDA_WARNING: 'true',
  };
  return {
    manager: new CondaEnvManager({ env, envRoot }),
    spec: { dir, environment: loadProject(dir).environment },
    baseEnv: env,
    probe: printEnv('CONDA_PREFIX'),
    expect: new RegExp(`^${envRoot}/conda_envs/keel-[0-9a-f]{40}$`, 'm'),
    caches: true,
  };
});

const FAKE_UV = `
if [ "$1" = venv ] && [ "$2" = --python ] && [ "$4" = -- ]; then
  mkdir -p "$5/bin" && printf '#!/bin/sh\\nexec %s "$@"\\n' "$3" > "$5/bin/python" && chmod +x "$5/bin/python"; exit 0
fi
echo "fake uv: unexpected arguments: $*" >&2; exit 2`;

describeEnvManager('uv (fake uv on PATH)', async () => {
  const dir = fresh('uv-project');
  const envRoot = fresh('uv-root');
  const env = { ...process.env, PATH: fakeTools({ uv: FAKE_UV }) };
  return {
    manager: new UvEnvManager({ env, envRoot }),
    spec: { dir, environment: { kind: 'python' } },
    baseEnv: env,
    probe: printEnv('VIRTUAL_ENV'),
    expect: new RegExp(`^${envRoot}/uv_envs/keel-[0-9a-f]{40}$`, 'm'),
    caches: true,
  };
});

function rejectsWith(promise: Promise<unknown>, message: RegExp) {
  return assert.rejects(promise, (error) => {
    assert.ok(error instanceof ProjectError, String(error));
    assert.match(error.message, message);
    return true;
  });
}

describe('environment managers', () => {
  const noTools = { PATH: fakeTools({}).split(':')[0], HOME: root };

  it('conda and uv fail at once, naming the other managers, when their tool is missing', async () => {
    const dir = fresh('missing');
    writeFileSync(join(dir, 'conda.yaml'), 'dependencies: [python=3.11]');
    const spec = { dir, environment: loadProject(dir).environment };
    await rejectsWith(
      new CondaEnvManager({ env: noTools, envRoot: fresh('r') }).prepare(spec),
      /conda is not installed: neither conda nor mamba was found on PATH.*--env-manager virtualenv.*local/,
    );
    await rejectsWith(
      new UvEnvManager({ env: noTools, envRoot: fresh('r') }).prepare(spec),
      /uv is not installed.*--env-manager virtualenv/,
    );
    const pythonEnv = { dir, environment: { kind: 'python' as const, file: join(dir, 'conda.yaml') } };
    await rejectsWith(
      new CondaEnvManager({ env: process.env, envRoot: fresh('r') }).prepare(pythonEnv),
      /python_env project cannot be executed using conda/,
    );
  });

  it('virtualenv names the interpreters it found when the wanted Python is missing', async () => {
    await rejectsWith(
      findPython('3.99', process.env),
      /No Python 3\.99 interpreter found; found .*\(3\.\d+\.\d+\).*--env-manager local/,
    );
    await rejectsWith(findPython('3.x', process.env), /Invalid python version '3\.x'/);
    const found = await findPython(undefined, process.env);
    assert.match(found.version, /^3\.\d+\.\d+$/);
  });

  it('a failed creation leaves nothing to reuse, and the next run starts over', async () => {
    const dir = fresh('bad-req');
    writeFileSync(join(dir, 'python_env.yaml'), 'python: "3"\ndependencies: ["numpy==1.0"]\n');
    const envRoot = fresh('bad-root');
    const made: string[] = [];
    let failInstall = true;
    const tool: PythonEnvTool = {
      kind: 'virtualenv',
      async create(envDir) {
        mkdirSync(join(envDir, 'bin'), { recursive: true });
        made.push(envDir);
      },
      async install() {
        if (failInstall)
          throw new ProjectError('pip install failed (exit 1):\nERROR: No matching distribution found for numpy==1.0');
      },
    };
    const spec = { dir, environment: loadProject(dir).environment };
    await rejectsWith(
      prepareCachedPythonEnv(tool, { env: process.env, envRoot }, spec),
      /pip install failed \(exit 1\)/,
    );
    assert.equal(made.length, 1);
    assert.equal(existsSync(made[0] as string), false, 'the half-made environment is removed');
    failInstall = false;
    const prepared = await prepareCachedPythonEnv(tool, { env: process.env, envRoot }, spec);
    assert.equal(made.length, 2, 'created again, not reused');
    assert.equal(prepared.env.VIRTUAL_ENV, made[1]);
    await prepareCachedPythonEnv(tool, { env: process.env, envRoot }, spec);
    assert.equal(made.length, 2, 'now reused');
  });

  it('node needs a package.json, and installs without a lock file without writing one', async () => {
    const empty = fresh('no-package');
    await rejectsWith(
      new NodeEnvManager({ env: process.env, envRoot: fresh('r') }).prepare({
        dir: empty,
        environment: { kind: 'python' },
      }),
      /--env-manager node needs a package\.json/,
    );
    const dir = fresh('no-lock');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'nolock', version: '1.0.0', private: true }));
    const prepared = await new NodeEnvManager({ env: process.env, envRoot: fresh('r') }).prepare({
      dir,
      environment: { kind: 'python' },
    });
    assert.equal(existsSync(join(dir, 'package-lock.json')), false);
    assert.match(readFileSync(join(dir, 'node_modules', '.keel-install-hash'), 'utf8'), /^[0-9a-f]{64}$/m);
    assert.match(prepared.env.PATH ?? '', new RegExp(`^${dir}/node_modules/\\.bin:`));
  });

  it('chooses the manager a project declares, node for a package.json, and refuses unknown names', () => {
    const make = (files: Record<string, string>) => {
      const dir = fresh('choose');
      for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
      return loadProject(dir);
    };
    assert.equal(envManagerNameFor(make({}), undefined), 'virtualenv');
    assert.equal(envManagerNameFor(make({ 'python_env.yaml': 'python: "3"' }), undefined), 'virtualenv');
    assert.equal(envManagerNameFor(make({ 'conda.yaml': 'dependencies: []' }), undefined), 'conda');
    assert.equal(envManagerNameFor(make({ 'package.json': '{}' }), undefined), 'node');
    assert.equal(envManagerNameFor(make({ 'package.json': '{}' }), 'local'), 'local');
    const docker = make({ MLproject: 'name: d\ndocker_env: {image: "python:3.11"}' });
    assert.equal(envManagerNameFor(docker, undefined), 'docker');
    assert.throws(() => envManagerNameFor(docker, 'local'), /runs in its container: drop --env-manager/);
    assert.throws(
      () => envManagerNameFor(make({}), 'pip'),
      (e) =>
        e instanceof ProjectError &&
        e.isUsageError &&
        /Invalid value for `env_manager`: pip\. Must be one of \['local', 'virtualenv', 'uv', 'conda', 'node'\]/.test(
          e.message,
        ),
    );
  });
});

describe('docker environment', () => {
  const docker = {
    image: 'python:3.11-slim',
    volumes: ['/data:/data:ro'],
    environment: [['MODE', 'fast $(id)'] as const, 'HOST_VAR'],
  };

  it('builds the docker run argument list, passing values through the environment, not the arguments', () => {
    const command = dockerRunCommand(
      docker,
      '/work/project',
      ['MLFLOW_RUN_ID', 'MLFLOW_TRACKING_URI'],
      { MLFLOW_RUN_ID: 'abc', MLFLOW_TRACKING_URI: 'http://h:5000', HOST_VAR: 'from host' },
      { args: dockerArgsFrom(['network=host', 'privileged', 'm=512m']), mounts: ['/store:/store'] },
    );
    assert.deepEqual(command.argv, [
      'docker',
      'run',
      '--rm',
      '--network=host',
      '--privileged',
      '-m',
      '512m',
      '-v',
      '/work/project:/mlflow/projects/code',
      '-w',
      '/mlflow/projects/code',
      '-v',
      '/store:/store',
      '-v',
      '/data:/data:ro',
      '-e',
      'MLFLOW_RUN_ID',
      '-e',
      'MLFLOW_TRACKING_URI',
      '-e',
      'MODE',
      '-e',
      'HOST_VAR',
      'python:3.11-slim',
    ]);
    assert.deepEqual(command.env, {
      MLFLOW_RUN_ID: 'abc',
      MLFLOW_TRACKING_URI: 'http://h:5000',
      MODE: 'fast $(id)',
      HOST_VAR: 'from host',
    });
    assert.throws(() => dockerRunCommand(docker, '/p', [], {}, {}), /names HOST_VAR, which is not set/);
    assert.throws(
      () => dockerRunCommand({ ...docker, image: '--privileged' }, '/p', [], { HOST_VAR: '1' }, {}),
      /Invalid docker image name/,
    );
    assert.throws(() => dockerArgsFrom(['--rm=x']), /Invalid -A option/);
  });

  it('fails clearly when no Docker engine answers', async () => {
    // The real client pointed at no engine (this machine has no engine either); a fake when no client is installed.
    const realClient = spawnSync('docker', ['--version']).status === 0;
    const env = realClient
      ? { ...process.env, DOCKER_HOST: 'unix:///nonexistent/keel-docker.sock' }
      : {
          ...process.env,
          PATH: fakeTools({
            docker: 'echo "Cannot connect to the Docker daemon at unix:///nonexistent.sock" >&2; exit 1',
          }),
        };
    const subject = new DockerEnvManager({ env, envRoot: root });
    await rejectsWith(
      subject.prepare({ dir: root, environment: { kind: 'docker', docker: { ...docker, environment: [] } } }),
      /No Docker engine answered \(docker version: .*\)\. Start Docker/,
    );
  });

  it('prefixes the command with docker run and tags the image when an engine answers', async () => {
    const FAKE_DOCKER = `
case "$1 $2" in
  "version --format") echo 27.0.0 ;;
  "image inspect") echo sha256:feedbeef ;;
  *) echo "fake docker: unexpected $*" >&2; exit 2 ;;
esac`;
    const env = { ...process.env, PATH: fakeTools({ docker: FAKE_DOCKER }) };
    const prepared = await new DockerEnvManager({ env, envRoot: root }).prepare({
      dir: '/work/p',
      environment: { kind: 'docker', docker: { ...docker, environment: [] } },
      passEnv: ['MLFLOW_RUN_ID'],
    });
    assert.equal(prepared.shell, 'sh');
    assert.deepEqual(prepared.tags, {
      'mlflow.docker.image.uri': 'python:3.11-slim',
      'mlflow.docker.image.id': 'sha256:feedbeef',
    });
    assert.equal(prepared.commandPrefix.at(-1), 'python:3.11-slim');
  });
});
