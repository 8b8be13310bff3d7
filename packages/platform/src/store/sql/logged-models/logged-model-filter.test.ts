import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MlflowError } from '@keel/contract';
import { parseLoggedModelFilter } from './logged-model-filter.js';

function errorOf(filter: string): MlflowError {
  try {
    parseLoggedModelFilter(filter);
  } catch (error) {
    assert.ok(error instanceof MlflowError);
    assert.equal(error.code, 'INVALID_PARAMETER_VALUE');
    return error;
  }
  assert.fail(`expected ${filter} to be refused`);
}

describe('parseLoggedModelFilter', () => {
  it('treats an absent or blank filter as no clause', () => {
    assert.deepEqual(parseLoggedModelFilter(undefined), []);
    assert.deepEqual(parseLoggedModelFilter('   '), []);
  });

  it('parses entity.key identifiers, bare attributes and aliases', () => {
    assert.deepEqual(
      parseLoggedModelFilter(
        "name = 'model' AND metrics.accuracy > 0.9 and params.alpha = '0.5' AND attributes.creation_time >= 10",
      ),
      [
        { kind: 'text', entity: 'attributes', key: 'name', op: '=', value: 'model' },
        { kind: 'number', entity: 'metrics', key: 'accuracy', op: '>', value: 0.9 },
        { kind: 'text', entity: 'params', key: 'alpha', op: '=', value: '0.5' },
        { kind: 'number', entity: 'attributes', key: 'creation_timestamp', op: '>=', value: 10 },
      ],
    );
    assert.equal(parseLoggedModelFilter('last_updated_time < 5')[0]?.key, 'last_updated_timestamp');
  });

  it('keeps dotted keys after the first dot and strips backticks or double quotes', () => {
    const [a, b, c] = parseLoggedModelFilter(
      "tags.mlflow.user = 'me' AND metrics.`val loss` <= -1e-3 AND params.\"learning-rate\" != 'x'",
    );
    assert.deepEqual(a, { kind: 'text', entity: 'tags', key: 'mlflow.user', op: '=', value: 'me' });
    assert.deepEqual(b, { kind: 'number', entity: 'metrics', key: 'val loss', op: '<=', value: -0.001 });
    assert.deepEqual(c, { kind: 'text', entity: 'params', key: 'learning-rate', op: '!=', value: 'x' });
  });

  it('parses IN and NOT IN lists, with a trailing comma and doubled quotes', () => {
    assert.deepEqual(parseLoggedModelFilter("model_id IN ('m-1', 'm-2')")[0], {
      kind: 'list',
      entity: 'attributes',
      key: 'model_id',
      op: 'IN',
      values: ['m-1', 'm-2'],
    });
    assert.deepEqual(parseLoggedModelFilter("tags.k NOT IN ('it''s',)")[0], {
      kind: 'list',
      entity: 'tags',
      key: 'k',
      op: 'NOT IN',
      values: ["it's"],
    });
  });

  it('takes an unquoted word or number as the literal text, as MLflow does', () => {
    assert.deepEqual(parseLoggedModelFilter('name = golden')[0], {
      kind: 'text',
      entity: 'attributes',
      key: 'name',
      op: '=',
      value: 'golden',
    });
    assert.equal(parseLoggedModelFilter('params.alpha = 0.5')[0]?.kind, 'text');
  });

  it('matches operator keywords case-sensitively', () => {
    assert.equal(
      errorOf("name like 'golden%'").message,
      "Invalid comparison operator for attributes.name: 'like'. Expected one of ('=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN').",
    );
    assert.match(errorOf("name not in ('a')").message, /'not in'/);
    assert.deepEqual(parseLoggedModelFilter("name ILIKE 'A%'")[0]?.op, 'ILIKE');
  });

  it('refuses string operators on numeric identifiers and numeric ones on strings', () => {
    assert.match(errorOf("metrics.acc LIKE '1'").message, /Expected one of \('<', '<=', '>', '>=', '=', '!='\)/);
    assert.match(errorOf("name > 'a'").message, /Invalid comparison operator for attributes\.name: '>'/);
    assert.match(errorOf("metrics.acc > 'high'").message, /Expected a numeric value for metrics\.acc/);
  });

  it('names unknown entities and attributes', () => {
    assert.equal(
      errorOf("foo.bar = 'x'").message,
      "Invalid entity type: 'foo'. Expected one of ['attributes', 'metrics', 'params', 'tags'].",
    );
    assert.match(errorOf('Metrics.acc > 1').message, /Invalid entity type: 'Metrics'/);
    assert.match(errorOf("colour = 'red'").message, /Invalid attribute key 'colour' specified/);
    assert.match(errorOf("attributes.colour = 'red'").message, /Invalid attribute key 'colour'/);
  });

  it('accepts only AND between clauses', () => {
    assert.match(errorOf("name = 'a' OR name = 'b'").message, /separated by 'AND'/);
    assert.match(errorOf("name = 'a' AND").message, /separated by 'AND'/);
    assert.match(errorOf("name = 'a' name = 'b'").message, /separated by 'AND'/);
  });

  it('refuses malformed values and lists', () => {
    assert.match(errorOf("name = 'open").message, /Unterminated quoted text/);
    assert.match(errorOf('name IN ()').message, /Expected a quoted string in the list/);
    assert.match(errorOf("name IN 'a'").message, /parenthesised list/);
    assert.match(errorOf('name =').message, /filter ended/);
    assert.match(errorOf('name = $').message, /Unexpected character '\$'/);
  });
});
