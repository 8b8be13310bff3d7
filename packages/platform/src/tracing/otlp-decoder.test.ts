import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decodeJsonExport, decodeProtobufExport, OtlpFormatError } from './otlp-decoder.js';

// The golden corpus's otlp-ok body: a root AGENT span and a child LLM span with an event.
const GOLDEN =
  'CsMDCiIKIAoMc2VydmljZS5uYW1lEhAKDmdvbGRlbi1zZXJ2aWNlEpwDChUKDGdvbGRlbi1zY29wZRIFMS4wLjASrgEKEODg4ODg4ODg4ODg4ODgAQESCAAAAAAAAACxKgxnb2xkZW4tYWdlbnQwATkAWHEuDJ2XF0EA7KalDJ2XF0oaCg9tbGZsb3cuc3BhblR5cGUSBwoFQUdFTlRKMwoRbWxmbG93LnNwYW5JbnB1dHMSHjIcChoKCHF1ZXN0aW9uEg4KDFdoYXQgaXMgMisyP0oZChJtbGZsb3cuc3Bhbk91dHB1dHMSAwoBNHoCGAES0QEKEODg4ODg4ODg4ODg4ODgAQESCAAAAAAAAACyIggAAAAAAAAAsSoKZ29sZGVuLWxsbTABOQC9PkwMnZcXQQCH2YcMnZcXShgKD21sZmxvdy5zcGFuVHlwZRIFCgNMTE1KMQoRbWxmbG93LnNwYW5JbnB1dHMSHDIaChgKBnByb21wdBIOCgxXaGF0IGlzIDIrMj9KGQoSbWxmbG93LnNwYW5PdXRwdXRzEgMKATRaHQkAnjRSDJ2XFxIFdG9rZW4aCwoFaW5kZXgSAhgBegIYAQ==';

describe('OTLP decoding', () => {
  it('turns a protobuf export into span records and MLflow span dictionaries', () => {
    const { resourceSpanCount, spans } = decodeProtobufExport(Buffer.from(GOLDEN, 'base64'));
    assert.equal(resourceSpanCount, 1);
    assert.equal(spans.length, 2);
    const [root, child] = spans;
    assert.equal(root?.trace_id, 'tr-e0e0e0e0e0e0e0e0e0e0e0e0e0e00101');
    assert.equal(root?.span_id, '00000000000000b1');
    assert.equal(root?.parent_span_id, undefined);
    assert.equal(root?.type, 'AGENT');
    assert.equal(root?.status, 'OK');
    assert.equal(root?.start_time_unix_nano, '1700000060000000000');
    assert.equal(child?.parent_span_id, '00000000000000b1');
    const dict = JSON.parse(child?.content ?? '{}');
    assert.equal(dict.trace_id, '4ODg4ODg4ODg4ODg4OABAQ==');
    assert.equal(dict.parent_span_id, 'AAAAAAAAALE=');
    assert.equal(dict.status.code, 'STATUS_CODE_OK');
    assert.equal(dict.attributes['mlflow.spanType'], '"LLM"');
    assert.equal(dict.attributes['mlflow.spanInputs'], '{"prompt":"What is 2+2?"}');
    assert.equal(dict.attributes['mlflow.spanOutputs'], '4');
    assert.equal(dict.attributes['mlflow.traceRequestId'], '"tr-e0e0e0e0e0e0e0e0e0e0e0e0e0e00101"');
    assert.deepEqual(dict.events[0].attributes, { index: 1 });
    // Nanosecond times are written with every digit.
    assert.match(child?.content ?? '', /"start_time_unix_nano":1700000060500000000,/);
  });

  it('reads OTLP/JSON with hex ids and string times', () => {
    const { spans } = decodeJsonExport(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0102030405060708090a0b0c0d0e0f10',
                    spanId: '1112131415161718',
                    name: 'json-span',
                    startTimeUnixNano: '1700000000000000001',
                    endTimeUnixNano: '1700000001000000001',
                    status: { code: 2, message: 'bad' },
                    attributes: [{ key: 'n', value: { intValue: '7' } }],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.equal(spans[0]?.trace_id, 'tr-0102030405060708090a0b0c0d0e0f10');
    assert.equal(spans[0]?.status, 'ERROR');
    assert.equal(spans[0]?.end_time_unix_nano, '1700000001000000001');
    assert.equal(JSON.parse(spans[0]?.content ?? '{}').attributes.n, '7');
  });

  it('refuses garbage, bad ids and wrong shapes', () => {
    assert.throws(() => decodeProtobufExport(Buffer.from('not a protobuf')), OtlpFormatError);
    assert.equal(decodeProtobufExport(new Uint8Array()).resourceSpanCount, 0);
    assert.throws(() => decodeJsonExport('{'), OtlpFormatError);
    assert.throws(() => decodeJsonExport('[]'), OtlpFormatError);
    assert.throws(() => decodeJsonExport('{"resourceSpans": 3}'), OtlpFormatError);
    const badId = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: 'zz', spanId: '1112131415161718' }] }] }] };
    assert.throws(() => decodeJsonExport(JSON.stringify(badId)), /not a hex string/);
    const shortId = { resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: '0102', spanId: '1112131415161718' }] }] }] };
    assert.throws(() => decodeJsonExport(JSON.stringify(shortId)), /trace_id must be 16 bytes/);
  });

  it('keeps each span with its own trace when traces interleave, with every digit of its times', () => {
    const A = '0102030405060708090a0b0c0d0e0f10';
    const B = 'a1a2a3a4a5a6a7a8a9aaabacadaeafb0';
    const span = (traceId: string, spanId: string, start: string) => ({
      traceId,
      spanId,
      name: `s-${spanId}`,
      startTimeUnixNano: start,
      endTimeUnixNano: '1800000000000000009',
    });
    const { spans } = decodeJsonExport(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  span(A, '0000000000000001', '1'),
                  span(B, '0000000000000002', '9007199254740993'),
                  span(A, '0000000000000003', '1800000000000000007'),
                ],
              },
            ],
          },
        ],
      }),
    );
    assert.deepEqual(
      spans.map((s) => [s.trace_id, s.span_id, s.start_time_unix_nano, s.end_time_unix_nano]),
      [
        [`tr-${A}`, '0000000000000001', '1', '1800000000000000009'],
        [`tr-${B}`, '0000000000000002', '9007199254740993', '1800000000000000009'],
        [`tr-${A}`, '0000000000000003', '1800000000000000007', '1800000000000000009'],
      ],
    );
    const dicts = spans.map((s) => s.content);
    assert.match(dicts[1] ?? '', /"trace_id":"oaKjpKWmp6ipqqusra6vsA==","span_id":"AAAAAAAAAAI="/);
    assert.match(dicts[1] ?? '', /"start_time_unix_nano":9007199254740993,"end_time_unix_nano":1800000000000000009,/);
    assert.equal(JSON.parse(dicts[2] ?? '{}').attributes['mlflow.traceRequestId'], `"tr-${A}"`);
    assert.equal(JSON.parse(dicts[1] ?? '{}').attributes['mlflow.traceRequestId'], `"tr-${B}"`);
  });

  it('keeps attribute strings that are JSON as sent and encodes the others', () => {
    const values = ['"AGENT"', '"say \\"hi\\""', '"unterminated', '"tab\there"', '""', '"', 'plain', '{"a":1}'];
    const { spans } = decodeJsonExport(
      JSON.stringify({
        resourceSpans: [
          {
            scopeSpans: [
              {
                spans: [
                  {
                    traceId: '0102030405060708090a0b0c0d0e0f10',
                    spanId: '1112131415161718',
                    name: 'attrs',
                    attributes: [
                      ...values.map((v, i) => ({ key: `k${i}`, value: { stringValue: v } })),
                      { key: 'mlflow.spanType', value: { stringValue: '"CHAT_MODEL"' } },
                    ],
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    const attributes = JSON.parse(spans[0]?.content ?? '{}').attributes as Record<string, string>;
    values.forEach((v, i) => {
      let json = true;
      try {
        JSON.parse(v);
      } catch {
        json = false;
      }
      // Every stored value is JSON text: as sent when it was, else the string encoded.
      assert.equal(attributes[`k${i}`], json ? v : JSON.stringify(v), v);
    });
    assert.equal(spans[0]?.type, 'CHAT_MODEL');
  });
});
