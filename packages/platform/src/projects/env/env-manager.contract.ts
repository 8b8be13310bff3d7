/**
 * The behaviour every `EnvManager` owes its callers: a prepared environment runs a command
 * inside it (prefix + variables), preparation reports steps, and an environment made once is
 * reused (also when two runs prepare it at the same time). Each manager's test runs this suite
 * with a real tool or a small fake on PATH.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import type { EnvManager, EnvProgress, EnvSpec, PreparedEnv } from './env-manager.js';

/** One manager under test. */
export interface EnvManagerFixture {
  readonly manager: EnvManager;
  readonly spec: EnvSpec;
  /** The launcher's environment the prepared variables are laid over. */
  readonly baseEnv: Readonly<Record<string, string | undefined>>;
  /** A command that prints something only the environment explains. */
  readonly probe: readonly string[];
  readonly expect: RegExp;
  /** Whether the manager creates something it can reuse. */
  readonly caches: boolean;
}

/** Runs `probe` inside a prepared environment and returns its stdout. */
export function runInside(
  prepared: PreparedEnv,
  probe: readonly string[],
  baseEnv: Readonly<Record<string, string | undefined>>,
  cwd: string,
): string {
  const [program, ...args] = [...prepared.commandPrefix, ...probe];
  const result = spawnSync(program as string, args, {
    cwd,
    env: { ...baseEnv, ...prepared.env } as NodeJS.ProcessEnv,
    encoding: 'utf8',
  });
  assert.equal(result.status, 0, `${program} ${args.join(' ')}: ${result.error?.message ?? result.stderr}`);
  return result.stdout;
}

/**
 * Registers the contract tests for one manager. `make` builds a fresh fixture (its own cache
 * directory) for each test.
 */
export function describeEnvManager(name: string, make: () => Promise<EnvManagerFixture>): void {
  describe(`EnvManager contract: ${name}`, () => {
    it('prepares an environment whose prefix and variables run commands inside it', async () => {
      const f = await make();
      const events: EnvProgress[] = [];
      const prepared = await f.manager.prepare(f.spec, (e) => events.push(e));
      for (const value of [...prepared.commandPrefix, ...Object.values(prepared.env)])
        assert.equal(typeof value, 'string');
      assert.ok(prepared.description.length > 0);
      assert.match(runInside(prepared, f.probe, f.baseEnv, f.spec.dir), f.expect);
      assert.ok(
        events.some((e) => e.kind === 'step'),
        'reports at least one step',
      );
    });

    it('reuses the environment it made, also when two runs prepare it at once', async () => {
      const f = await make();
      if (!f.caches) {
        const again = await f.manager.prepare(f.spec);
        assert.match(runInside(again, f.probe, f.baseEnv, f.spec.dir), f.expect);
        return;
      }
      const steps: string[] = [];
      const record = (e: EnvProgress) => {
        if (e.kind === 'step') steps.push(e.message);
      };
      const [a, b] = await Promise.all([f.manager.prepare(f.spec, record), f.manager.prepare(f.spec, record)]);
      assert.deepEqual(a.env, b.env);
      assert.deepEqual(a.commandPrefix, b.commandPrefix);
      assert.equal(steps.filter((s) => /^(Creating|Installing)/.test(s)).length, 1, steps.join('\n'));
      steps.length = 0;
      const third = await f.manager.prepare(f.spec, record);
      assert.deepEqual(third.env, a.env);
      assert.ok(
        steps.some((s) => s.startsWith('Reusing')),
        steps.join('\n'),
      );
      assert.match(runInside(third, f.probe, f.baseEnv, f.spec.dir), f.expect);
    });
  });
}
