// A load client for multi-process tests: writers that spread their requests over several Keel
// servers in turn, and record which points each server acknowledged.
import { mlflowApi } from './http.js';

export interface WriterLoad {
  readonly writers: number;
  readonly runsPerWriter: number;
  readonly pointsPerRun: number;
  /** Points per log-batch request. */
  readonly batchSize: number;
}

export interface WriterOutcome {
  readonly experimentId: string;
  /** Run id -> steps of the points whose batch was acknowledged (HTTP 200). */
  readonly acknowledged: Map<string, number[]>;
  /** Requests answered with anything but 200, with their answer. */
  readonly failures: string[];
}

/** Cycles through base URLs, one per request, shared by every writer. */
export function roundRobin(urls: readonly string[]) {
  const apis = urls.map((url) => mlflowApi(url));
  let next = 0;
  return () => apis[next++ % apis.length] as ReturnType<typeof mlflowApi>;
}

/** Runs the writers concurrently; each creates its runs one after another and logs their points. */
export async function driveWriters(urls: readonly string[], load: WriterLoad): Promise<WriterOutcome> {
  const api = roundRobin(urls);
  const name = `load-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const created = await api().post('/experiments/create', { name });
  if (created.status !== 200) throw new Error(`cannot create the experiment: ${created.text}`);
  const experimentId = created.json.experiment_id as string;
  const acknowledged = new Map<string, number[]>();
  const failures: string[] = [];
  const writer = async (w: number) => {
    for (let r = 0; r < load.runsPerWriter; r++) {
      const run = await api().post('/runs/create', { experiment_id: experimentId, run_name: `w${w}-r${r}` });
      if (run.status !== 200) {
        failures.push(`runs/create ${run.status} ${run.text}`);
        continue;
      }
      const runId = run.json.run.info.run_id as string;
      const steps: number[] = [];
      acknowledged.set(runId, steps);
      for (let start = 0; start < load.pointsPerRun; start += load.batchSize) {
        const batch = Array.from({ length: Math.min(load.batchSize, load.pointsPerRun - start) }, (_, i) => start + i);
        const metrics = batch.map((step) => ({
          key: 'loss',
          value: 1 / (step + 1),
          timestamp: 1_700_000_000_000 + step,
          step,
        }));
        const answer = await api().post('/runs/log-batch', { run_id: runId, metrics });
        if (answer.status === 200) steps.push(...batch);
        else failures.push(`runs/log-batch ${answer.status} ${answer.text}`);
      }
    }
  };
  await Promise.all(Array.from({ length: load.writers }, (_, w) => writer(w)));
  return { experimentId, acknowledged, failures };
}

/** Creates `count` versions of one new model concurrently over the servers; returns their numbers. */
export async function createVersionsConcurrently(urls: readonly string[], count: number): Promise<number[]> {
  const api = roundRobin(urls);
  const name = `model-${Date.now()}-${Math.random().toString(36).slice(2)}`;
  const model = await api().post('/registered-models/create', { name });
  if (model.status !== 200) throw new Error(`cannot create the model: ${model.text}`);
  const answers = await Promise.all(
    Array.from({ length: count }, (_, i) =>
      api().post('/model-versions/create', { name, source: `s3://bucket/models/m${i}` }),
    ),
  );
  return answers.map((answer) => {
    if (answer.status !== 200) throw new Error(`model-versions/create ${answer.status} ${answer.text}`);
    return Number(answer.json.model_version.version);
  });
}
