import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseRunFilter, parseRunOrderBy } from './run-grammar.js';
import { invalidMessage, setItems } from './test-helpers.js';

describe('parseRunFilter', () => {
  it('accepts every entity prefix alias', () => {
    const filter = [
      'metric.a > 1',
      'metrics.a >= 1',
      "param.p = 'x'",
      "params.p = 'x'",
      "parameter.p = 'x'",
      "parameters.p = 'x'",
      "tag.t = 'x'",
      "tags.t = 'x'",
      "attribute.status = 'x'",
      "attributes.status = 'x'",
      "attr.status = 'x'",
      "run.status = 'x'",
      "status = 'x'",
      "dataset.name = 'x'",
      "datasets.name = 'x'",
    ].join(' AND ');
    assert.deepEqual(
      parseRunFilter(filter).map((c) => c.entity),
      [
        'metric',
        'metric',
        ...Array(4).fill('param'),
        'tag',
        'tag',
        ...Array(5).fill('attribute'),
        'dataset',
        'dataset',
      ],
    );
  });

  it('parses metric clauses with every numeric operator and number form', () => {
    const clauses = parseRunFilter(
      'metrics.a = 1 AND metrics.a != -3 AND metrics.a < 0.25 AND metrics.a <= 1e-3 AND metrics.a > .5 AND metrics.a >= 2',
    );
    assert.deepEqual(
      clauses.map((c) => [c.operator, c.type === 'numeric' ? c.value : undefined]),
      [
        ['=', 1],
        ['!=', -3],
        ['<', 0.25],
        ['<=', 0.001],
        ['>', 0.5],
        ['>=', 2],
      ],
    );
  });

  it('reads quoted keys and values in every quoting form', () => {
    const clauses = parseRunFilter(
      'tags.`mlflow.source.type` = \'LOCAL\' AND metrics."val loss" < 0.3 AND params.`learning-rate` = "0.1" AND tags.mlflow.runName LIKE \'%x%\'',
    );
    assert.deepEqual(
      clauses.map((c) => [c.entity, c.key]),
      [
        ['tag', 'mlflow.source.type'],
        ['metric', 'val loss'],
        ['param', 'learning-rate'],
        ['tag', 'mlflow.runName'],
      ],
    );
    assert.equal(clauses[2]?.type === 'string' && clauses[2].value, '0.1');
  });

  it('resolves attribute aliases and keeps quoted numbers as strings', () => {
    const clauses = parseRunFilter(
      "created >= 5 AND Created < 9 AND attributes.`Run name` = 'a' AND `run name` ILIKE 'b' AND \"Run Name\" != 'c' AND params.x = '1'",
    );
    assert.deepEqual(
      clauses.map((c) => [c.key, c.type]),
      [
        ['start_time', 'numeric'],
        ['start_time', 'numeric'],
        ['run_name', 'string'],
        ['run_name', 'string'],
        ['run_name', 'string'],
        ['x', 'string'],
      ],
    );
  });

  it('parses run_id and dataset lists, dropping run ids with uppercase letters', () => {
    const [ids, notIds, datasets] = parseRunFilter(
      "attributes.run_id IN ('abc', 'ABC', 'dEf', '123') AND run_id NOT IN ('x') AND datasets.context IN ('training', 'Eval')",
    );
    assert.deepEqual(ids, {
      type: 'list',
      entity: 'attribute',
      key: 'run_id',
      operator: 'IN',
      values: ['abc', '123'],
    });
    assert.equal(notIds?.operator, 'NOT IN');
    assert.deepEqual(datasets?.type === 'list' && datasets.values, ['training', 'Eval']);
  });

  it("reports MLflow's messages for bad values", () => {
    assert.equal(
      invalidMessage(() => parseRunFilter("metrics.loss < 'abc'")),
      "Expected numeric value type for metric. Found 'abc'",
    );
    assert.equal(
      invalidMessage(() => parseRunFilter('params.alpha = 0.5')),
      "Expected a quoted string value for parameter (e.g. 'my-value'). Got value 0.5",
    );
    assert.match(
      invalidMessage(() => parseRunFilter('tags.t = 1')),
      /for tag \(e\.g\./,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('params.alpha = adam')),
      /not quoted/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("start_time > 'x'")),
      /numeric attribute: start_time/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('status = 3')),
      /quoted string value for attributes/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("status IN ('a')")),
      /Only the 'run_id' attribute/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('datasets.name = 3')),
      /dataset attributes/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('run_id IN ()')),
      /got empty list/,
    );
  });

  it("reports MLflow's messages for bad identifiers", () => {
    const message = invalidMessage(() => parseRunFilter("attributes.foo = 'x'"));
    assert.match(message, /^Invalid attribute key 'foo' specified\. Valid keys are '\{/);
    assert.deepEqual(setItems(message), [
      'Created',
      'Run Name',
      'Run name',
      'artifact_uri',
      'created',
      'end_time',
      'run name',
      'run_id',
      'run_name',
      'start_time',
      'status',
      'user_id',
    ]);
    assert.match(
      invalidMessage(() => parseRunFilter('Metrics.a = 1')),
      /^Invalid entity type 'Metrics'/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("experiment_id = '1'")),
      /Invalid attribute key 'experiment_id'/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("datasets.source = 'x'")),
      /Invalid dataset key 'source'/,
    );
  });

  it('refuses operators an identifier does not take', () => {
    const message = invalidMessage(() => parseRunFilter("params.alpha > '0.1'"));
    assert.match(message, /^Invalid comparator '>' not one of/);
    assert.deepEqual(setItems(message), ['!=', '=', 'ILIKE', 'LIKE']);
    assert.match(
      invalidMessage(() => parseRunFilter('metrics.a LIKE 1')),
      /^Invalid comparator 'LIKE'/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("tags.a <= 'x'")),
      /^Invalid comparator '<='/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("run_name > 'x'")),
      /^Invalid comparator '>'/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('end_time LIKE 3')),
      /^Invalid comparator 'LIKE'/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("run_id = ('a')")),
      /^Invalid comparator '='/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter("run_id IN 'a'")),
      /list of quoted string values/,
    );
    assert.match(
      invalidMessage(() => parseRunFilter('metrics.a <> 1')),
      /^Invalid comparator '<>'/,
    );
  });

  it('rejects OR with the quoted clause list', () => {
    assert.equal(
      invalidMessage(() => parseRunFilter("params.alpha = '0.5' OR params.alpha = '0.1'")),
      "Invalid clause(s) in filter string: 'OR'",
    );
  });
});

describe('parseRunOrderBy', () => {
  it('defaults to start_time DESC, run_id ASC', () => {
    assert.deepEqual(parseRunOrderBy(undefined), [
      { entity: 'attribute', key: 'start_time', ascending: false },
      { entity: 'attribute', key: 'run_id', ascending: true },
    ]);
  });

  it('resolves keys and aliases and appends only the missing tie-breakers', () => {
    assert.deepEqual(parseRunOrderBy(['metrics.`val loss` DESC', 'params.p', 'created asc']), [
      { entity: 'metric', key: 'val loss', ascending: false },
      { entity: 'param', key: 'p', ascending: true },
      { entity: 'attribute', key: 'start_time', ascending: true },
      { entity: 'attribute', key: 'run_id', ascending: true },
    ]);
    assert.deepEqual(parseRunOrderBy(['tags.t', 'run_id DESC']), [
      { entity: 'tag', key: 't', ascending: true },
      { entity: 'attribute', key: 'run_id', ascending: false },
      { entity: 'attribute', key: 'start_time', ascending: false },
    ]);
  });

  it('refuses duplicates (also through aliases), bad syntax and unknown keys', () => {
    assert.equal(
      invalidMessage(() => parseRunOrderBy(['metrics.loss DESC', 'metrics.loss ASC'])),
      "`order_by` contains duplicate fields: ['metrics.loss DESC', 'metrics.loss ASC']",
    );
    assert.match(
      invalidMessage(() => parseRunOrderBy(['created', 'start_time'])),
      /duplicate fields/,
    );
    assert.doesNotThrow(() => parseRunOrderBy(['metrics.a', 'params.a', 'tags.a']));
    assert.match(
      invalidMessage(() => parseRunOrderBy(['metrics.loss DESC extra'])),
      /Could not be parsed/,
    );
    assert.match(
      invalidMessage(() => parseRunOrderBy(['metrics.loss UP'])),
      /Invalid ordering key/,
    );
    assert.match(
      invalidMessage(() => parseRunOrderBy(['foo'])),
      /Invalid attribute key 'foo'/,
    );
    assert.match(
      invalidMessage(() => parseRunOrderBy(['`Run name`'])),
      /Invalid attribute key 'Run name'/,
    );
    assert.match(
      invalidMessage(() => parseRunOrderBy(['datasets.name'])),
      /Invalid order_by entity/,
    );
  });
});
