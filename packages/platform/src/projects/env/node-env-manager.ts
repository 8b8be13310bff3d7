/**
 * `--env-manager node`: a project with a `package.json` gets its dependencies installed in
 * place, `npm ci` from the lock file (or `npm install` without one). The install is skipped when
 * `node_modules` was made from the same lock file (its hash is recorded there), and the
 * project's `node_modules/.bin` goes first on PATH.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { ProjectError } from '../errors.js';
import { findExecutable, runChecked } from '../process.js';
import { contentHash, withEnvLock } from './env-cache.js';
import type { EnvManager, EnvManagerOptions, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';
import { prependPath } from './env-manager.js';

const HASH_FILE = '.keel-install-hash';

/** Installs npm dependencies of a project. */
export class NodeEnvManager implements EnvManager {
  readonly name = 'node';
  readonly tag = 'node';
  private readonly options: EnvManagerOptions;

  constructor(options: EnvManagerOptions) {
    this.options = Object.freeze({ ...options });
  }

  /** npm on PATH, else the one installed beside this Node. */
  private findNpm(): string {
    const npm =
      findExecutable('npm', this.options.env.PATH) ?? findExecutable(join(dirname(process.execPath), 'npm'), undefined);
    if (npm === undefined)
      throw new ProjectError('npm was not found on PATH; install Node.js with npm, or run with --env-manager local.');
    return npm;
  }

  async prepare(
    spec: EnvSpec,
    onProgress: EnvProgressListener = () => undefined,
    signal?: AbortSignal,
  ): Promise<PreparedEnv> {
    const manifest = join(spec.dir, 'package.json');
    if (!existsSync(manifest)) {
      throw new ProjectError(
        `--env-manager node needs a package.json in ${spec.dir}; use --env-manager local for a project without one.`,
      );
    }
    const lock = ['package-lock.json', 'npm-shrinkwrap.json'].map((f) => join(spec.dir, f)).find((f) => existsSync(f));
    const hash = createHash('sha256')
      .update(readFileSync(lock ?? manifest))
      .digest('hex');
    const modules = join(spec.dir, 'node_modules');
    const prepared: PreparedEnv = {
      commandPrefix: [],
      env: { PATH: prependPath(join(modules, '.bin'), this.options.env) },
      description: `node_modules of ${spec.dir}`,
    };
    const current = () => {
      try {
        return readFileSync(join(modules, HASH_FILE), 'utf8').trim();
      } catch {
        return undefined;
      }
    };
    if (current() === hash) {
      onProgress({
        kind: 'step',
        message: `Reusing ${modules} (installed from the same ${lock === undefined ? 'package.json' : 'lock file'})`,
      });
      return prepared;
    }
    const npm = this.findNpm();
    const argv =
      lock === undefined
        ? [npm, 'install', '--no-package-lock', '--no-audit', '--no-fund']
        : [npm, 'ci', '--no-audit', '--no-fund'];
    const env = { ...this.options.env } as NodeJS.ProcessEnv;
    await withEnvLock(
      join(this.options.envRoot, 'node_locks', `${contentHash(spec.dir)}.lock`),
      () => onProgress({ kind: 'step', message: `Waiting for another run installing into ${modules}` }),
      async () => {
        if (current() === hash) return;
        onProgress({
          kind: 'step',
          message: `Installing npm dependencies: ${argv.slice(1).join(' ')} (in ${spec.dir})`,
        });
        await runChecked(
          argv,
          {
            cwd: spec.dir,
            env,
            onOutput: (text) => onProgress({ kind: 'output', text }),
            ...(signal ? { signal } : {}),
          },
          `npm ${argv[1]}`,
        );
        // A project without dependencies gets no node_modules from npm: make one to hold the marker.
        await mkdir(modules, { recursive: true });
        await writeFile(join(modules, HASH_FILE), `${hash}\n`);
      },
      signal,
    );
    return prepared;
  }
}
