// The runs table: column model (server order_by, sort cycling, cell text), nested runs folded
// under their parents, and the rendered grid (virtualized: only a window of 100k rows is in the
// markup; user values are text; sort state is announced).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Run } from '@keel/client';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import {
  cellText,
  columnOf,
  foldNestedRuns,
  formatMetric,
  nextSort,
  orderByFor,
  parseSort,
  type RunColumn,
  toRunRow,
} from './run-columns.js';
import { RunsTable } from './runs-table.js';

function run(id: string, name: string, extra: { parent?: string; loss?: number; lr?: string } = {}): Run {
  return {
    info: {
      run_id: id,
      run_uuid: id,
      run_name: name,
      experiment_id: '1',
      user_id: 'ada',
      status: 'FINISHED',
      start_time: 1_700_000_000_000,
      end_time: 1_700_000_090_000,
      artifact_uri: 'x',
      lifecycle_stage: 'active',
    },
    data: {
      metrics: extra.loss === undefined ? [] : [{ key: 'loss', value: extra.loss, timestamp: 1, step: 0 }],
      params: extra.lr === undefined ? [] : [{ key: 'lr', value: extra.lr }],
      tags: [
        { key: 'mlflow.runName', value: name },
        ...(extra.parent ? [{ key: 'mlflow.parentRunId', value: extra.parent }] : []),
      ],
    },
  } as unknown as Run;
}

describe('runs table columns', () => {
  it('maps columns to the server order_by, quoting keys', () => {
    assert.deepEqual(orderByFor(undefined), ['attributes.start_time DESC']);
    assert.deepEqual(orderByFor({ columnId: 'metric:val loss', descending: true }), ['metrics.`val loss` DESC']);
    assert.deepEqual(orderByFor({ columnId: 'param:lr', descending: false }), ['params.`lr` ASC']);
    assert.deepEqual(orderByFor({ columnId: 'attr:run_name', descending: false }), ['attributes.run_name ASC']);
    assert.equal(columnOf('attr:duration')?.orderBy, undefined, 'duration is not sortable on the server');
    assert.equal(columnOf('bogus:x'), undefined);
    assert.deepEqual(parseSort('metric:a:b:desc'), { columnId: 'metric:a:b', descending: true });
    assert.equal(parseSort('nonsense'), undefined);
  });

  it('cycles a header: numbers descending first, then ascending, then off', () => {
    const loss = columnOf('metric:loss') as RunColumn;
    const first = nextSort(undefined, loss);
    assert.deepEqual(first, { columnId: 'metric:loss', descending: true });
    const second = nextSort(first, loss);
    assert.deepEqual(second, { columnId: 'metric:loss', descending: false });
    assert.equal(nextSort(second, loss), undefined);
    const name = columnOf('attr:run_name') as RunColumn;
    assert.deepEqual(nextSort(second, name), { columnId: 'attr:run_name', descending: false });
  });

  it('formats cells as text', () => {
    const row = toRunRow(run('a', 'alpha', { loss: 0.123456789, lr: '0.1' }));
    assert.equal(cellText(row, columnOf('metric:loss') as RunColumn), '0.123457');
    assert.equal(cellText(row, columnOf('param:lr') as RunColumn), '0.1');
    assert.equal(cellText(row, columnOf('attr:duration') as RunColumn), '1.5min');
    assert.equal(cellText(row, columnOf('metric:absent') as RunColumn), '');
    assert.equal(formatMetric(Number.NaN), 'NaN');
    assert.equal(formatMetric(Number.NEGATIVE_INFINITY), '-Infinity');
    assert.equal(formatMetric(1.5e-7), '1.5000e-7');
  });

  it('folds nested runs under loaded parents, in the server order', () => {
    const rows = [
      toRunRow(run('c1', 'child-1', { parent: 'p' })),
      toRunRow(run('x', 'other')),
      toRunRow(run('p', 'parent')),
      toRunRow(run('o', 'orphan', { parent: 'gone' })),
      toRunRow(run('c2', 'child-2', { parent: 'p' })),
    ];
    const folded = foldNestedRuns(rows, new Set());
    assert.deepEqual(
      folded.map((r) => r.name),
      ['other', 'parent', 'orphan'],
    );
    assert.equal(folded[1]?.childCount, 2);
    const open = foldNestedRuns(rows, new Set(['p']));
    assert.deepEqual(
      open.map((r) => `${r.name}@${r.depth}`),
      ['other@0', 'parent@0', 'child-1@1', 'child-2@1', 'orphan@0'],
    );
  });

  it('keeps the row objects of plain runs when folding again (a new page does not re-render loaded rows)', () => {
    const rows = [toRunRow(run('a', 'a')), toRunRow(run('p', 'parent')), toRunRow(run('c', 'child', { parent: 'p' }))];
    const folded = foldNestedRuns(rows, new Set());
    assert.equal(folded[0], rows[0], 'a run without children is passed through');
    assert.notEqual(folded[1], rows[1], 'a parent gets its child count on a copy');
    assert.equal(rows[1]?.childCount, 0, 'the loaded row itself is not changed');
    const more = foldNestedRuns([...rows, toRunRow(run('d', 'd'))], new Set());
    assert.equal(more[0], folded[0]);
  });
});

describe('<RunsTable>', () => {
  const columns = ['attr:run_name', 'attr:status', 'metric:loss', 'param:lr'].map((id) => columnOf(id) as RunColumn);
  const render = (count: number) => {
    const rows = Array.from({ length: count }, (_, i) =>
      toRunRow(run(`r${i}`, i === 0 ? '<img src=x onerror=alert(1)>' : `run-${i}`, { loss: i, lr: '0.1' })),
    );
    return renderToString(
      createElement(RunsTable, {
        rows,
        columns,
        sort: { columnId: 'metric:loss', descending: true },
        onSort: () => undefined,
        selected: new Set(['r1']),
        onSelect: () => undefined,
        onSelectAll: () => undefined,
        expanded: new Set<string>(),
        onToggleExpand: () => undefined,
        runHref: (row) => `#/experiments/1/runs/${row.id}`,
        hasMore: true,
        loadingMore: false,
        onLoadMore: () => undefined,
        initialHeight: 640,
      }),
    );
  };

  it('renders only the rows in view out of 100,000', () => {
    const html = render(100_000);
    const rendered = html.match(/role="row"/g)?.length ?? 0;
    assert.ok(rendered > 10 && rendered < 60, `rendered ${rendered} rows`);
    assert.match(html, /aria-rowcount="100001"/);
    // The body is as tall as every row, so the scroll bar is right.
    assert.match(html, /height:3200000px/);
  });

  it('shows values as text, marks the sorted column and the selected rows', () => {
    const html = render(5);
    assert.doesNotMatch(html, /<img/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html, /aria-sort="descending"[^>]*><button[^>]*aria-label="Sort by loss"/);
    assert.match(html, /aria-selected="true" data-run-id="r1"/);
    assert.match(html, /href="#\/experiments\/1\/runs\/r2"/);
    assert.match(html, /data-column="param:lr">0.1</);
  });
});
