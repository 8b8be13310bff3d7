// Hostile values for the generative endpoint test: strings, numbers and shapes no client should
// be able to turn into a 500, forged page tokens, filter and order_by strings (including ones
// too large for a database's parameter limit) and artifact paths with every file-system trick.
import fc from 'fast-check';

export type Arb = fc.Arbitrary<unknown>;

export const weighted = <T>(weight: number, arbitrary: fc.Arbitrary<T>) => ({ weight, arbitrary });

/** Strings no client should be able to turn into a 500. */
export const hostileText: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ maxLength: 40, unit: 'binary' }),
  fc.constantFrom(
    '',
    ' ',
    '\ud800',
    'a\udc00b',
    '\ud83d\ude00',
    'e\u0301',
    '\u00e9',
    '\u0000',
    'a\u0000b',
    '\u202e',
    "'",
    '"',
    '\\',
    '%',
    '%00',
    '%2e%2e%2f',
    '../../etc/passwd',
    '..',
    '.',
    '/',
    '//',
    'a//b',
    "x' OR '1'='1",
    '; DROP TABLE runs; --',
    '$' + '{x}',
    '__proto__',
    'constructor',
    'NaN',
    'Infinity',
    '1e400',
    '-0',
    '0x10',
  ),
  // Around and over the usual limits: 250, 256, 500, 5000, 6000, 8000 characters.
  fc
    .tuple(
      fc.constantFrom(250, 251, 256, 257, 500, 501, 5000, 5001, 6001, 8001, 100_001),
      fc.constantFrom('x', '\u00e9', '\ud83d\ude00'),
    )
    .map(([n, unit]) => unit.repeat(n)),
);

/** Numbers that break naive integer handling. */
export const hostileNumber: Arb = fc.oneof(
  fc.integer(),
  fc.constantFrom(
    0,
    -1,
    1,
    2 ** 31,
    2 ** 31 - 1,
    -(2 ** 31) - 1,
    2 ** 53,
    2 ** 53 + 2,
    -(2 ** 63),
    1e300,
    -1e300,
    0.5,
    -0.0,
  ),
  fc.double(),
);

/** JSON values of the wrong shape: what a careless client sends where a scalar belongs. */
export const wrongShape: Arb = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  hostileNumber,
  fc.array(fc.oneof(fc.string({ maxLength: 5 }), fc.integer()), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.integer({ min: 101, max: 1000 }).map((depth) => nested(depth)),
);

/** An array nested `depth` levels deep. */
export function nested(depth: number): unknown {
  let value: unknown = [];
  for (let i = 0; i < depth; i++) value = [value];
  return value;
}

const b64 = (value: unknown) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64');

/** Page tokens: real-looking ones with absurd contents, and garbage. */
export const pageToken: Arb = fc.oneof(
  hostileNumber.map((offset) => b64({ offset })),
  fc.constantFrom(-1, 1.5, '7', null, [], {}, 1e300, 2 ** 60).map((offset) => b64({ offset })),
  hostileNumber.map((id) => b64({ before_event_id: id })),
  hostileNumber.map((offset) => b64({ experiment_ids: ['1'], filter_string: null, order_by: null, offset })),
  fc.constant(b64(`${'['.repeat(5000)}${']'.repeat(5000)}`)),
  fc.constant(b64(`{"offset": ${'['.repeat(3000)}`)),
  fc.string({ maxLength: 30 }).map(b64),
  fc.base64String({ maxLength: 40 }),
  hostileText,
);

const filterIdentifiers = [
  'metrics.m',
  'metrics.`m`',
  'params.p',
  'tags.t',
  'tags.`a b`',
  'tag.t',
  'attributes.run_id',
  'attribute.status',
  'attributes.start_time',
  'run_name',
  'run_id',
  'name',
  'status',
  'creation_time',
  'creation_timestamp',
  'last_update_time',
  'version_number',
  'source_path',
  'datasets.name',
  'dataset.context',
  'model_type',
  'metrics.',
  '`',
  'x',
];
const filterOperators = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  'LIKE',
  'ILIKE',
  'like',
  'IN',
  'NOT IN',
  'not in',
  '==',
  '<>',
  '',
];

const quoted = hostileText.map((s) => `'${s.replaceAll("'", "\\'")}'`);

/** A list `('a', 'b', ...)`, sometimes longer than any database accepts as parameters. */
const filterList: fc.Arbitrary<string> = fc.oneof(
  fc.array(fc.oneof(quoted, fc.integer().map(String)), { minLength: 0, maxLength: 5 }).map((v) => `(${v.join(', ')})`),
  fc.integer({ min: 4990, max: 40_000 }).map((n) => `(${Array.from({ length: n }, (_, i) => `'r${i}'`).join(',')})`),
  fc.constantFrom('(', ')', '((', "('a',)", "('a' 'b')", '()'),
);

const filterClause = fc
  .tuple(
    fc.constantFrom(...filterIdentifiers),
    fc.constantFrom(...filterOperators),
    fc.oneof(quoted, hostileNumber.map(String), filterList, hostileText),
  )
  .map(([identifier, operator, value]) => `${identifier} ${operator} ${value}`);

/** Filter strings: valid-looking clauses, too many of them, and noise. */
export const filterString: Arb = fc.oneof(
  weighted(
    4,
    fc.array(filterClause, { minLength: 1, maxLength: 4 }).map((c) => c.join(' AND ')),
  ),
  weighted(
    1,
    fc.array(filterClause, { minLength: 1, maxLength: 3 }).map((c) => c.join(' OR ')),
  ),
  weighted(
    1,
    fc
      .integer({ min: 190, max: 600 })
      .map((n) => Array.from({ length: n }, (_, i) => `params.p${i} = 'v'`).join(' AND ')),
  ),
  weighted(1, hostileText),
);

const orderByItem = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...filterIdentifiers),
      fc.constantFrom('', ' ASC', ' DESC', ' desc', ' sideways', ' ASC DESC'),
    )
    .map(([identifier, direction]) => identifier + direction),
  hostileText,
);

export const orderByList: Arb = fc.oneof(
  weighted(5, fc.array(orderByItem, { maxLength: 4 })),
  weighted(
    1,
    fc.integer({ min: 45, max: 200 }).map((n) => Array.from({ length: n }, (_, i) => `metrics.m${i} DESC`)),
  ),
);

/** Files the harness puts in every artifact root, so downloads find something. */
export const FIXTURE_FILES: readonly string[] = ['data.txt', 'model/MLmodel', 'a/b/c.json'];

/** Artifact paths: ordinary ones and every trick against a file system. */
export const artifactPath: fc.Arbitrary<string> = fc.oneof<fc.MaybeWeightedArbitrary<string>[]>(
  weighted(3, fc.constantFrom(...FIXTURE_FILES)),
  weighted(
    3,
    fc
      .array(fc.constantFrom('a', 'b', 'model', 'MLmodel', 'data.txt', 'x y', 'caf\u00e9'), {
        minLength: 1,
        maxLength: 4,
      })
      .map((s) => s.join('/')),
  ),
  weighted(
    3,
    fc.constantFrom(
      '',
      '.',
      '..',
      '../x',
      'a/../../x',
      '%2e%2e/x',
      '%252e%252e/x',
      'a%2Fb',
      'a%41.txt',
      'a%2541.txt',
      '/etc/passwd',
      'file:///etc/passwd',
      'C:\\x',
      'a\\b',
      'a//b',
      'a/./b',
      'x#y',
      'x?y=1',
      'x;y',
      'loop/x',
      'loop',
      'loop/loop/loop',
      'dir-a/file',
      'dir-a',
      'a\u0001b',
      'a\u0000b',
      '\u00e9.txt',
      'e\u0301.txt',
      '.keel-partial-0123456789abcdef',
    ),
  ),
  weighted(
    2,
    fc.constantFrom(255, 256, 300, 4096, 5000).map((n) => 'n'.repeat(n)),
  ),
  weighted(
    1,
    fc.integer({ min: 50, max: 400 }).map((n) => Array.from({ length: n }, () => 'd').join('/')),
  ),
  weighted(1, hostileText),
);
