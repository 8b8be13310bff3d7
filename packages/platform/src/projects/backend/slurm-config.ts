/**
 * `--backend-config` of the Slurm backend: a JSON object (inline or in a `.json` file) with the
 * job's partition, time limit, resources and extra `sbatch` options. Every value becomes one
 * `--name=value` argument of `sbatch` (never text of the batch script), and unknown keys are an
 * error that lists the known ones.
 */
import { z } from 'zod';
import { ProjectError } from '../errors.js';

const text = z
  .string()
  .min(1)
  // No control characters (newlines included): one line of text.
  .refine(
    (value) => ![...value].some((c) => c.charCodeAt(0) < 0x20 || c.charCodeAt(0) === 0x7f),
    'must be one line of text',
  );
const count = z.union([z.number().int().positive(), text]);

const SCHEMA = z
  .object({
    partition: text.optional(),
    time: text.optional(),
    nodes: count.optional(),
    ntasks: count.optional(),
    cpus_per_task: count.optional(),
    mem: text.optional(),
    mem_per_cpu: text.optional(),
    gpus: count.optional(),
    gres: text.optional(),
    account: text.optional(),
    qos: text.optional(),
    constraint: text.optional(),
    job_name: text.optional(),
    sbatch_options: z.array(text.regex(/^--?[A-Za-z]/, 'must be an sbatch option such as --exclusive')).optional(),
    output_dir: text.optional(),
    poll_interval: z.number().positive().max(3600).optional(),
    keel_command: z.array(text).min(1).optional(),
  })
  .strict();

/** The Slurm backend's settings. */
export type SlurmConfig = z.infer<typeof SCHEMA>;

/** Keys whose values become `sbatch --<key-with-dashes>=<value>`. */
const SBATCH_KEYS = [
  'partition',
  'time',
  'nodes',
  'ntasks',
  'cpus_per_task',
  'mem',
  'mem_per_cpu',
  'gpus',
  'gres',
  'account',
  'qos',
  'constraint',
  'job_name',
] as const;

/**
 * Validates a backend configuration (keys may be written with `-` or `_`).
 *
 * @example
 * parseSlurmConfig({ partition: 'gpu', time: '01:00:00', 'cpus-per-task': 4 });
 */
export function parseSlurmConfig(input: unknown): SlurmConfig {
  if (input === undefined || input === null) return {};
  if (typeof input !== 'object' || Array.isArray(input)) {
    throw new ProjectError('The Slurm backend config must be a JSON object.', true);
  }
  const normalized = Object.fromEntries(Object.entries(input).map(([k, v]) => [k.replaceAll('-', '_'), v]));
  const parsed = SCHEMA.safeParse(normalized);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const known = Object.keys(SCHEMA.shape).join(', ');
    if (issue?.code === 'unrecognized_keys') {
      throw new ProjectError(
        `Unknown Slurm backend config key(s): ${issue.keys.join(', ')}. Known keys: ${known}.`,
        true,
      );
    }
    const where = issue?.path.join('.') ?? '';
    throw new ProjectError(
      `Invalid Slurm backend config${where === '' ? '' : ` '${where}'`}: ${issue?.message ?? 'invalid'}.`,
      true,
    );
  }
  return Object.freeze(parsed.data);
}

/** The `sbatch` options of a configuration, in a stable order. */
export function sbatchOptions(config: SlurmConfig): string[] {
  const out: string[] = [];
  for (const key of SBATCH_KEYS) {
    const value = config[key];
    if (value !== undefined) out.push(`--${key.replaceAll('_', '-')}=${value}`);
  }
  return [...out, ...(config.sbatch_options ?? [])];
}
