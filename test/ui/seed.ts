// Seeds a Keel server for the browser suites: an experiment with finished, failed and nested
// runs, params, metrics with histories, tags (one run named like an XSS probe), and artifacts of
// every previewable kind, including an MLflow model directory to register.
import { deflateSync } from 'node:zlib';
import { KeelClient } from '@keel/client';

export const XSS_NAME = '<img src=x onerror=alert(1)>';

export interface Seeded {
  readonly experimentId: string;
  readonly otherExperimentId: string;
  /** Run ids by name. */
  readonly runs: Readonly<Record<string, string>>;
}

function crc32(bytes: Uint8Array): number {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return ~c >>> 0;
}

/** A solid-colour PNG (RGB, no alpha) of `size` x `size` pixels. */
export function solidPng(size: number, rgb: [number, number, number]): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const out = Buffer.alloc(body.length + 8);
    out.writeUInt32BE(data.length, 0);
    body.copy(out, 4);
    out.writeUInt32BE(crc32(body), body.length + 4);
    return out;
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8);
  const raw = Buffer.alloc(size * (1 + size * 3));
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) raw.set(rgb, y * (1 + size * 3) + 1 + x * 3);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const MLMODEL = `artifact_path: model
flavors:
  python_function:
    loader_module: mlflow.sklearn
    python_version: 3.11.4
  sklearn:
    sklearn_version: 1.3.0
mlflow_version: 2.9.2
model_uuid: 3a5c0e1f2b4d4c8e9f0a1b2c3d4e5f60
signature:
  inputs: '[{"type": "double", "name": "sepal_length", "required": true}, {"type": "double", "name": "sepal_width", "required": true}]'
  outputs: '[{"type": "long", "required": true}]'
  params: null
utc_time_created: '2026-01-05 10:00:00.000000'
`;

async function upload(baseUrl: string, artifactUri: string, path: string, body: string | Buffer): Promise<void> {
  const root = artifactUri.replace(/^mlflow-artifacts:\/?/, '');
  const response = await fetch(`${baseUrl}/api/2.0/mlflow-artifacts/artifacts/${root}/${path}`, {
    method: 'PUT',
    body: typeof body === 'string' ? body : new Uint8Array(body),
  });
  if (!response.ok) throw new Error(`upload of ${path} failed: ${response.status} ${await response.text()}`);
}

export async function seed(baseUrl: string): Promise<Seeded> {
  const client = new KeelClient({ trackingUri: baseUrl });
  const { experiment_id } = await client.createExperiment({ name: 'ui-e2e' });
  const other = await client.createExperiment({ name: 'ui-e2e-other' });
  const runs: Record<string, string> = {};
  const t0 = 1_767_000_000_000;
  const specs = [
    { name: 'alpha', lr: '0.1', optimizer: 'adam', status: 'FINISHED', scale: 1 },
    { name: 'beta', lr: '0.01', optimizer: 'sgd', status: 'FINISHED', scale: 2 },
    { name: 'gamma', lr: '0.001', optimizer: 'adam', status: 'FAILED', scale: 3 },
    { name: XSS_NAME, lr: '0.5', optimizer: 'adam', status: 'FINISHED', scale: 4 },
  ];
  for (const [i, spec] of specs.entries()) {
    const { run } = await client.createRun({ experiment_id, run_name: spec.name, start_time: t0 + i * 1000 });
    const id = run.info.run_id;
    runs[spec.name] = id;
    await client.logBatch({
      run_id: id,
      params: [
        { key: 'lr', value: spec.lr },
        { key: 'optimizer', value: spec.optimizer },
        { key: 'epochs', value: '300' },
      ],
      tags: [
        { key: 'team', value: i % 2 === 0 ? 'vision' : 'nlp' },
        { key: 'mlflow.user', value: 'ada' },
        { key: 'mlflow.source.name', value: 'train.py' },
      ],
      metrics: Array.from({ length: 300 }, (_, step) => ({
        key: 'loss',
        value: spec.scale / (step + 1) + (step === 150 ? 5 : 0),
        timestamp: t0 + step * 100,
        step,
      })),
    });
    await client.logBatch({
      run_id: id,
      metrics: Array.from({ length: 300 }, (_, step) => ({
        key: 'accuracy',
        value: 1 - spec.scale / (step + 10),
        timestamp: t0 + step * 100,
        step,
      })),
    });
    await client.updateRun({ run_id: id, status: spec.status as 'FINISHED', end_time: t0 + i * 1000 + 60_000 });
  }
  const { run: child } = await client.createRun({
    experiment_id,
    run_name: 'alpha-child',
    start_time: t0 - 5000,
    tags: [{ key: 'mlflow.parentRunId', value: runs.alpha as string }],
  });
  runs['alpha-child'] = child.info.run_id;
  await client.logBatch({ run_id: child.info.run_id, params: [{ key: 'lr', value: '0.2' }] });

  const alpha = (await client.getRun({ run_id: runs.alpha as string })).run;
  const uri = alpha.info.artifact_uri as string;
  await upload(baseUrl, uri, 'notes/train.log', 'epoch 1 loss=0.9\nepoch 2 loss=0.5\n<script>alert(2)</script>\n');
  await upload(baseUrl, uri, 'config.json', JSON.stringify({ layers: [16, 8, 1], dropout: 0.1 }));
  await upload(baseUrl, uri, 'data/preds.csv', 'id,label,score\n1,cat,0.91\n2,"dog, big",0.42\n');
  await upload(baseUrl, uri, 'plots/red.png', solidPng(24, [220, 20, 20]));
  await upload(baseUrl, uri, 'report.html', '<h1>Report</h1><script>alert(3)</script><img src=x onerror=alert(4)>');
  await upload(baseUrl, uri, 'model/MLmodel', MLMODEL);
  await upload(baseUrl, uri, 'model/requirements.txt', 'scikit-learn==1.3.0\n');
  await client.close();
  return { experimentId: experiment_id, otherExperimentId: other.experiment_id, runs };
}
