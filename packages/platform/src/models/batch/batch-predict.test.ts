import assert from 'node:assert/strict';
import { Readable, Writable } from 'node:stream';
import { describe, it } from 'node:test';
import { CsvParser, csvRecordsToFrame, headerNames } from '../data/csv.js';
import type { DataFrame } from '../data/data-frame.js';
import type { ServedModel } from '../scoring/model-slot.js';
import { csvColumnTypes } from '../scoring/request-parsing.js';
import { enforceInput } from '../signature/enforce.js';
import { type ModelSignature, schemaFromJson } from '../signature/schema.js';
import { batchPredict } from './batch-predict.js';

/** A model that records the frames it is given and predicts each row's first value. */
function recordingModel(signature?: ModelSignature): { model: ServedModel; frames: DataFrame[] } {
  const frames: DataFrame[] = [];
  const model: ServedModel = {
    predictor: {
      predict: async (input) => {
        const frame = input as DataFrame;
        frames.push(frame);
        return Array.from(frame.column(frame.columns[0] as string));
      },
      close: async () => {},
    },
    ...(signature === undefined ? {} : { signature }),
    info: { uri: 'test', flavor: 'js_function' },
  };
  return { model, frames };
}

/** The frames the generic CSV path makes of `text` (whole, cut every `batchSize` records), as the model gets them. */
function genericFrames(text: string, batchSize: number, signature?: ModelSignature): DataFrame[] {
  const parser = new CsvParser();
  const records = [...parser.push(text), ...parser.end()].filter((r) => !(r.length === 1 && r[0] === ''));
  const names = headerNames(records.shift() as string[]);
  const types = csvColumnTypes(signature?.inputs, names);
  const frames: DataFrame[] = [];
  for (let i = 0; i < records.length; i += batchSize) {
    const frame = csvRecordsToFrame(names, records.slice(i, i + batchSize), types, 2 + i);
    frames.push(enforceInput(frame, signature?.inputs) as DataFrame);
  }
  return frames;
}

function plain(frame: DataFrame): unknown {
  return frame.columns.map((name) => [name, frame.dtype(name), Array.from(frame.column(name))]);
}

/** Scores `text` fed in chunks of `chunkSize` characters; resolves with the frames or the error message. */
async function scoreCsv(
  text: string,
  batchSize: number,
  chunkSize: number,
  signature?: ModelSignature,
): Promise<{ frames: unknown[]; output: string } | { error: string }> {
  const { model, frames } = recordingModel(signature);
  const chunks: Buffer[] = [];
  for (let i = 0; i < text.length; i += chunkSize) chunks.push(Buffer.from(text.slice(i, i + chunkSize)));
  let output = '';
  const sink = new Writable({
    write(chunk, _encoding, done) {
      output += chunk;
      done();
    },
  });
  try {
    await batchPredict({
      model,
      format: 'csv',
      input: Readable.from(chunks, { objectMode: false }),
      output: sink,
      outputFormat: 'json',
      batchSize,
    });
  } catch (error) {
    return { error: (error as Error).message };
  }
  return { frames: frames.map(plain), output };
}

async function expectGeneric(text: string, batchSize: number, signature?: ModelSignature): Promise<void> {
  let expected: { frames: unknown[] } | { error: string };
  try {
    expected = { frames: genericFrames(text, batchSize, signature).map(plain) };
  } catch (error) {
    expected = { error: (error as Error).message };
  }
  for (const chunkSize of [3, 17, 64, 1 << 16]) {
    const actual = await scoreCsv(text, batchSize, chunkSize, signature);
    if ('error' in expected) assert.deepEqual(actual, expected, `chunks of ${chunkSize}`);
    else assert.deepEqual('frames' in actual ? actual.frames : actual, expected.frames, `chunks of ${chunkSize}`);
  }
}

/** A deterministic pseudo-random generator (tests must not depend on luck). */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
}

function numberText(next: () => number): string {
  const r = next();
  if (r < 0.3) return String(Math.floor(next() * 1000) - 500);
  if (r < 0.6) return (next() * 100 - 50).toFixed(Math.floor(next() * 6));
  if (r < 0.7) return `0.${String(Math.floor(next() * 1e9)).padStart(9, '0')}`;
  if (r < 0.75) return '12345678901234567.25';
  if (r < 0.8) return '-0';
  if (r < 0.85) return '.5';
  if (r < 0.9) return '7.';
  return String(next() * 1e6);
}

describe('batchPredict CSV reading', () => {
  it('reads numeric CSV into the same batches, dtypes and values as the generic parser', async () => {
    const next = random(7);
    let text = 'a,b,c\n';
    for (let i = 0; i < 300; i++) {
      text += `${numberText(next)},${numberText(next)},${i % 3 === 0 ? String(i) : numberText(next)}${i % 50 === 7 ? '\r\n' : '\n'}`;
      if (i % 97 === 5) text += '\n';
    }
    for (const batchSize of [1, 7, 64, 1000]) await expectGeneric(text, batchSize);
    const signature = schemaFromJson([
      { type: 'double', name: 'a' },
      { type: 'float', name: 'b' },
      { type: 'double', name: 'c' },
    ]);
    await expectGeneric(text, 64, { inputs: signature });
  });

  it('infers int64 or float64 per batch, and reads missing values as NaN', async () => {
    const text = 'x,y\n1,2\n3,\n4,5.0\n6,7\n,8\n9,10\n';
    for (const batchSize of [1, 2, 3, 10]) await expectGeneric(text, batchSize);
    await expectGeneric('x\n1\n2', 1);
    await expectGeneric('x,y\n1,\n2,\n3,4\n', 2);
  });

  it('hands lines it does not read to the generic parser, from the start of their batch', async () => {
    const lines = Array.from({ length: 40 }, (_, i) => `${i},${i / 4}`);
    for (const odd of ['"1",2', '1e3,2', ' 3,4', 'nan,1', '+4,5', '1,2,3', '1', 'abc,1', '0x10,1', 'True,1']) {
      const text = `x,y\n${[...lines.slice(0, 23), odd, ...lines.slice(23)].join('\n')}\n`;
      for (const batchSize of [5, 10, 100]) await expectGeneric(text, batchSize);
    }
  });

  it('keeps declared types and their errors: long, integer, float range', async () => {
    const long = { inputs: schemaFromJson([{ type: 'long', name: 'n' }]) };
    const integer = { inputs: schemaFromJson([{ type: 'integer', name: 'n' }]) };
    const float = { inputs: schemaFromJson([{ type: 'float', name: 'n' }]) };
    await expectGeneric('n\n1\n-2\n3\n', 2, long);
    await expectGeneric('n\n1\n\n2\n,\n', 2, long);
    await expectGeneric('n\n1\n2.5\n', 2, long);
    await expectGeneric('n\n1\n9007199254740993\n', 2, long);
    await expectGeneric('n\n1\n2147483648\n', 2, integer);
    await expectGeneric('n\n1\n-7\n', 2, integer);
    await expectGeneric(`n\n1\n${'9'.repeat(40)}\n`, 2, float);
    const refused = await scoreCsv('n\n1\n2147483648\n', 2, 64, integer);
    assert.ok('error' in refused && /out of range/.test(refused.error), JSON.stringify(refused));
  });

  it('leaves non-numeric columns to the generic parser', async () => {
    await expectGeneric('x,s\n1,a\n2,b\n', 1);
    await expectGeneric('x,s\n1,2\n3,4\n', 1, { inputs: schemaFromJson([{ type: 'string', name: 's' }]) });
    await expectGeneric('"x",y\n1,2\n', 1);
  });

  it('writes one prediction per row, in order', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => `${i},${i * 2}`);
    const result = await scoreCsv(`x,y\n${rows.join('\n')}\n`, 4, 9);
    assert.ok('output' in result);
    assert.deepEqual(JSON.parse(result.output), { predictions: rows.map((_, i) => i) });
  });
});
