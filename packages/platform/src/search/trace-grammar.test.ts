import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { invalidMessage, setItems } from './test-helpers.js';
import { parseTraceFilter, parseTraceOrderBy } from './trace-grammar.js';

describe('parseTraceFilter', () => {
  it('reads attributes under every prefix, with their aliases', () => {
    assert.deepEqual(parseTraceFilter("trace.status = 'OK' AND attributes.timestamp > 5 AND execution_time <= 3"), [
      { type: 'string', entity: 'attribute', key: 'status', operator: '=', value: 'OK' },
      { type: 'numeric', entity: 'attribute', key: 'timestamp_ms', operator: '>', value: 5 },
      { type: 'numeric', entity: 'attribute', key: 'execution_time_ms', operator: '<=', value: 3 },
    ]);
    assert.deepEqual(parseTraceFilter("attribute.request_id IN ('a', 'b')"), [
      { type: 'list', entity: 'attribute', key: 'request_id', operator: 'IN', values: ['a', 'b'] },
    ]);
  });

  it('maps name to the trace-name tag and run_id to the run clause', () => {
    assert.deepEqual(parseTraceFilter("trace.name = 'chain'"), [
      { type: 'string', entity: 'tag', key: 'mlflow.traceName', operator: '=', value: 'chain' },
    ]);
    assert.deepEqual(parseTraceFilter("run_id NOT IN ('r1')"), [
      { type: 'list', entity: 'run', key: 'run_id', operator: 'NOT IN', values: ['r1'] },
    ]);
  });

  it('reads tags, metadata (both prefixes, quoted keys) and spans', () => {
    assert.deepEqual(parseTraceFilter("tags.topic != 'geo' AND metadata.`mlflow.user` = 'me'"), [
      { type: 'string', entity: 'tag', key: 'topic', operator: '!=', value: 'geo' },
      { type: 'string', entity: 'metadata', key: 'mlflow.user', operator: '=', value: 'me' },
    ]);
    assert.deepEqual(parseTraceFilter('request_metadata."a b" = \'x\''), [
      { type: 'string', entity: 'metadata', key: 'a b', operator: '=', value: 'x' },
    ]);
    assert.deepEqual(parseTraceFilter("span.name ILIKE '%llm%'"), [
      { type: 'string', entity: 'span', key: 'name', operator: 'ILIKE', value: '%llm%' },
    ]);
  });

  it("refuses what MLflow refuses, with MLflow's messages", () => {
    assert.equal(
      invalidMessage(() => parseTraceFilter('trace.status = ')),
      "Invalid clause(s) in filter string: 'trace.status', '='",
    );
    const badKey = invalidMessage(() => parseTraceFilter("trace.foo = 'x'"));
    assert.match(badKey, /^Invalid attribute key 'foo' specified\. Valid keys are '\{/);
    assert.deepEqual(setItems(badKey), [
      'execution_time',
      'execution_time_ms',
      'name',
      'request_id',
      'run_id',
      'status',
      'timestamp',
      'timestamp_ms',
    ]);
    assert.equal(
      invalidMessage(() => parseTraceFilter("tags.topic LIKE 'ma%'")),
      "Invalid comparator 'LIKE' not one of '{'!=', '='}",
    );
    assert.equal(
      invalidMessage(() => parseTraceFilter("metadata.k > 'x'")),
      "Invalid comparator '>' not one of '{'!=', '='}'",
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("params.x = 'y'")),
      /^Invalid entity type 'params'/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter('trace.status = 3')),
      /support comparison with numeric values/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("timestamp_ms = 'x'")),
      /Expected numeric value type/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("execution_time_ms IN ('1')")),
      /Expected numeric value type/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("status > 'OK'")),
      /^Invalid comparator '>'/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter('tags.t = x')),
      /not quoted/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("span.kind = 'x'")),
      /^Invalid span key 'kind'/,
    );
    assert.match(
      invalidMessage(() => parseTraceFilter("status = 'OK' OR status = 'ERROR'")),
      /Invalid clause/,
    );
  });
});

describe('parseTraceOrderBy', () => {
  it('adds the timestamp and request-id tie-breakers unless given', () => {
    assert.deepEqual(parseTraceOrderBy(undefined), [
      { entity: 'attribute', key: 'timestamp_ms', ascending: false },
      { entity: 'attribute', key: 'request_id', ascending: true },
    ]);
    assert.deepEqual(parseTraceOrderBy(['timestamp ASC', 'request_id DESC']), [
      { entity: 'attribute', key: 'timestamp_ms', ascending: true },
      { entity: 'attribute', key: 'request_id', ascending: false },
    ]);
    assert.deepEqual(parseTraceOrderBy(['name', 'run_id DESC'])[0], {
      entity: 'tag',
      key: 'mlflow.traceName',
      ascending: true,
    });
    assert.deepEqual(parseTraceOrderBy(['run_id DESC'])[0], {
      entity: 'metadata',
      key: 'mlflow.sourceRun',
      ascending: false,
    });
  });

  it('refuses unknown keys, span keys and duplicates', () => {
    const message = invalidMessage(() => parseTraceOrderBy(['foo DESC']));
    assert.ok(setItems(message).includes('experiment_id'));
    assert.match(
      invalidMessage(() => parseTraceOrderBy(['span.name'])),
      /order_by entity `span`/,
    );
    assert.match(
      invalidMessage(() => parseTraceOrderBy(['timestamp_ms', 'timestamp'])),
      /duplicate/,
    );
    assert.match(
      invalidMessage(() => parseTraceOrderBy(['timestamp_ms sideways'])),
      /Invalid ordering key/,
    );
  });
});
