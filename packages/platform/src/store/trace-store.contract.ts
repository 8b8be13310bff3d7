/**
 * The behavioural contract of `TraceStore`: every implementation (SQLite, PostgreSQL) runs this
 * suite against a real database, with the tracking store it shares that database with.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TraceStore } from './trace-store.js';
import { describeTraceAssessments } from './trace-store-assessments.contract.js';
import { span, T0 } from './trace-store-contract-support.js';
import type { TrackingStore } from './tracking-store.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export interface TraceStoreUnderTest {
  readonly traces: TraceStore;
  readonly tracking: TrackingStore;
  close(): Promise<void>;
}

export function describeTraceStore(name: string, open: () => Promise<TraceStoreUnderTest>): void {
  describe(`TraceStore contract: ${name}`, () => {
    let subject: TraceStoreUnderTest;
    let traces: TraceStore;
    let seq = 0;
    const unique = (prefix: string) => `${prefix}-${Date.now()}-${seq++}`;
    const newExperiment = () => subject.tracking.createExperiment({ name: unique('traces') });
    const hex = () => (Date.now().toString(16) + (seq++).toString(16).padStart(8, '0')).padStart(32, '0').slice(-32);

    before(async () => {
      subject = await open();
      traces = subject.traces;
    });
    after(async () => subject.close());

    describe('trace infos', () => {
      it('starts a trace with metadata, tags and the artifact location tag, and reads it back', async () => {
        const exp = await newExperiment();
        const id = `tr-${hex()}`;
        const info = await traces.startTrace({
          trace_id: id,
          experiment_id: exp,
          request_time_ms: T0 + 500,
          execution_time_ms: 1250,
          state: 'OK',
          client_request_id: 'req-1',
          request_preview: '{"q": 1}',
          trace_metadata: { 'mlflow.user': 'me' },
          tags: { topic: 'math' },
        });
        assert.equal(info.trace_id, id);
        assert.deepEqual(info.trace_location, { type: 'MLFLOW_EXPERIMENT', mlflow_experiment: { experiment_id: exp } });
        assert.equal(info.request_time, '2023-11-14T22:13:20.500Z');
        assert.equal(info.execution_duration, '1.250s');
        assert.equal(info.state, 'OK');
        assert.deepEqual(info.trace_metadata, { 'mlflow.user': 'me' });
        const location = (await subject.tracking.getExperiment(exp)).artifact_location;
        assert.deepEqual(info.tags, {
          topic: 'math',
          'mlflow.artifactLocation': `${location}/traces/${id}/artifacts`,
        });
        assert.deepEqual(await traces.getTraceInfo(id), info);
      });

      it('replaces the info of a trace started again', async () => {
        const exp = await newExperiment();
        const id = `tr-${hex()}`;
        await traces.startTrace({
          trace_id: id,
          experiment_id: exp,
          request_time_ms: T0,
          state: 'IN_PROGRESS',
          tags: { a: '1' },
        });
        const again = await traces.startTrace({
          trace_id: id,
          experiment_id: exp,
          request_time_ms: T0,
          state: 'OK',
          tags: { b: '2' },
        });
        assert.equal(again.state, 'OK');
        assert.equal(again.tags?.a, undefined);
        assert.equal(again.tags?.b, '2');
        assert.equal(again.execution_duration, undefined);
      });

      it('refuses unknown and deleted experiments and reports unknown traces', async () => {
        await rejectsWith(
          traces.startTrace({ trace_id: `tr-${hex()}`, experiment_id: '999999', request_time_ms: T0, state: 'OK' }),
          'RESOURCE_DOES_NOT_EXIST',
          'No Experiment with id=999999 exists',
        );
        const gone = await newExperiment();
        await subject.tracking.deleteExperiment(gone);
        await rejectsWith(
          traces.startTrace({ trace_id: `tr-${hex()}`, experiment_id: gone, request_time_ms: T0, state: 'OK' }),
          'INVALID_PARAMETER_VALUE',
          `The experiment ${gone} must be in the 'active' state. Current state is deleted.`,
        );
        await rejectsWith(
          traces.getTraceInfo('tr-nope'),
          'RESOURCE_DOES_NOT_EXIST',
          "Trace with ID 'tr-nope' not found.",
        );
        assert.deepEqual(await traces.getTraceInfos(['tr-nope']), []);
      });

      it('sets and deletes tags with MLflow errors', async () => {
        const exp = await newExperiment();
        const id = `tr-${hex()}`;
        await traces.startTrace({ trace_id: id, experiment_id: exp, request_time_ms: T0, state: 'OK' });
        await traces.setTraceTag(id, 'k', 'v1');
        await traces.setTraceTag(id, 'k', 'v2');
        assert.equal((await traces.getTraceInfo(id)).tags?.k, 'v2');
        await rejectsWith(traces.setTraceTag(id, 'x'.repeat(251), 'v'), 'INVALID_PARAMETER_VALUE');
        await rejectsWith(traces.setTraceTag('tr-missing', 'k', 'v'), 'BAD_REQUEST');
        await traces.deleteTraceTag(id, 'k');
        assert.equal((await traces.getTraceInfo(id)).tags?.k, undefined);
        await rejectsWith(
          traces.deleteTraceTag(id, 'k'),
          'RESOURCE_DOES_NOT_EXIST',
          `No trace tag with key 'k' for trace with ID '${id}'`,
        );
      });

      it('runs the v2 start/end lifecycle', async () => {
        const exp = await newExperiment();
        const started = await traces.startTraceV2(exp, T0, { 'mlflow.user': 'me' }, { topic: 'legacy' });
        assert.match(started.trace_id, /^[0-9a-f]{32}$/);
        assert.equal(started.state, 'IN_PROGRESS');
        const ended = await traces.endTraceV2(started.trace_id, {
          timestamp_ms: T0 + 1500,
          state: 'OK',
          request_metadata: { out: '"done"' },
          tags: { ended: 'yes' },
        });
        assert.equal(ended.execution_duration, '1.500s');
        assert.equal(ended.state, 'OK');
        assert.deepEqual(ended.trace_metadata, { 'mlflow.user': 'me', out: '"done"' });
        assert.equal(ended.tags?.ended, 'yes');
        await rejectsWith(traces.endTraceV2('f'.repeat(32), { state: 'OK' }), 'RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('search', () => {
      let exp: string;
      let runId: string;
      const ids: string[] = [];

      before(async () => {
        exp = await newExperiment();
        runId = (await subject.tracking.createRun({ experiment_id: exp, start_time: T0 })).info.run_id;
        const states = ['OK', 'ERROR', 'IN_PROGRESS', 'OK', 'OK'] as const;
        for (let i = 0; i < 5; i++) {
          const id = `tr-${exp.padStart(8, '0')}${String(i).padStart(24, '0')}`;
          ids.push(id);
          await traces.startTrace({
            trace_id: id,
            experiment_id: exp,
            request_time_ms: T0 + i * 1000,
            ...(i === 2 ? {} : { execution_time_ms: 100 * (5 - i) }),
            state: states[i] as (typeof states)[number],
            trace_metadata: i === 0 ? { 'mlflow.sourceRun': runId, 'mlflow.source.name': 'a.py' } : {},
            tags: { 'mlflow.traceName': i < 2 ? 'chain' : 'tool', topic: i % 2 === 0 ? 'math' : 'geo' },
          });
        }
        await traces.linkTracesToRun(runId, [ids[3] as string]);
      });

      const search = async (filter?: string, order_by?: string[]) =>
        (
          await traces.searchTraces({
            experiment_ids: [exp],
            ...(filter ? { filter } : {}),
            ...(order_by ? { order_by } : {}),
          })
        ).items.map((t) => ids.indexOf(t.trace_id));

      it('orders newest first by default and by any attribute', async () => {
        assert.deepEqual(await search(), [4, 3, 2, 1, 0]);
        assert.deepEqual(await search(undefined, ['timestamp_ms ASC']), [0, 1, 2, 3, 4]);
        // A missing execution time sorts last descending and first ascending, on every database.
        assert.deepEqual(await search(undefined, ['execution_time_ms DESC']), [0, 1, 3, 4, 2]);
        assert.deepEqual(await search(undefined, ['execution_time ASC']), [2, 4, 3, 1, 0]);
        assert.deepEqual(await search(undefined, ['name ASC', 'timestamp ASC']), [0, 1, 2, 3, 4]);
      });

      it('filters by status, time, execution time, tags, name, metadata, run and request id', async () => {
        assert.deepEqual(await search("trace.status = 'OK'"), [4, 3, 0]);
        assert.deepEqual(await search("attributes.status IN ('ERROR', 'IN_PROGRESS')"), [2, 1]);
        assert.deepEqual(await search("status != 'OK'"), [2, 1]);
        assert.deepEqual(await search(`trace.timestamp_ms > ${T0 + 2500}`), [4, 3]);
        assert.deepEqual(await search(`timestamp <= ${T0 + 1000}`), [1, 0]);
        assert.deepEqual(await search('trace.execution_time_ms >= 300'), [1, 0]);
        assert.deepEqual(await search("tags.topic = 'math'"), [4, 2, 0]);
        assert.deepEqual(await search("tags.topic != 'math'"), [3, 1]);
        assert.deepEqual(await search("trace.name = 'chain'"), [1, 0]);
        assert.deepEqual(await search("name IN ('tool')"), [4, 3, 2]);
        assert.deepEqual(await search("metadata.`mlflow.source.name` = 'a.py'"), [0]);
        assert.deepEqual(await search("request_metadata.`mlflow.source.name` != 'b.py'"), [0]);
        assert.deepEqual(await search(`trace.run_id = '${runId}'`), [3, 0]);
        assert.deepEqual(await search(`run_id != '${runId}'`), [4, 2, 1]);
        assert.deepEqual(await search(`trace.request_id = '${ids[2]}'`), [2]);
        assert.deepEqual(await search(`request_id IN ('${ids[1]}', '${ids[4]}')`), [4, 1]);
        assert.deepEqual(await search(`trace.status = 'OK' AND tags.topic = 'math' AND timestamp_ms > ${T0}`), [4]);
      });

      it('pages with tokens and refuses bad requests with MLflow messages', async () => {
        const first = await traces.searchTraces({
          experiment_ids: [exp],
          max_results: 2,
          order_by: ['timestamp_ms ASC'],
        });
        assert.deepEqual(
          first.items.map((t) => ids.indexOf(t.trace_id)),
          [0, 1],
        );
        assert.ok(first.next_page_token);
        const second = await traces.searchTraces({
          experiment_ids: [exp],
          max_results: 2,
          order_by: ['timestamp_ms ASC'],
          page_token: first.next_page_token,
        });
        assert.deepEqual(
          second.items.map((t) => ids.indexOf(t.trace_id)),
          [2, 3],
        );
        const last = await traces.searchTraces({
          experiment_ids: [exp],
          max_results: 2,
          order_by: ['timestamp_ms ASC'],
          page_token: second.next_page_token,
        });
        assert.deepEqual(
          last.items.map((t) => ids.indexOf(t.trace_id)),
          [4],
        );
        assert.equal(last.next_page_token, undefined);
        await rejectsWith(traces.searchTraces({ experiment_ids: [exp], max_results: 501 }), 'INVALID_PARAMETER_VALUE');
        await rejectsWith(
          traces.searchTraces({ experiment_ids: [exp], page_token: 'garbage!' }),
          'INVALID_PARAMETER_VALUE',
        );
        await rejectsWith(
          traces.searchTraces({ experiment_ids: [exp], filter: "tags.topic LIKE 'm%'" }),
          'INVALID_PARAMETER_VALUE',
          "Invalid comparator 'LIKE' not one of '{'!=', '='}",
        );
        await rejectsWith(
          traces.searchTraces({ experiment_ids: [exp], filter: "trace.status = 'OK' OR trace.status = 'ERROR'" }),
          'INVALID_PARAMETER_VALUE',
        );
        await rejectsWith(
          traces.searchTraces({ experiment_ids: [exp], order_by: ['foo DESC'] }),
          'INVALID_PARAMETER_VALUE',
        );
        assert.deepEqual((await traces.searchTraces({ experiment_ids: ['999999'] })).items, []);
      });

      it('counts traces under several filters', async () => {
        assert.equal(await traces.countTraces([exp], [undefined]), 5);
        assert.equal(await traces.countTraces([exp], ["trace.status = 'OK'", "tags.topic = 'math'"]), 2);
      });
    });

    describe('deletion and links', () => {
      it('deletes by ids within the experiment, and oldest first by time', async () => {
        const exp = await newExperiment();
        const ids: string[] = [];
        for (let i = 0; i < 4; i++) {
          const id = `tr-${hex()}`;
          ids.push(id);
          await traces.startTrace({
            trace_id: id,
            experiment_id: exp,
            request_time_ms: T0 + i,
            state: 'OK',
            tags: { i: `${i}` },
          });
        }
        const other = await newExperiment();
        assert.equal(await traces.deleteTraces({ experiment_id: other, trace_ids: [ids[0] as string] }), 0);
        assert.equal(await traces.deleteTraces({ experiment_id: exp, trace_ids: [ids[0] as string, 'tr-unknown'] }), 1);
        await rejectsWith(traces.getTraceInfo(ids[0] as string), 'RESOURCE_DOES_NOT_EXIST');
        assert.equal(await traces.deleteTraces({ experiment_id: exp, max_timestamp_millis: T0 + 2, max_traces: 1 }), 1);
        assert.deepEqual(
          (await traces.getTraceInfos(ids)).map((t) => t.trace_id),
          [ids[2], ids[3]],
        );
        assert.equal(await traces.deleteTraces({ experiment_id: exp, max_timestamp_millis: T0 + 10 }), 2);
        await rejectsWith(
          traces.deleteTraces({ experiment_id: exp }),
          'INVALID_PARAMETER_VALUE',
          'Either `max_timestamp_millis` or `trace_ids` must be specified.',
        );
      });

      it('links at most 100 traces to an existing run', async () => {
        const exp = await newExperiment();
        const run = await subject.tracking.createRun({ experiment_id: exp, start_time: T0 });
        const id = `tr-${hex()}`;
        await traces.startTrace({ trace_id: id, experiment_id: exp, request_time_ms: T0, state: 'OK' });
        await traces.linkTracesToRun(run.info.run_id, [id, id]);
        await traces.linkTracesToRun(run.info.run_id, [id]);
        const found = await traces.searchTraces({
          experiment_ids: [exp],
          filter: `trace.run_id = '${run.info.run_id}'`,
        });
        assert.deepEqual(
          found.items.map((t) => t.trace_id),
          [id],
        );
        await rejectsWith(
          traces.linkTracesToRun(
            run.info.run_id,
            Array.from({ length: 101 }, (_, i) => `tr-${i}`),
          ),
          'INVALID_PARAMETER_VALUE',
          'Cannot link more than 100 traces to a run in a single request. Provided 101 traces.',
        );
        await rejectsWith(traces.linkTracesToRun('f'.repeat(32), [id]), 'RESOURCE_DOES_NOT_EXIST');
        await rejectsWith(traces.linkTracesToRun(run.info.run_id, ['tr-unknown']), 'RESOURCE_DOES_NOT_EXIST');
      });
    });

    describe('spans', () => {
      it('creates the trace from its spans, widens it with later ones and takes the state from the root', async () => {
        const exp = await newExperiment();
        const traceHex = hex();
        const id = `tr-${traceHex}`;
        await traces.logSpans(exp, [
          span(traceHex, '00000000000000b2', {
            parent_span_id: '00000000000000b1',
            startMs: T0 + 100,
            endMs: T0 + 900,
          }),
        ]);
        let info = await traces.getTraceInfo(id);
        assert.equal(info.state, 'IN_PROGRESS');
        assert.equal(info.request_time, '2023-11-14T22:13:20.100Z');
        assert.equal(info.execution_duration, '0.800s');
        assert.ok(info.tags?.['mlflow.artifactLocation']?.endsWith(`/traces/${id}/artifacts`));
        await traces.logSpans(exp, [
          span(traceHex, '00000000000000b1', { status: 'ERROR', startMs: T0, endMs: T0 + 2000, name: 'root' }),
          span(traceHex, '00000000000000b3', {
            parent_span_id: '00000000000000b1',
            startMs: T0 + 1000,
            endMs: T0 + 3000,
          }),
        ]);
        info = await traces.getTraceInfo(id);
        assert.equal(info.state, 'ERROR');
        assert.equal(info.request_time, '2023-11-14T22:13:20Z');
        assert.equal(info.execution_duration, '3s');
        const spans = (await traces.getSpans([id])).get(id) ?? [];
        assert.equal(spans.length, 3);
        // Stored exactly, nanosecond digits included, ordered by start time.
        assert.match(spans[0] as string, /"start_time_unix_nano":1700000000000000123/);
        assert.match(spans[2] as string, /"span_id":"00000000000000b3"/);
        const byName = await traces.searchTraces({ experiment_ids: [exp], filter: "span.name = 'root'" });
        assert.deepEqual(
          byName.items.map((t) => t.trace_id),
          [id],
        );
        const byType = await traces.searchTraces({ experiment_ids: [exp], filter: "span.name LIKE 'ro%'" });
        assert.deepEqual(
          byType.items.map((t) => t.trace_id),
          [id],
        );
      });

      it('replaces a span sent again and stores nothing when the experiment is unknown', async () => {
        const exp = await newExperiment();
        const traceHex = hex();
        const id = `tr-${traceHex}`;
        await traces.logSpans(exp, [
          span(traceHex, '00000000000000c1', { startMs: T0, endMs: T0 + 10, name: 'first' }),
        ]);
        await traces.logSpans(exp, [
          span(traceHex, '00000000000000c1', { startMs: T0, endMs: T0 + 10, name: 'second' }),
        ]);
        const found = await traces.searchTraces({ experiment_ids: [exp], filter: "span.name = 'second'" });
        assert.deepEqual(
          found.items.map((t) => t.trace_id),
          [id],
        );
        assert.equal((await traces.getSpans([id])).get(id)?.length, 1);
        const lost = hex();
        await rejectsWith(
          traces.logSpans('999999', [span(lost, '00000000000000c2', { startMs: T0 })]),
          'RESOURCE_DOES_NOT_EXIST',
        );
        await rejectsWith(traces.getTraceInfo(`tr-${lost}`), 'RESOURCE_DOES_NOT_EXIST');
      });
    });

    describeTraceAssessments({ traces: () => traces, newExperiment, hex });
  });
}
