// Request generators of the generative endpoint test: for each field of a request message, a mix
// of values that name real entities (so requests get past "not found" into the deep code) and
// hostile ones (wrong types, out-of-range numbers, over-long, deeply nested, unpaired surrogates,
// path tricks, forged page tokens, oversized IN lists). Field names pick the pools: a field
// called `run_id` mostly gets run ids, `filter` gets filter strings, and so on.
import type { FieldSpec, MessageSpec } from '@keel/contract';
import fc from 'fast-check';
import {
  type Arb,
  artifactPath,
  filterString,
  hostileNumber,
  hostileText,
  orderByList,
  pageToken,
  weighted,
  wrongShape,
} from './hostile-values.js';

/**
 * Entities created before the fuzzing starts, so generated requests can name them. Mutable:
 * when a case deletes one, the harness makes a new one and generators read the new id.
 */
export interface Fixtures {
  experimentId: string;
  deletedExperimentId: string;
  runId: string;
  deletedRunId: string;
  modelName: string;
  loggedModelId: string;
  runArtifactUri: string;
}

/** A plausible `model_json` for log-model, or junk. */
function modelJson(fixtures: Fixtures): Arb {
  const valid = {
    artifact_path: 'model',
    flavors: { python_function: { loader_module: 'x' } },
    utc_time_created: '2024-01-01 00:00:00.000000',
    run_id: fixtures.runId,
  };
  return fc.oneof(
    weighted(4, fc.constant(JSON.stringify(valid))),
    fc.constant(
      JSON.stringify(valid).replace(
        '{"python_function"',
        `${'['.repeat(5000)}${']'.repeat(5000)}, "x": {"python_function"`,
      ),
    ),
    fc.constant(`{"artifact_path": ${'['.repeat(4000)}`),
    fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
    hostileText,
  );
}

/** Good and hostile values for one field; a case draws either only good values or a mix. */
interface Pool {
  readonly good: Arb;
  readonly bad: Arb;
}

const pool = (good: Arb, bad: Arb = hostileText): Pool => ({ good, bad });
/** A fixture's current value, read when a case is generated (healing may replace it). */
const live = (read: () => unknown): Arb => fc.constant(null).map(read);
const fresh = (prefix: string) => fc.integer({ min: 0, max: 2 ** 31 }).map((n) => `${prefix}-${n.toString(36)}`);
const simpleKey = fc.stringMatching(/^[a-z][a-z0-9_.]{0,11}$/).filter((k) => !k.endsWith('.') && !k.includes('..'));
const plainText = fc.string({ maxLength: 30 });

/** Values named by a field's name; undefined falls back to the field's kind. */
function poolFor(name: string, f: Fixtures): Pool | undefined {
  const randomHex = fc.stringMatching(/^[0-9a-f]{32}$/);
  switch (name) {
    case 'run_id':
    case 'run_uuid':
    case 'source_run_id':
      return pool(
        live(() => f.runId),
        fc.oneof(
          live(() => f.deletedRunId),
          randomHex,
          hostileText,
        ),
      );
    case 'run_ids':
      return pool(
        fc.array(
          live(() => f.runId),
          { minLength: 1, maxLength: 3 },
        ),
        fc.oneof(
          fc.array(
            fc.oneof(
              live(() => f.deletedRunId),
              hostileText,
            ),
            { maxLength: 3 },
          ),
          fc.integer({ min: 99, max: 150 }).map((n) => Array.from({ length: n }, () => f.runId)),
        ),
      );
    case 'experiment_id':
      return pool(
        live(() => f.experimentId),
        fc.oneof(
          live(() => f.deletedExperimentId),
          hostileNumber,
          hostileText,
        ),
      );
    case 'experiment_ids':
      return pool(
        fc.array(
          fc.oneof(
            live(() => f.experimentId),
            fc.constant('0'),
          ),
          { minLength: 1, maxLength: 3 },
        ),
        fc.oneof(
          fc.array(
            fc.oneof(
              live(() => f.deletedExperimentId),
              fc.constantFrom('abc', '-1'),
              hostileText,
            ),
            { maxLength: 3 },
          ),
          fc.integer({ min: 19, max: 40_000 }).map((n) => Array.from({ length: n }, (_, i) => String(i))),
        ),
      );
    case 'name':
      // Registry calls name the fixture model; create calls want a name nobody has yet.
      return pool(
        fc.oneof(
          live(() => f.modelName),
          fresh('fuzz'),
        ),
        fc.oneof(fc.constant('Default'), hostileText),
      );
    case 'experiment_name':
      return pool(fc.constantFrom('fuzz-experiment', 'Default'), hostileText);
    case 'new_name':
      return pool(fresh('renamed'));
    case 'version':
      return pool(
        fc.constantFrom('1', 1),
        fc.oneof(fc.constantFrom('2', '0', '-1', 'latest', 'abc', '99999999999999999999', ' 1'), hostileNumber),
      );
    case 'key':
    case 'metric_key':
    case 'tag_key':
      return pool(fc.oneof(fc.constantFrom('m', 't', 'p', 'a/b', 'x.y-z 1:2'), simpleKey));
    case 'model_id':
      return pool(
        live(() => f.loggedModelId),
        fc.oneof(fc.constant('m-0123456789abcdef0123456789abcdef'), hostileText),
      );
    case 'alias':
      return pool(
        fc.constantFrom('champion', 'a-b_c', 'prod'),
        fc.oneof(fc.constantFrom('latest', 'v1', 'V2'), hostileText),
      );
    case 'stage':
      return pool(fc.constantFrom('Production', 'Staging', 'None', 'Archived', 'production'));
    case 'stages':
      return pool(fc.array(fc.constantFrom('Production', 'Staging', 'None', 'Archived'), { maxLength: 3 }));
    case 'source':
      return pool(
        fc.oneof(
          live(() => f.runArtifactUri),
          live(() => `runs:/${f.runId}/model`),
          live(() => `models:/${f.modelName}/1`),
        ),
        fc.oneof(
          fc.constantFrom(
            '/etc',
            'file:///',
            'file:///etc/passwd',
            '../../etc',
            'mlflow-artifacts:/../../x',
            'http://169.254.169.254/x',
            's3://bucket/key',
          ),
          hostileText,
        ),
      );
    case 'path':
    case 'artifact_directory_path':
      return pool(artifactPath, artifactPath);
    case 'filter':
      return pool(
        fc.oneof(fc.constant(''), fc.constantFrom("params.p = 'v'", 'metrics.m > 0', "tags.t LIKE 'v%'", "name = 'x'")),
        filterString,
      );
    case 'order_by':
      return pool(fc.constantFrom([], ['metrics.m DESC'], ['name ASC'], ['attributes.start_time']), orderByList);
    case 'page_token':
      return pool(fc.constant(''), pageToken);
    case 'model_json':
      return pool(modelJson(f), hostileText);
    case 'artifact_location':
      // Relative names land in the test's own directory; schemes are only recorded.
      return pool(
        fc.constantFrom('', 'relative-dir', 's3://bucket/prefix', 'mlflow-artifacts:/custom'),
        hostileText.map((s) => s.replaceAll('/', '_')),
      );
    case 'max_results':
      return pool(fc.constantFrom(1, 10, 100, 1000), fc.oneof(hostileNumber, fc.constantFrom('5', '', '1e3')));
    case 'start_step':
    case 'end_step':
    case 'step':
    case 'timestamp':
    case 'start_time':
    case 'end_time':
    case 'num_parts':
    case 'part_number':
      return pool(fc.integer({ min: 0, max: 1_000_000 }), fc.oneof(hostileNumber, fc.constantFrom('12', '1.5', 'x')));
    case 'value':
      return pool(fc.oneof(plainText, hostileText), hostileText);
    case 'digest':
      return pool(fc.stringMatching(/^[0-9a-f]{8}$/));
    case 'dataset_name':
    case 'source_type':
    case 'user_id':
    case 'run_name':
    case 'description':
    case 'run_link':
    case 'model_type':
    case 'etag':
    case 'upload_id':
      return pool(fc.oneof(plainText, fresh(name)));
    default:
      return undefined;
  }
}

/** Whether a case draws only good values, or a mix with hostile ones. */
export type CaseMode = 'good' | 'mixed';

/** A value for one field. */
export function fieldValue(name: string, field: FieldSpec, fixtures: Fixtures, mode: CaseMode, depth = 0): Arb {
  // Pools hold strings, ids and numbers; a metric's double `value` is generated by its kind.
  const named = field.kind === 'double' ? undefined : poolFor(name, fixtures);
  const good = named?.good ?? kindValue(name, field, fixtures, 'good', depth);
  if (mode === 'good') return field.required ? good : fc.option(good, { nil: undefined, freq: 4 });
  const bad = named?.bad ?? kindValue(name, field, fixtures, 'mixed', depth);
  return fc.oneof(weighted(5, good), weighted(3, bad), weighted(1, wrongShape), weighted(1, fc.constant(undefined)));
}

function kindValue(name: string, field: FieldSpec, fixtures: Fixtures, mode: CaseMode, depth: number): Arb {
  const good = mode === 'good';
  switch (field.kind) {
    case 'string':
      return good ? plainText : hostileText;
    case 'int64':
    case 'int32':
      return good
        ? fc.integer({ min: 0, max: 100_000 })
        : fc.oneof(hostileNumber, fc.constantFrom('42', '-7', '9007199254740993'));
    case 'double':
      return good
        ? fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity'))
        : fc.constantFrom('1.5', 'nan', true, 1e308, -1e-320, 'x');
    case 'bool':
      return good ? fc.boolean() : fc.constantFrom('true', 'false', 'yes', 0, 1);
    case 'enum':
      return good
        ? fc.constantFrom(...(field.enumValues ?? []))
        : fc.oneof(fc.integer({ min: -1, max: 10 }), hostileText);
    case 'message':
      return depth > 2 || field.message === undefined
        ? wrongShape
        : messageValue(field.message, fixtures, mode, depth + 1);
    case 'list': {
      const item = fieldValue(name, field.item as FieldSpec, fixtures, mode, depth + 1).filter((v) => v !== undefined);
      const ordinary = fc.array(item, { maxLength: 4 });
      // Oversized lists only at the top level: nested ones would multiply into gigabytes.
      if (good || depth > 0) return ordinary;
      return fc.oneof(
        weighted(6, ordinary),
        // Past the usual limits (100 tags in a batch, 1000 metrics) and past a database's
        // parameter limit when every element is a row (11,000 rows x 3 columns > 32,766).
        weighted(
          1,
          fc.constantFrom(101, 1001, 11_000).chain((n) => fc.array(item, { minLength: n, maxLength: n })),
        ),
      );
    }
  }
}

/** A whole request object for a message: its fields (some missing), plus unknown extras. */
export function messageValue(
  spec: MessageSpec<unknown>,
  fixtures: Fixtures,
  mode: CaseMode,
  depth = 0,
): fc.Arbitrary<Record<string, unknown>> {
  const entries = Object.entries(spec.fields).map(([name, field]) =>
    fieldValue(name, field, fixtures, mode, depth).map((v) => [name, v] as const),
  );
  const extras =
    mode === 'good'
      ? fc.constant([])
      : fc.array(fc.tuple(fc.constantFrom('__proto__', 'constructor', 'unknown_field', 'runUuid', 'x'), wrongShape), {
          maxLength: 2,
        });
  return fc.tuple(fc.tuple(...entries), extras).map(([fields, extra]) => {
    const out: Record<string, unknown> = {};
    for (const [name, value] of fields) if (value !== undefined) out[name] = value;
    // Own properties, as JSON.parse makes them: `__proto__` must not become a prototype.
    for (const [name, value] of extra)
      Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
    return out;
  });
}

/** A request object drawn good or mixed (two good cases for one mixed one). */
export function requestValue(spec: MessageSpec<unknown>, fixtures: Fixtures): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof(
    weighted(2, messageValue(spec, fixtures, 'good')),
    weighted(1, messageValue(spec, fixtures, 'mixed')),
  );
}
