import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from './errors.js';
import { decodeMessage, f, message } from './message.js';

const Msg = message('Msg', {
  run_id: f.string({ required: true, alias: 'run_uuid' }),
  experiment_id: f.string({ acceptsNumber: true }),
  step: f.int64(),
  value: f.double(),
  flag: f.bool(),
  status: f.enum({ RUNNING: 1, FINISHED: 3 }),
  ids: f.list(f.string()),
  items: f.list(f.message(message('Item', { key: f.string({ required: true }), value: f.string({ default: '' }) }))),
});

function errorOf(fn: () => unknown): MlflowError {
  try {
    fn();
  } catch (error) {
    assert.ok(error instanceof MlflowError);
    return error;
  }
  assert.fail('expected an error');
}

describe('decodeMessage', () => {
  it('decodes JSON fields with protobuf-JSON rules', () => {
    const out = decodeMessage(Msg, {
      run_id: 'r',
      experiment_id: 7,
      step: '12',
      value: 'NaN',
      flag: true,
      status: 3,
      ids: ['a'],
      items: [{ key: 'k' }],
      unknown: 1,
    });
    assert.deepEqual(out, {
      run_id: 'r',
      experiment_id: '7',
      step: 12,
      value: 'NaN',
      flag: true,
      status: 'FINISHED',
      ids: ['a'],
      items: [{ key: 'k', value: '' }],
    });
  });

  it('accepts run_uuid for run_id and camelCase keys', () => {
    assert.equal(decodeMessage(Msg, { run_uuid: 'x' }).run_id, 'x');
    assert.equal(decodeMessage(Msg, { runId: 'y' }).run_id, 'y');
  });

  it('reads query strings: repeated keys are lists, booleans in any case', () => {
    const out = decodeMessage(Msg, { run_id: 'r', ids: 'one', flag: 'True', step: '-3' }, 'query');
    assert.deepEqual(out.ids, ['one']);
    assert.equal(out.flag, true);
    assert.equal(out.step, -3);
    const bad = errorOf(() => decodeMessage(Msg, { run_id: 'r', flag: 'yes' }, 'query'));
    assert.equal(bad.message, "Invalid boolean value: yes, must be 'true' or 'false'.");
  });

  it("reports missing and mistyped fields with MLflow's messages", () => {
    assert.equal(
      errorOf(() => decodeMessage(Msg, {})).message,
      "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
    );
    assert.equal(
      errorOf(() => decodeMessage(Msg, { run_id: '' })).message,
      "Missing value for required parameter 'run_id'. See the API docs for more information about request parameters.",
    );
    const wrong = errorOf(() => decodeMessage(Msg, { run_id: 'r', step: 'x' }));
    assert.equal(wrong.code, 'INVALID_PARAMETER_VALUE');
    assert.equal(
      wrong.message,
      `Invalid value "x" for parameter 'step' supplied:  Hint: Value was of type 'str'. See the API docs for more information about request parameters.`,
    );
    assert.equal(
      errorOf(() => decodeMessage(Msg, { run_id: 'r', items: [{ value: 'v' }] })).message,
      "Missing value for required parameter 'items[0].key'. See the API docs for more information about request parameters.",
    );
    assert.match(errorOf(() => decodeMessage(Msg, { run_id: 'r', items: { key: 'k' } })).message, /type 'dict'/);
  });

  it('refuses booleans as doubles and unknown enum names', () => {
    assert.equal(errorOf(() => decodeMessage(Msg, { run_id: 'r', value: true })).status, 400);
    assert.match(
      errorOf(() => decodeMessage(Msg, { run_id: 'r', status: 'DONE' })).message,
      /Invalid value "DONE" for parameter 'status'/,
    );
  });
});
