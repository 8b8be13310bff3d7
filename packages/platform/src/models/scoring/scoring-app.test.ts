import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DataFrame } from '../data/data-frame.js';
import { Tensor } from '../data/tensor.js';
import type { Predictor } from '../flavor.js';
import { signatureFromMlModel } from '../signature/schema.js';
import { ModelSlot, type ServedModel } from './model-slot.js';
import { createScoringApp } from './scoring-app.js';

/** A predictor that echoes what it received, so tests see the parsed input. */
function echo(): Predictor & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    async predict(input, params) {
      seen.push({ input, params });
      if (input instanceof DataFrame) return input;
      return { input, params };
    },
    async close() {},
  };
}

const columns = signatureFromMlModel({
  inputs: JSON.stringify([
    { type: 'double', name: 'a' },
    { type: 'long', name: 'b' },
  ]),
  outputs: null,
  params: JSON.stringify([{ name: 'threshold', type: 'double', default: 0.5, shape: null }]),
});

/** A served model; `null` for a model without a signature. */
function served(predictor: Predictor, signature: typeof columns | null = columns): ServedModel {
  return {
    predictor,
    ...(signature === null || signature === undefined ? {} : { signature }),
    info: { uri: 'models:/m/1', name: 'm', version: '1', flavor: 'test' },
  };
}

const json = 'application/json';

describe('scoring app: request formats (models.md §8.2)', () => {
  const app = createScoringApp({ model: served(echo()) });
  const call = async (body: unknown, contentType = json) => {
    const r = await app.invocations({ contentType, body: typeof body === 'string' ? body : JSON.stringify(body) });
    return {
      status: r.status,
      body: r.body,
      json: (() => {
        try {
          return JSON.parse(r.body);
        } catch {
          return undefined;
        }
      })(),
      version: r.modelVersion,
    };
  };

  it('parses every DataFrame form into the same frame, cast to the signature', async () => {
    const expected = {
      predictions: [
        { a: 1, b: 2 },
        { a: 3, b: 4 },
      ],
    };
    assert.deepEqual(
      (
        await call({
          dataframe_split: {
            columns: ['a', 'b'],
            data: [
              [1, 2],
              [3, 4],
            ],
          },
        })
      ).json,
      expected,
    );
    assert.deepEqual(
      (
        await call({
          dataframe_split: {
            columns: ['a', 'b'],
            data: [
              [1, 2],
              [3, 4],
            ],
            index: [7, 8],
          },
        })
      ).json,
      expected,
    );
    assert.deepEqual(
      (
        await call({
          dataframe_records: [
            { a: 1, b: 2 },
            { a: 3, b: 4 },
          ],
        })
      ).json,
      expected,
    );
    assert.deepEqual(
      (
        await call({
          instances: [
            { a: 1, b: 2 },
            { a: 3, b: 4 },
          ],
        })
      ).json,
      expected,
    );
    assert.deepEqual((await call({ inputs: { a: [1, 3], b: [2, 4] } })).json, expected);
    assert.deepEqual((await call('a,b\n1,2\n3,4\n', 'text/csv')).json, expected);
    assert.deepEqual((await call('a,b\r\n1,2\r\n3,4\r\n', 'text/csv; charset=UTF-8')).json, expected);
  });

  it('passes params through the params schema (defaults, conversion) and refuses bad ones', async () => {
    const predictor = echo();
    const withParams = createScoringApp({ model: served(predictor) });
    await withParams.invocations({
      contentType: json,
      body: JSON.stringify({ inputs: { a: [1], b: [2] }, params: { threshold: 1 } }),
    });
    await withParams.invocations({ contentType: json, body: JSON.stringify({ inputs: { a: [1], b: [2] } }) });
    assert.deepEqual(
      predictor.seen.map((s) => (s as { params: unknown }).params),
      [{ threshold: 1 }, { threshold: 0.5 }],
    );
    const bad = await call({ inputs: { a: [1], b: [2] }, params: { threshold: 'high' } });
    assert.equal(bad.status, 400);
    assert.equal(bad.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(bad.json.message, /^Invalid parameters found: \{\('threshold', /);
  });

  it('gives tensors to schema-less models, as numpy arrays would be', async () => {
    const predictor = echo();
    const free = createScoringApp({ model: served(predictor, null) });
    await free.invocations({ contentType: json, body: '{"inputs": [[1, 2], [3, 4.5]]}' });
    await free.invocations({ contentType: json, body: '{"instances": [{"a": 1, "b": "x"}, {"a": 2, "b": "y"}]}' });
    const [first, second] = predictor.seen.map((s) => (s as { input: unknown }).input);
    assert.ok(first instanceof Tensor);
    assert.equal(first.dtype, 'float64');
    assert.deepEqual(first.shape, [2, 2]);
    const map = second as Record<string, Tensor>;
    assert.equal(map.a?.dtype, 'int64');
    assert.equal(map.b?.dtype, 'str');
  });

  it('hands an LLM-style request to the model whole and answers without the wrapper (§8.4)', async () => {
    const llm = signatureFromMlModel({
      inputs: JSON.stringify([
        {
          type: 'array',
          items: {
            type: 'object',
            properties: { role: { type: 'string', required: true }, content: { type: 'string', required: true } },
          },
          name: 'messages',
        },
      ]),
      outputs: null,
      params: JSON.stringify([{ name: 'temperature', type: 'double', default: 0.1, shape: null }]),
    });
    const predictor: Predictor = {
      predict: async (input, params) => ({ id: 'chat-1', echoed: (input as DataFrame).records()[0], params }),
      close: async () => {},
    };
    const chat = createScoringApp({ model: served(predictor, llm) });
    const r = await chat.invocations({
      contentType: json,
      body: JSON.stringify({ messages: [{ role: 'user', content: 'hi' }], temperature: 0.9 }),
    });
    assert.equal(r.status, 200, r.body);
    assert.deepEqual(JSON.parse(r.body), {
      id: 'chat-1',
      echoed: { messages: [{ role: 'user', content: 'hi' }] },
      params: { temperature: 0.9 },
    });
  });

  it('refuses malformed bodies with MLflow errors (400, BAD_REQUEST)', async () => {
    const cases: [unknown, RegExp][] = [
      ['{not json', /^Invalid input\. Ensure that input is a valid JSON formatted string\. Error: /],
      [
        '[1, 2]',
        /exactly one of the input fields \{'dataframe_split', 'instances', 'inputs', 'dataframe_records'\}\. Received a list\.$/,
      ],
      ['42', /Received unexpected input type '<class 'int'>\.$/],
      [
        { dataframe_split: {}, inputs: [] },
        /Received dictionary with input fields: \['dataframe_split', 'inputs'\]\. IMPORTANT: The MLflow Model scoring protocol has changed/,
      ],
      [{ data: [] }, /Received dictionary with input fields: \[\]\./],
      [{ dataframe_split: [[1, 2]] }, /Dataframe split format must be a dictionary\. Got list\./],
      [
        { dataframe_split: { columns: ['a'] } },
        /must have 'data' field and optionally 'columns' and 'index' fields\. Got \{'columns'\}/,
      ],
      [
        { dataframe_split: { columns: ['a', 'b'], data: [[1]] } },
        /not a valid dataframe representation in 'split' format\. Error: '2 columns passed, passed data had 1 columns'/,
      ],
      [{ dataframe_records: { a: 1 } }, /Dataframe records format must be a list of records\. Got dictionary\./],
      [{ instances: [{ a: 1, b: 2 }, { a: 2 }] }, /The length of values for each input\/column name are not the same/],
      ['a,b\n1,2,3\n', /Failed to parse input as a Pandas DataFrame\. .*Expected 2 fields in line 2, saw 3/],
      ['{"dataframe_records": [{"__proto__": {"x": 1}, "a": 1, "b": 2}]}', /Invalid column name '__proto__'/],
    ];
    for (const [body, message] of cases) {
      const csv = typeof body === 'string' && body.startsWith('a,b');
      const r = await call(body, csv ? 'text/csv' : json);
      assert.equal(r.status, 400, `${JSON.stringify(body)} -> ${r.body}`);
      assert.equal(r.json.error_code, 'BAD_REQUEST', r.body);
      assert.match(r.json.message, message);
    }
  });

  it('answers input nested too deep as a 400 without a stack trace', async () => {
    const depth = 200_000;
    const free = createScoringApp({ model: served(echo(), null) });
    const r = await free.invocations({
      contentType: json,
      body: `{"inputs": ${'['.repeat(depth)}1${']'.repeat(depth)}}`,
    });
    assert.equal(r.status, 400, r.body.slice(0, 300));
    const body = JSON.parse(r.body);
    assert.equal(body.error_code, 'BAD_REQUEST');
    assert.equal(body.stack_trace, undefined);
  });

  it('answers 415 for other content types, charsets and parameters, with MLflow texts', async () => {
    assert.deepEqual(await call('{}', 'text/plain').then((r) => [r.status, r.body]), [
      415,
      "This predictor only supports the following content types: Types: ['text/csv', 'application/json']. Got 'text/plain'.",
    ]);
    assert.deepEqual(await call('{}', 'application/json; charset=latin-1').then((r) => [r.status, r.body]), [
      415,
      'The scoring server only supports UTF-8',
    ]);
    const legacy = await call('{}', 'application/json; format=pandas-split');
    assert.equal(legacy.status, 415);
    assert.match(
      legacy.body,
      /^Unrecognized content type parameters: format\. IMPORTANT: The MLflow Model scoring protocol/,
    );
    const none = await app.invocations({ contentType: undefined, body: '{}' });
    assert.equal(none.status, 415);
  });

  it('answers a model failure as 400 with a stack trace, and a slow model as 504', async () => {
    const failing = createScoringApp({
      model: served({ predict: async () => Promise.reject(new TypeError('boom')), close: async () => {} }, null),
    });
    const r = await failing.invocations({ contentType: json, body: '{"inputs": [1]}' });
    assert.equal(r.status, 400);
    const body = JSON.parse(r.body);
    assert.equal(body.error_code, 'BAD_REQUEST');
    assert.match(body.message, /^Encountered an unexpected error while evaluating the model/);
    assert.match(body.stack_trace, /TypeError: boom/);
    let aborted = false;
    const slow = createScoringApp({
      model: served(
        {
          predict: (_i, _p, options) =>
            new Promise((resolve) => {
              options?.signal?.addEventListener('abort', () => {
                aborted = true;
                resolve([]);
              });
            }),
          close: async () => {},
        },
        null,
      ),
      limits: { timeoutMs: 50 },
    });
    const late = await slow.invocations({ contentType: json, body: '{"inputs": [1]}' });
    assert.deepEqual([late.status, late.body, aborted], [504, 'Request processing time exceeded limit', true]);
  });
});

describe('model slot: swapping under load', () => {
  it('keeps in-flight requests on their model and closes it after the last one', async () => {
    const closed: string[] = [];
    const model = (name: string): ServedModel => ({
      predictor: {
        predict: async () => {
          await new Promise((r) => setTimeout(r, 20));
          return [name];
        },
        close: async () => {
          closed.push(name);
        },
      },
      info: { uri: 'models:/m@a', version: name, flavor: 'test' },
    });
    const slot = new ModelSlot(model('1'));
    const app = createScoringApp({ model: slot });
    const request = () => app.invocations({ contentType: json, body: '{"inputs": [1]}' });
    const before = [request(), request()];
    const swapped = slot.swap(model('2'));
    const afterSwap = request();
    assert.deepEqual(closed, [], 'the old model stays open while it has requests');
    const answers = await Promise.all([...before, afterSwap]);
    assert.deepEqual(
      answers.map((a) => [a.status, a.body, a.modelVersion]),
      [
        [200, '{"predictions":["1"]}', '1'],
        [200, '{"predictions":["1"]}', '1'],
        [200, '{"predictions":["2"]}', '2'],
      ],
    );
    await swapped;
    assert.deepEqual(closed, ['1']);
    await slot.close();
    assert.deepEqual(closed, ['1', '2']);
  });
});
