// Proves the golden replay can fail: one recorded answer of each kind is changed (a status, an
// error code, a metric value, a step of 0, a field), and so are deviation entries (Keel's recorded
// status, error code and value, a whole-list mask, an entry without paths, an entry no longer
// needed). The replay against a fresh Keel must report exactly those exchanges, each for its
// mutation, and pass every other one.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestServer, type TestServer } from '@keel/platform/testing';
import type { Deviation, Exchange } from './deviations.mjs';
import { readCorpus, readDeviations } from './replay.mjs';

interface Report {
  readonly malformed: Record<string, string[]>;
  readonly exchanges: readonly { id: string; ok: boolean; diffs: { path: string; reason: string }[] }[];
}

// biome-ignore lint/suspicious/noExplicitAny: recorded bodies are arbitrary JSON
type Json = any;

const here = import.meta.dirname;

function exchange(corpus: Exchange[], id: string): Json {
  const found = corpus.find((e) => e.id === id);
  assert.ok(found, `${id} is not in the corpus`);
  return found;
}

function runNamed(body: Json, name: string): Json {
  const runs: Json[] = body.runs ?? [body.run];
  const run = runs.find((r) => r.info.run_name === name);
  assert.ok(run, `no run ${name}`);
  return run;
}

function metricOf(run: Json, key: string): Json {
  const metric = run.data.metrics.find((m: Json) => m.key === key);
  assert.ok(metric, `no metric ${key}`);
  return metric;
}

/** What each mutated exchange must be reported for. */
const expected = new Map<string, RegExp>();

function mutateCorpus(corpus: Exchange[]): void {
  const status = exchange(corpus, 'exp-get-unknown');
  assert.equal(status.response.status, 404);
  status.response.status = 400;
  expected.set('exp-get-unknown', /status 400 expected, got 404/);

  const code = exchange(corpus, 'exp-update-unknown');
  assert.equal(code.response.body.error_code, 'RESOURCE_DOES_NOT_EXIST');
  code.response.body.error_code = 'INVALID_PARAMETER_VALUE';
  expected.set('exp-update-unknown', /error_code INVALID_PARAMETER_VALUE expected, got RESOURCE_DOES_NOT_EXIST/);

  // Inside runs/search and runs/get answers, which deviations once masked as whole subtrees.
  const value = metricOf(runNamed(exchange(corpus, 'search-default').response.body, 'golden-run-1-renamed'), 'loss');
  assert.equal(value.value, 0.35);
  value.value = 0.36;
  expected.set('search-default', /\$\.runs\[\d\]\.data\.metrics\[key=loss\]\.value: 0\.36 expected, got 0\.35/);

  const stepValue = metricOf(runNamed(exchange(corpus, 'search-all').response.body, 'golden-run-1-renamed'), 'epochs');
  assert.equal(stepValue.step, 0);
  stepValue.step = 1;
  expected.set('search-all', /\.data\.metrics\[key=epochs\]\.step: 1 expected, got 0/);

  // The recorded answer without `"step": 0`: what a server that drops a zero step would send.
  const stepField = metricOf(exchange(corpus, 'run-get-after-logging').response.body.run, 'epochs');
  assert.equal(stepField.step, 0);
  delete stepField.step;
  expected.set('run-get-after-logging', /\$\.run\.data\.metrics\[key=epochs\]\.step: unexpected key \(got 0\)/);

  const field = runNamed(exchange(corpus, 'search-filter-param').response.body, 'golden-run-1-renamed');
  assert.equal(field.info.end_time, undefined);
  field.info.end_time = 1700000009000;
  expected.set('search-filter-param', /\$\.runs\[0\]\.info\.end_time: missing key/);
}

function mutateDeviations(deviations: Record<string, Json>): void {
  const status = deviations['exp-get-non-numeric-id'];
  assert.equal(status.keel.status, 404);
  status.keel.status = 400;
  expected.set('exp-get-non-numeric-id', /status 400 expected, got 404/);

  const code = deviations['inputs-missing-digest'];
  assert.equal(code.keel.$.error_code, 'INVALID_PARAMETER_VALUE');
  code.keel.$.error_code = 'BAD_REQUEST';
  expected.set('inputs-missing-digest', /error_code BAD_REQUEST expected, got INVALID_PARAMETER_VALUE/);

  const value = deviations['hist-infinity'];
  value.keel['$.metrics[key=inf_metric].value'] = '-Infinity';
  expected.set('hist-infinity', /"-Infinity" expected, got "Infinity"/);

  // The old style of entry: a whole list excused.
  const broad = deviations['run-get-after-batch'];
  broad.paths = ['$.run.data.metrics'];
  broad.keel = { '$.run.data.metrics': [] };
  expected.set('run-get-after-batch', /replaces a whole array with another/);

  // An entry for an exchange Keel answers as MLflow does.
  deviations['misc-default-experiment'] = {
    reason: 'Not a real deviation: the test adds it to prove stale entries are reported.',
    paths: ['$.experiment.name'],
    keel: { '$.experiment.name': 'Default' },
  };
  expected.set('misc-default-experiment', /now matches MLflow's; remove the entry/);

  // An entry without paths or Keel's answer.
  deviations['exp-update-duplicate'] = { reason: 'An entry in the old format, which excused any answer.' };
}

describe('golden replay reports every kind of change', () => {
  let keel: TestServer;
  let report: Report;
  const workDir = mkdtempSync(join(tmpdir(), 'keel-golden-mut-'));

  before(async () => {
    const corpus = readCorpus(join(here, 'mlflow-3.5-exchanges.jsonl'));
    const deviations = readDeviations(join(here, 'deviations.json')) as Record<string, Deviation>;
    mutateCorpus(corpus);
    mutateDeviations(deviations);
    const corpusFile = join(workDir, 'corpus.jsonl');
    const deviationsFile = join(workDir, 'deviations.json');
    writeFileSync(corpusFile, corpus.map((e) => JSON.stringify(e)).join('\n'));
    writeFileSync(deviationsFile, JSON.stringify(deviations));
    keel = await startTestServer();
    const reportFile = join(workDir, 'report.json');
    const args = ['--corpus', corpusFile, '--deviations', deviationsFile, '--json', reportFile, '--gap-ms', '2'];
    const child = spawn(process.execPath, [join(here, 'replay.mjs'), keel.url, ...args], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    await new Promise((resolve) => child.on('exit', resolve));
    report = JSON.parse(readFileSync(reportFile, 'utf8')) as Report;
  });

  after(async () => {
    await keel.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  it('reports the mutated exchanges and no other', () => {
    const failed = report.exchanges.filter((e) => !e.ok).map((e) => e.id);
    // exp-update-duplicate fails too: its entry no longer says what Keel answers.
    assert.deepEqual(failed.sort(), [...expected.keys(), 'exp-update-duplicate'].sort());
  });

  for (const [id, reason] of [
    ['exp-get-unknown', 'a changed status'],
    ['exp-update-unknown', 'a changed error code'],
    ['search-default', 'a changed metric value in a runs/search answer'],
    ['search-all', 'a step of 0 changed'],
    ['run-get-after-logging', 'a step of 0 left out of the recorded answer'],
    ['search-filter-param', 'a field the server does not send'],
    ['exp-get-non-numeric-id', "a changed status in Keel's recorded answer"],
    ['inputs-missing-digest', "a changed error code in Keel's recorded answer"],
    ['hist-infinity', "a changed value in Keel's recorded answer"],
    ['run-get-after-batch', 'a deviation that masks a whole list'],
    ['misc-default-experiment', 'a deviation that is no longer needed'],
  ] as const) {
    it(`reports ${reason} (${id})`, () => {
      const found = report.exchanges.find((e) => e.id === id);
      assert.ok(found, `${id} was not replayed`);
      const text = found.diffs.map((d) => `${d.path}: ${d.reason}`).join('\n');
      assert.match(text, expected.get(id) as RegExp);
    });
  }

  it('reports an entry without paths or the answer Keel gives instead', () => {
    assert.deepEqual(report.malformed['exp-update-duplicate'], [
      'needs the paths that differ',
      "needs 'keel': the answer at each path",
    ]);
  });
});
