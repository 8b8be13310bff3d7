import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseDatasetFilter, parseDatasetOrderBy } from './dataset-grammar.js';

describe('evaluation dataset filters', () => {
  it('parses attributes, times and tags', () => {
    assert.deepEqual(
      parseDatasetFilter(
        "name LIKE 'qa-%' AND created_time > 5 AND tags.stage = 'prod' AND attributes.created_by = 'ada'",
      ),
      [
        { type: 'string', entity: 'attribute', key: 'name', operator: 'LIKE', value: 'qa-%' },
        { type: 'numeric', entity: 'attribute', key: 'created_time', operator: '>', value: 5 },
        { type: 'string', entity: 'tag', key: 'stage', operator: '=', value: 'prod' },
        { type: 'string', entity: 'attribute', key: 'created_by', operator: '=', value: 'ada' },
      ],
    );
    assert.deepEqual(parseDatasetFilter(''), []);
  });

  it("refuses unknown keys with MLflow's message, and mistyped values and comparators", () => {
    assert.throws(
      () => parseDatasetFilter("foo = 'x'"),
      /^MlflowError: Invalid attribute key 'foo' specified\. Valid keys are: \{'created_by', 'created_time', 'last_update_time', 'last_updated_by', 'name'\}$/,
    );
    assert.throws(() => parseDatasetFilter('created_time > abc'), /Expected numeric value type/);
    assert.throws(() => parseDatasetFilter('created_time LIKE 1'), /Invalid comparator/);
    assert.throws(() => parseDatasetFilter('name > 3'), /quoted string/);
    assert.throws(() => parseDatasetFilter("name > 'a'"), /Invalid comparator for string attribute/);
    assert.throws(() => parseDatasetFilter("metric.x = 'a'"), /Invalid entity type 'metric'/);
  });
});

describe('evaluation dataset ordering', () => {
  it('defaults to newest first, and always breaks ties by id', () => {
    assert.deepEqual(parseDatasetOrderBy(undefined), [
      { entity: 'attribute', key: 'created_time', ascending: false },
      { entity: 'attribute', key: 'dataset_id', ascending: true },
    ]);
    assert.deepEqual(parseDatasetOrderBy(['name DESC', 'last_update_time']), [
      { entity: 'attribute', key: 'name', ascending: false },
      { entity: 'attribute', key: 'last_update_time', ascending: true },
      { entity: 'attribute', key: 'dataset_id', ascending: true },
    ]);
    assert.throws(() => parseDatasetOrderBy(['tags.x']), /Invalid order_by entity/);
    assert.throws(() => parseDatasetOrderBy(['size']), /Invalid order_by key 'size'/);
  });
});
