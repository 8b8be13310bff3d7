/**
 * Trains a logistic-regression classifier in plain TypeScript on a generated dataset and tracks
 * it with Keel: params, per-epoch metrics, the dataset as a run input, a report artifact and the
 * model file (JSON).
 *
 * Run: npm run example:train            (tracks into ./mlflow.db, no server needed)
 *      MLFLOW_TRACKING_URI=http://127.0.0.1:5000 npm run example:train   (tracks to a server)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker } from '@keel/client/node';

const params = { seed: 7, samples: 600, features: 4, learningRate: 0.3, epochs: 40, l2: 0.001, testFraction: 0.25 };

/** A small seeded PRNG (mulberry32), so every run sees the same data. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Standard normal samples (Box-Muller). */
function gaussian(next: () => number): number {
  return Math.sqrt(-2 * Math.log(next() || 1e-12)) * Math.cos(2 * Math.PI * next());
}

interface Example {
  readonly x: number[];
  readonly y: 0 | 1;
}

/** Two Gaussian blobs in `features` dimensions, labelled 0 and 1. */
function makeDataset(n: number, features: number, seed: number): Example[] {
  const next = random(seed);
  return Array.from({ length: n }, (_, i) => {
    const y = (i % 2) as 0 | 1;
    const x = Array.from(
      { length: features },
      (_, f) => gaussian(next) + (y === 1 ? 1.2 : -1.2) * (f % 2 === 0 ? 1 : 0.5),
    );
    return { x, y };
  });
}

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

function predict(weights: number[], bias: number, x: number[]): number {
  let z = bias;
  for (let i = 0; i < x.length; i++) z += (weights[i] ?? 0) * (x[i] ?? 0);
  return sigmoid(z);
}

/** Mean log loss and accuracy of the model on `data`. */
function evaluate(weights: number[], bias: number, data: Example[]): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  for (const { x, y } of data) {
    const p = Math.min(1 - 1e-12, Math.max(1e-12, predict(weights, bias, x)));
    loss -= y * Math.log(p) + (1 - y) * Math.log(1 - p);
    if ((p >= 0.5 ? 1 : 0) === y) correct++;
  }
  return { loss: loss / data.length, accuracy: correct / data.length };
}

const data = makeDataset(params.samples, params.features, params.seed);
const split = Math.floor(data.length * (1 - params.testFraction));
const train = data.slice(0, split);
const test = data.slice(split);

const tracker = createTracker();
await tracker.setExperiment('ts-training-example');
const summary = await tracker.withRun(
  async (run) => {
    run.logParams(params);
    await run.logInput(
      {
        name: 'gaussian-blobs',
        source: JSON.stringify({ generator: 'makeDataset', seed: params.seed }),
        sourceType: 'code',
      },
      { context: 'training' },
    );

    const weights = new Array<number>(params.features).fill(0);
    let bias = 0;
    for (let epoch = 0; epoch < params.epochs; epoch++) {
      // One full-batch gradient step on the log loss with L2 regularisation.
      const gradient = new Array<number>(params.features).fill(0);
      let gradientBias = 0;
      for (const { x, y } of train) {
        const error = predict(weights, bias, x) - y;
        for (let i = 0; i < params.features; i++) gradient[i] = (gradient[i] ?? 0) + error * (x[i] ?? 0);
        gradientBias += error;
      }
      for (let i = 0; i < params.features; i++) {
        weights[i] =
          (weights[i] ?? 0) - params.learningRate * ((gradient[i] ?? 0) / train.length + params.l2 * (weights[i] ?? 0));
      }
      bias -= (params.learningRate * gradientBias) / train.length;

      const fit = evaluate(weights, bias, train);
      const held = evaluate(weights, bias, test);
      // Returns at once: points are delivered in the background, in batches.
      run.logMetrics(
        { train_loss: fit.loss, train_accuracy: fit.accuracy, val_loss: held.loss, val_accuracy: held.accuracy },
        epoch,
      );
    }

    const final = evaluate(weights, bias, test);
    const model = {
      type: 'logistic-regression',
      features: params.features,
      weights,
      bias,
      trainedAt: new Date().toISOString(),
    };
    // The model file: written locally, then logged as an artifact file.
    const out = mkdtempSync(join(tmpdir(), 'keel-example-'));
    writeFileSync(join(out, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
    await tracker.logArtifact(join(out, 'model.json'), 'model');
    rmSync(out, { recursive: true, force: true });
    await run.logText(
      `Logistic regression on ${params.samples} generated points\nvalidation accuracy: ${final.accuracy.toFixed(3)}\nvalidation loss: ${final.loss.toFixed(4)}\n`,
      'report.txt',
    );
    run.setTag('model.type', 'logistic-regression');
    return { runId: run.id, accuracy: final.accuracy };
  },
  { runName: 'logreg-baseline', description: 'Plain TypeScript logistic regression (Keel example)' },
);

console.log(`run ${summary.runId}: validation accuracy ${summary.accuracy.toFixed(3)}`);
console.log(`tracking URI: ${tracker.client.config.trackingUri}`);
await tracker.close();
