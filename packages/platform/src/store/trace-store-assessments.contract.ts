/**
 * The assessments part of the `TraceStore` contract (feedback and expectations on traces and
 * spans), run inside `describeTraceStore`.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { span, T0, type TraceContractContext } from './trace-store-contract-support.js';
import { rejectsWith } from './tracking-store-contract-support.js';

export function describeTraceAssessments({ traces: store, newExperiment, hex }: TraceContractContext): void {
  describe('assessments', () => {
    let traces: ReturnType<typeof store>;
    before(() => {
      traces = store();
    });
    it('creates feedback and expectations, reads, updates and deletes them', async () => {
      const exp = await newExperiment();
      const id = `tr-${hex()}`;
      await traces.startTrace({ trace_id: id, experiment_id: exp, request_time_ms: T0, state: 'OK' });
      const feedback = await traces.createAssessment(id, {
        assessment_name: 'relevance',
        source: { source_type: 'HUMAN', source_id: 'me' },
        create_time_ms: T0,
        last_update_time_ms: T0,
        feedback: { value: true },
        rationale: 'on topic',
      });
      assert.match(feedback.assessment_id, /^a-[0-9a-f]{32}$/);
      assert.deepEqual(feedback.feedback, { value: true });
      assert.equal(feedback.create_time, '2023-11-14T22:13:20Z');
      assert.equal(feedback.valid, true);
      const expectation = await traces.createAssessment(id, {
        assessment_name: 'answer',
        expectation: { value: { a: '4' } },
      });
      assert.deepEqual(expectation.expectation, {
        serialized_value: { serialization_format: 'JSON_FORMAT', value: '{"a":"4"}' },
      });
      assert.deepEqual(expectation.source, { source_type: 'SOURCE_TYPE_UNSPECIFIED' });
      const primitive = await traces.createAssessment(id, { assessment_name: 'n', expectation: { value: 4 } });
      assert.deepEqual(primitive.expectation, { value: 4 });
      const failed = await traces.createAssessment(id, {
        assessment_name: 'safety',
        feedback: { error: { error_code: 'TIMEOUT', error_message: 'slow' } },
      });
      assert.deepEqual(failed.feedback, { value: null, error: { error_code: 'TIMEOUT', error_message: 'slow' } });
      assert.deepEqual(await traces.getAssessment(id, feedback.assessment_id), feedback);

      const updated = await traces.updateAssessment(
        id,
        feedback.assessment_id,
        { assessment_name: 'relevance_v2', feedback: { value: false }, metadata: { by: 'keel' } },
        ['assessment_name', 'feedback', 'metadata'],
      );
      assert.equal(updated.assessment_name, 'relevance_v2');
      assert.deepEqual(updated.feedback, { value: false });
      assert.deepEqual(updated.metadata, { by: 'keel' });
      assert.equal(updated.rationale, 'on topic');
      await rejectsWith(
        traces.updateAssessment(id, expectation.assessment_id, { feedback: { value: 1 } }, ['feedback']),
        'INVALID_PARAMETER_VALUE',
        'Cannot update feedback value on an Expectation assessment.',
      );
      const info = await traces.getTraceInfo(id);
      assert.equal(info.assessments?.length, 4);

      await traces.deleteAssessment(id, failed.assessment_id);
      await rejectsWith(
        traces.getAssessment(id, failed.assessment_id),
        'RESOURCE_DOES_NOT_EXIST',
        `Assessment with ID '${failed.assessment_id}' not found for trace '${id}'`,
      );
    });

    it('overrides an assessment until the override is deleted', async () => {
      const exp = await newExperiment();
      const id = `tr-${hex()}`;
      await traces.startTrace({ trace_id: id, experiment_id: exp, request_time_ms: T0, state: 'OK' });
      const judged = await traces.createAssessment(id, { assessment_name: 'q', feedback: { value: 0.5 } });
      const human = await traces.createAssessment(id, {
        assessment_name: 'q',
        feedback: { value: 0.9 },
        overrides: judged.assessment_id,
      });
      assert.equal(human.overrides, judged.assessment_id);
      assert.equal((await traces.getAssessment(id, judged.assessment_id)).valid, false);
      await traces.deleteAssessment(id, human.assessment_id);
      assert.equal((await traces.getAssessment(id, judged.assessment_id)).valid, true);
      await rejectsWith(
        traces.createAssessment(id, { feedback: { value: 1 }, overrides: 'a-unknown' }),
        'RESOURCE_DOES_NOT_EXIST',
      );
      await rejectsWith(traces.createAssessment(id, {}), 'INVALID_PARAMETER_VALUE', 'Unknown assessment type: None');
      await rejectsWith(
        traces.createAssessment('tr-unknown', { feedback: { value: 1 } }),
        'RESOURCE_DOES_NOT_EXIST',
        "Trace with ID 'tr-unknown' not found.",
      );
    });

    it('deletes a trace with its spans, tags and assessments', async () => {
      const exp = await newExperiment();
      const traceHex = hex();
      const id = `tr-${traceHex}`;
      await traces.logSpans(exp, [span(traceHex, '00000000000000d1', { startMs: T0, endMs: T0 + 1 })]);
      await traces.setTraceTag(id, 'k', 'v');
      await traces.createAssessment(id, { feedback: { value: 1 } });
      assert.equal(await traces.deleteTraces({ experiment_id: exp, trace_ids: [id] }), 1);
      assert.equal((await traces.getSpans([id])).size, 0);
      await traces.logSpans(exp, [span(traceHex, '00000000000000d1', { startMs: T0, endMs: T0 + 1 })]);
      const info = await traces.getTraceInfo(id);
      assert.equal(info.assessments, undefined);
      assert.equal(info.tags?.k, undefined);
    });
  });
}
