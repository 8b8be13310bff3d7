/**
 * Step 2: fits a logistic-regression classifier (Adelie vs Gentoo) on the clean CSV with plain
 * gradient descent, logs its parameters, per-epoch loss and the held-out accuracy, and saves the
 * model (weights and feature scaling) as the artifact model/model.json.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTracker } from '@keel/client/node';
import { parseArgs, readCsv } from './csv.js';

const args = parseArgs(process.argv.slice(2));
const epochs = Number(args.epochs ?? 200);
const learningRate = Number(args['learning-rate'] ?? 0.1);
const table = readCsv(args.data ?? 'data/clean.csv');

const labelColumn = table.header.indexOf('species');
const featureNames = table.header.filter((_, i) => i !== labelColumn);
const classes = [...new Set(table.rows.map((row) => row[labelColumn] as string))].sort();
if (classes.length !== 2) throw new Error(`Expected two classes, found ${classes.join(', ')}`);
const examples = table.rows.map((row) => ({
  x: row.filter((_, i) => i !== labelColumn).map(Number),
  y: row[labelColumn] === classes[1] ? 1 : 0,
}));

// Every fourth example is held out; features are standardised with the training statistics.
const train = examples.filter((_, i) => i % 4 !== 0);
const test = examples.filter((_, i) => i % 4 === 0);
const mean = featureNames.map((_, f) => train.reduce((s, e) => s + (e.x[f] ?? 0), 0) / train.length);
const std = featureNames.map(
  (_, f) => Math.sqrt(train.reduce((s, e) => s + ((e.x[f] ?? 0) - (mean[f] ?? 0)) ** 2, 0) / train.length) || 1,
);
const scale = (x: number[]) => x.map((v, f) => (v - (mean[f] ?? 0)) / (std[f] ?? 1));
const predict = (w: number[], b: number, x: number[]) =>
  1 / (1 + Math.exp(-(b + x.reduce((s, v, f) => s + v * (w[f] ?? 0), 0))));

const tracker = createTracker();
const accuracy = await tracker.withRun(async (run) => {
  run.logParams({ features: featureNames.join(' '), train_rows: train.length, test_rows: test.length });
  const weights = featureNames.map(() => 0);
  let bias = 0;
  for (let epoch = 0; epoch < epochs; epoch++) {
    const grad = featureNames.map(() => 0);
    let gradBias = 0;
    let loss = 0;
    for (const { x, y } of train) {
      const p = predict(weights, bias, scale(x));
      loss -= y * Math.log(p + 1e-12) + (1 - y) * Math.log(1 - p + 1e-12);
      scale(x).forEach((v, f) => {
        grad[f] = (grad[f] ?? 0) + (p - y) * v;
      });
      gradBias += p - y;
    }
    weights.forEach((w, f) => {
      weights[f] = w - (learningRate * (grad[f] ?? 0)) / train.length;
    });
    bias -= (learningRate * gradBias) / train.length;
    if (epoch % 10 === 0 || epoch === epochs - 1) run.logMetric('train_loss', loss / train.length, epoch);
  }
  const correct = test.filter(({ x, y }) => (predict(weights, bias, scale(x)) >= 0.5 ? 1 : 0) === y).length;
  const accuracy = correct / test.length;
  run.logMetric('accuracy', accuracy);

  const dir = mkdtempSync(join(tmpdir(), 'keel-pipeline-'));
  const model = { type: 'logistic-regression', classes, features: featureNames, mean, std, weights, bias };
  writeFileSync(join(dir, 'model.json'), `${JSON.stringify(model, null, 2)}\n`);
  await tracker.logArtifact(join(dir, 'model.json'), 'model');
  rmSync(dir, { recursive: true, force: true });
  return accuracy;
});
await tracker.close();
console.log(`train: accuracy ${accuracy.toFixed(3)} on ${test.length} held-out rows`);
