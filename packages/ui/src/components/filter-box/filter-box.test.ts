// The filter box: completion of keys, operators and values at each position of MLflow's filter
// grammar, applying a completion, and the rendered box with an inline error (rendered as text).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { FilterBox } from './filter-box.js';
import { applySuggestion, operatorsFor, quoteKey, suggest, tokenize } from './filter-suggestions.js';

const KEYS = { metrics: ['loss', 'val loss'], params: ['lr', 'optimizer'], tags: ['team'] };
const labels = (text: string, cursor = text.length) => suggest(text, cursor, KEYS).items.map((s) => s.insert);

describe('filter completion', () => {
  it('offers keys at the start of a clause, matching what is typed', () => {
    assert.deepEqual(labels('metrics.l'), ['metrics.loss']);
    assert.ok(labels('').includes('params.lr'));
    assert.ok(labels('').includes('attributes.status'));
    assert.ok(labels('').includes('tags.team'));
    // A key with a space needs backticks.
    assert.deepEqual(labels('metrics.val'), ['metrics.`val loss`']);
    // Matches anywhere in the key come after prefix matches.
    assert.deepEqual(labels('optim'), ['params.optimizer']);
  });

  it('offers the operators that fit the key', () => {
    assert.deepEqual(labels('metrics.loss '), ['=', '!=', '>', '>=', '<', '<=']);
    assert.deepEqual(labels('params.lr '), ['=', '!=', 'LIKE', 'ILIKE']);
    assert.deepEqual(labels('attributes.run_id '), ['=', '!=', 'IN', 'NOT IN']);
    assert.deepEqual(labels('attributes.start_time <'), ['<', '<=']);
    assert.deepEqual(labels('params.lr IL'), ['ILIKE']);
    assert.deepEqual(operatorsFor('nonsense.key'), []);
  });

  it('offers values where they are known, and AND after a full clause', () => {
    assert.deepEqual(labels('attributes.status = '), [
      "'RUNNING'",
      "'FINISHED'",
      "'FAILED'",
      "'KILLED'",
      "'SCHEDULED'",
    ]);
    assert.deepEqual(labels('params.lr = '), ["''"]);
    assert.deepEqual(labels('metrics.loss < '), []);
    assert.deepEqual(labels("params.lr = '0.1' "), ['AND']);
    assert.deepEqual(labels("params.lr = '0.1' an"), ['AND']);
    assert.ok(labels("params.lr = '0.1' AND ").includes('metrics.loss'));
    assert.ok(labels("params.lr = '0.1' and metrics.").includes('metrics.loss'));
    // Inside an unfinished quoted value nothing is offered.
    assert.deepEqual(labels("params.lr = '0."), []);
    // NOT IN is two words, then a value.
    assert.deepEqual(labels("attributes.run_id NOT IN ('a') "), ['AND']);
  });

  it('tokenizes quoted strings, operators without spaces and backticked keys', () => {
    assert.deepEqual(
      tokenize("metrics.`a b`<=0.5 and tags.x='y z'").map((t) => t.text),
      ['metrics.`a b`', '<=', '0.5', 'and', 'tags.x', '=', "'y z'"],
    );
  });

  it('applies a completion in place of the word being typed, cursor after it', () => {
    const text = "metrics.l and params.lr = '1'";
    const { from, items } = suggest(text, 9, KEYS);
    const applied = applySuggestion(text, 9, from, items[0] as { label: string; insert: string });
    assert.equal(applied.text, "metrics.loss  and params.lr = '1'");
    assert.equal(applied.cursor, 'metrics.loss '.length);
    const quoted = applySuggestion('params.lr = ', 12, 12, { label: "'…'", insert: "''" });
    assert.deepEqual(quoted, { text: "params.lr = ''", cursor: 13 });
    assert.equal(quoteKey('metrics', 'a.b'), 'metrics.`a.b`');
  });
});

describe('<FilterBox>', () => {
  it('renders the applied filter, and the server error inline as text, marked invalid', () => {
    const html = renderToString(
      createElement(FilterBox, {
        value: "params.lr = '<b>'",
        keys: KEYS,
        error: "Invalid clause(s) in filter string: '<script>'",
        onApply: () => undefined,
      }),
    );
    assert.match(html, /role="combobox"/);
    assert.match(html, /aria-invalid="true"/);
    assert.match(html, /value="params.lr = &#x27;&lt;b&gt;&#x27;"/);
    assert.match(html, /role="alert"[^>]*>Invalid clause\(s\) in filter string: &#x27;&lt;script&gt;&#x27;</);
    assert.doesNotMatch(html, /<script>/);
    assert.match(html, />Clear</, 'a filter can be cleared');
  });

  it('renders no error and no clear button for an empty filter', () => {
    const html = renderToString(createElement(FilterBox, { value: '', keys: KEYS, onApply: () => undefined }));
    assert.doesNotMatch(html, /role="alert"/);
    assert.match(html, /aria-invalid="false"/);
    assert.doesNotMatch(html, />Clear</);
  });
});
