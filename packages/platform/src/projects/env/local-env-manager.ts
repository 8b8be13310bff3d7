/** `--env-manager local`: the command runs in the launcher's environment; nothing is created. */
import type { EnvManager, EnvProgressListener, EnvSpec, PreparedEnv } from './env-manager.js';

/** Runs commands as they are. */
export class LocalEnvManager implements EnvManager {
  readonly name = 'local';
  readonly tag = undefined;

  async prepare(_spec: EnvSpec, onProgress?: EnvProgressListener): Promise<PreparedEnv> {
    onProgress?.({ kind: 'step', message: 'Using the current environment (--env-manager local)' });
    return { commandPrefix: [], env: {}, description: 'the current environment' };
  }
}
