import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseExperimentFilter, parseExperimentOrderBy } from './experiment-grammar.js';
import { invalidMessage, setItems } from './test-helpers.js';

describe('parseExperimentFilter', () => {
  it('parses name, timestamps and tags', () => {
    const clauses = parseExperimentFilter(
      "name LIKE 'prod-%' AND attribute.name != 'x' AND tags.team = 'risk' AND tag.`a.b` ILIKE '%Q%' " +
        'AND creation_time > 1700000000000 AND last_update_time <= 5',
    );
    assert.deepEqual(clauses, [
      { type: 'string', entity: 'attribute', key: 'name', operator: 'LIKE', value: 'prod-%' },
      { type: 'string', entity: 'attribute', key: 'name', operator: '!=', value: 'x' },
      { type: 'string', entity: 'tag', key: 'team', operator: '=', value: 'risk' },
      { type: 'string', entity: 'tag', key: 'a.b', operator: 'ILIKE', value: '%Q%' },
      { type: 'numeric', entity: 'attribute', key: 'creation_time', operator: '>', value: 1700000000000 },
      { type: 'numeric', entity: 'attribute', key: 'last_update_time', operator: '<=', value: 5 },
    ]);
  });

  it("reports MLflow's messages", () => {
    assert.equal(
      invalidMessage(() => parseExperimentFilter("attributes.name = 'x'")),
      "Invalid entity type 'attributes'. Valid entity types are ('attribute', 'tag', 'tags')",
    );
    assert.equal(
      invalidMessage(() => parseExperimentFilter("name = 'a' OR name = 'b'")),
      'Invalid clause(s) in filter string: OR',
    );
    assert.equal(
      invalidMessage(() => parseExperimentFilter('name = golden')),
      'Parameter value is either not quoted or unidentified quote types used for string value golden. ' +
        'Use either single or double quotes.',
    );
    const message = invalidMessage(() => parseExperimentFilter("experiment_id = '1'"));
    assert.deepEqual(setItems(message), ['creation_time', 'last_update_time', 'name']);
    assert.match(
      invalidMessage(() => parseExperimentFilter("creation_time > '1'")),
      /numeric attribute: creation_time/,
    );
    assert.equal(
      invalidMessage(() => parseExperimentFilter("name > 'a'")),
      'Invalid comparator for string attribute: >',
    );
    assert.equal(
      invalidMessage(() => parseExperimentFilter("tags.t IN 'a'")),
      'Invalid comparator for tag: IN',
    );
    assert.match(
      invalidMessage(() => parseExperimentFilter('creation_time LIKE 1')),
      /^Invalid comparator 'LIKE'/,
    );
    assert.match(
      invalidMessage(() => parseExperimentFilter('tags.t = 1')),
      /quoted string value for tag/,
    );
    assert.match(
      invalidMessage(() => parseExperimentFilter("name IN ('a')")),
      /Only the 'run_id'/,
    );
  });
});

describe('parseExperimentOrderBy', () => {
  it('defaults to creation_time DESC, experiment_id ASC', () => {
    assert.deepEqual(parseExperimentOrderBy([]), [
      { entity: 'attribute', key: 'creation_time', ascending: false },
      { entity: 'attribute', key: 'experiment_id', ascending: true },
    ]);
  });

  it('appends experiment_id DESC unless present', () => {
    assert.deepEqual(parseExperimentOrderBy(['name']), [
      { entity: 'attribute', key: 'name', ascending: true },
      { entity: 'attribute', key: 'experiment_id', ascending: false },
    ]);
    assert.deepEqual(parseExperimentOrderBy(['name DESC', 'experiment_id ASC']), [
      { entity: 'attribute', key: 'name', ascending: false },
      { entity: 'attribute', key: 'experiment_id', ascending: true },
    ]);
  });

  it("refuses unknown keys and tags with MLflow's messages", () => {
    const message = invalidMessage(() => parseExperimentOrderBy(['foo ASC']));
    assert.match(message, /^Invalid attribute key 'foo' specified/);
    assert.deepEqual(setItems(message), ['creation_time', 'experiment_id', 'last_update_time', 'name']);
    assert.equal(
      invalidMessage(() => parseExperimentOrderBy(['tags.a'])),
      'Invalid order_by entity: tag',
    );
  });
});
