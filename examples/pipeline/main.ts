/**
 * The workflow: runs `prepare`, then `train` on its output, each as a child run of this step's
 * run (runProject sets mlflow.parentRunId from MLFLOW_RUN_ID). With --reuse true, a prepare run
 * already FINISHED with the same parameters and git commit is reused instead of run again.
 */
import { resolve } from 'node:path';
import { runProject } from '@keel/platform/projects';
import { parseArgs } from './csv.js';

const args = parseArgs(process.argv.slice(2));
const clean = resolve(args.output ?? 'data/clean.csv');
// Steps run in this process's environment: its dependencies are already installed.
const common = { envManager: 'local', onProgress: (message: string) => console.error(`[main] ${message}`) } as const;

const prepare = await runProject('.', {
  ...common,
  entryPoint: 'prepare',
  parameters: { input: args.input ?? 'data/raw.csv', output: clean },
  reuseFinished: args.reuse === 'true',
});
const train = await runProject('.', {
  ...common,
  entryPoint: 'train',
  parameters: { data: clean, epochs: args.epochs ?? '200' },
});
console.log(`main: prepare run ${prepare.runId}${prepare.reused ? ' (reused)' : ''}, train run ${train.runId}`);
