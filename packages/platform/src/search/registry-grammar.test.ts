import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  includesPrompts,
  parseModelVersionFilter,
  parseModelVersionOrderBy,
  parseRegisteredModelFilter,
  parseRegisteredModelOrderBy,
} from './registry-grammar.js';
import { invalidMessage, setItems } from './test-helpers.js';

describe('parseRegisteredModelFilter', () => {
  it('parses name and tag clauses with every string operator', () => {
    const clauses = parseRegisteredModelFilter(
      "name = 'a' and attribute.name != \"b\" AND name like 'c%' AND name ILIKE 'D_' AND tags.owner = 'x' AND tag.`k-1` LIKE '%'",
    );
    assert.deepEqual(clauses, [
      { type: 'string', entity: 'attribute', key: 'name', operator: '=', value: 'a' },
      { type: 'string', entity: 'attribute', key: 'name', operator: '!=', value: 'b' },
      { type: 'string', entity: 'attribute', key: 'name', operator: 'LIKE', value: 'c%' },
      { type: 'string', entity: 'attribute', key: 'name', operator: 'ILIKE', value: 'D_' },
      { type: 'string', entity: 'tag', key: 'owner', operator: '=', value: 'x' },
      { type: 'string', entity: 'tag', key: 'k-1', operator: 'LIKE', value: '%' },
    ]);
  });

  it('accepts an empty or blank filter', () => {
    assert.deepEqual(parseRegisteredModelFilter(undefined), []);
    assert.deepEqual(parseRegisteredModelFilter('   '), []);
  });

  it("refuses other attributes with MLflow's message", () => {
    assert.equal(
      invalidMessage(() => parseRegisteredModelFilter('creation_timestamp > 0')),
      "Invalid attribute key 'creation_timestamp' specified. Valid keys are '{'name'}'",
    );
  });

  it('refuses unknown entities, OR, numbers, lists and numeric operators', () => {
    assert.equal(
      invalidMessage(() => parseRegisteredModelFilter("params.a = 'x'")),
      "Invalid entity type 'params'. Valid entity types are ('attribute', 'tag', 'tags')",
    );
    assert.equal(
      invalidMessage(() => parseRegisteredModelFilter("name = 'a' OR name = 'b'")),
      'Invalid clause(s) in filter string: OR',
    );
    assert.match(
      invalidMessage(() => parseRegisteredModelFilter('name = 5')),
      /Got value 5$/,
    );
    assert.match(
      invalidMessage(() => parseRegisteredModelFilter('tags.a = 5')),
      /quoted string value for tag/,
    );
    assert.match(
      invalidMessage(() => parseRegisteredModelFilter("name IN ('a')")),
      /Only the 'run_id' attribute/,
    );
    assert.match(
      invalidMessage(() => parseRegisteredModelFilter("name > 'a'")),
      /^Invalid comparator '>'/,
    );
    assert.match(
      invalidMessage(() => parseRegisteredModelFilter('name = golden')),
      /not quoted/,
    );
  });
});

describe('parseRegisteredModelOrderBy', () => {
  it('defaults to name ASC and appends it as tie-breaker', () => {
    assert.deepEqual(parseRegisteredModelOrderBy(undefined), [{ entity: 'attribute', key: 'name', ascending: true }]);
    assert.deepEqual(parseRegisteredModelOrderBy(['timestamp DESC']), [
      { entity: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { entity: 'attribute', key: 'name', ascending: true },
    ]);
    assert.deepEqual(parseRegisteredModelOrderBy(['name desc', 'last_updated_timestamp']), [
      { entity: 'attribute', key: 'name', ascending: false },
      { entity: 'attribute', key: 'last_updated_timestamp', ascending: true },
    ]);
  });

  it('refuses unknown keys, duplicates and bad directions', () => {
    const message = invalidMessage(() => parseRegisteredModelOrderBy(['creation_timestamp']));
    assert.match(message, /^Invalid order by key 'creation_timestamp' specified\. Valid keys are/);
    assert.deepEqual(setItems(message), ['name', 'timestamp']);
    assert.equal(
      invalidMessage(() => parseRegisteredModelOrderBy(['timestamp', 'last_updated_timestamp DESC'])),
      "`order_by` contains duplicate fields: ['timestamp', 'last_updated_timestamp DESC']",
    );
    assert.equal(
      invalidMessage(() => parseRegisteredModelOrderBy(['name UP'])),
      "Invalid ordering key in order_by clause 'name UP'.",
    );
  });
});

describe('parseModelVersionFilter', () => {
  it('parses every identifier with its operators', () => {
    const clauses = parseModelVersionFilter(
      "name = 'iris' AND version_number >= 3 AND version_number != 7 AND run_id IN ('abc', 'ABC', 'def') " +
        "AND source_path LIKE 's3://%' AND run_id ilike 'a%' AND tags.validated = 'true'",
    );
    assert.deepEqual(clauses, [
      { type: 'string', entity: 'attribute', key: 'name', operator: '=', value: 'iris' },
      { type: 'numeric', entity: 'attribute', key: 'version_number', operator: '>=', value: 3 },
      { type: 'numeric', entity: 'attribute', key: 'version_number', operator: '!=', value: 7 },
      { type: 'list', entity: 'attribute', key: 'run_id', operator: 'IN', values: ['abc', 'def'] },
      { type: 'string', entity: 'attribute', key: 'source_path', operator: 'LIKE', value: 's3://%' },
      { type: 'string', entity: 'attribute', key: 'run_id', operator: 'ILIKE', value: 'a%' },
      { type: 'string', entity: 'tag', key: 'validated', operator: '=', value: 'true' },
    ]);
  });

  it("refuses unknown attributes with MLflow's message", () => {
    const message = invalidMessage(() => parseModelVersionFilter("foo = 'x'"));
    assert.match(message, /^Invalid attribute key 'foo' specified\. Valid keys are/);
    assert.deepEqual(setItems(message), ['name', 'run_id', 'source_path', 'version_number']);
  });

  it('refuses wrong value kinds and operators', () => {
    assert.match(
      invalidMessage(() => parseModelVersionFilter("version_number = '3'")),
      /numeric value type/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter('version_number LIKE 3')),
      /^Invalid comparator 'LIKE'/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter('name = 3')),
      /Only the 'version_number'/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter("name IN ('a')")),
      /Only the 'run_id' attribute/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter("run_id NOT IN ('a')")),
      /^Invalid comparator 'NOT IN'/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter("run_id > 'a'")),
      /^Invalid comparator '>'/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter('run_id IN ()')),
      /got empty list/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter("run_id IN ('a', 1)")),
      /different type in list/,
    );
    assert.match(
      invalidMessage(() => parseModelVersionFilter('tags.t LIKE 1')),
      /quoted string value for tag/,
    );
  });
});

describe('parseModelVersionOrderBy', () => {
  it('defaults to last_updated_timestamp DESC, name ASC, version_number DESC', () => {
    assert.deepEqual(parseModelVersionOrderBy([]), [
      { entity: 'attribute', key: 'last_updated_timestamp', ascending: false },
      { entity: 'attribute', key: 'name', ascending: true },
      { entity: 'attribute', key: 'version_number', ascending: false },
    ]);
  });

  it('appends the tie-breakers that are absent', () => {
    assert.deepEqual(parseModelVersionOrderBy(['version_number ASC', 'creation_timestamp DESC']), [
      { entity: 'attribute', key: 'version_number', ascending: true },
      { entity: 'attribute', key: 'creation_timestamp', ascending: false },
      { entity: 'attribute', key: 'name', ascending: true },
    ]);
  });

  it('refuses unknown keys, tags and duplicates', () => {
    const message = invalidMessage(() => parseModelVersionOrderBy(['stage']));
    assert.deepEqual(setItems(message), ['creation_timestamp', 'last_updated_timestamp', 'name', 'version_number']);
    assert.equal(
      invalidMessage(() => parseModelVersionOrderBy(['tags.a'])),
      'Invalid order_by entity: tag',
    );
    assert.match(
      invalidMessage(() => parseModelVersionOrderBy(['name', 'name DESC'])),
      /duplicate fields/,
    );
  });
});

describe('includesPrompts', () => {
  it('is true only for an explicit prompt tag clause', () => {
    const yes = parseRegisteredModelFilter("tags.`mlflow.prompt.is_prompt` = 'true'");
    const alsoYes = parseModelVersionFilter("name = 'x' AND tags.`mlflow.prompt.is_prompt` != 'false'");
    const no = parseRegisteredModelFilter("tags.`mlflow.prompt.is_prompt` = 'false'");
    assert.equal(includesPrompts(yes), true);
    assert.equal(includesPrompts(alsoYes), true);
    assert.equal(includesPrompts(no), false);
    assert.equal(includesPrompts([]), false);
  });
});
