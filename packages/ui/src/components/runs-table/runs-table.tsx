/** @jsxRuntime automatic */
// biome-ignore-all lint/a11y/useSemanticElements: a virtualized grid positions its rows absolutely, which table rows cannot be; the ARIA grid roles carry the semantics.
// biome-ignore-all lint/a11y/useFocusableInteractive: cells are not focus stops; the links, buttons and checkboxes inside them are.
/**
 * The runs table: a virtualized grid (only the rows in view are in the DOM) over the pages loaded
 * so far, asking for the next page as the end comes near. Sorting is the server's: a header
 * click reports the new sort and the page reloads in that order. Every value is rendered as text.
 */
import { createColumnHelper, tableFeatures, useTable } from '@tanstack/react-table';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type MouseEvent, memo, type ReactNode, useCallback, useEffect, useMemo, useRef } from 'react';
import { assignSlots } from './row-slots.js';
import { cellText, type RunColumn, type RunRow, type SortState } from './run-columns.js';

export const ROW_HEIGHT = 32;
const SELECT_WIDTH = 36;

export interface RunsTableProps {
  readonly rows: readonly RunRow[];
  readonly columns: readonly RunColumn[];
  readonly sort?: SortState;
  readonly onSort: (column: RunColumn) => void;
  readonly selected: ReadonlySet<string>;
  readonly onSelect: (runId: string, event: { shiftKey: boolean }) => void;
  readonly onSelectAll: (select: boolean) => void;
  readonly expanded: ReadonlySet<string>;
  readonly onToggleExpand: (runId: string) => void;
  /** Where a run's name links to. */
  readonly runHref: (row: RunRow) => string;
  /** More rows exist on the server. */
  readonly hasMore: boolean;
  readonly loadingMore: boolean;
  readonly onLoadMore: () => void;
  /** Rows rendered before the container is measured (server rendering, tests). */
  readonly initialHeight?: number;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, RunRow>();
// Module-level, so the table's row model is not rebuilt on every render (a new function would
// invalidate it on each scroll frame).
const rowId = (row: RunRow) => row.id;

function statusClass(status: string): string {
  return `status status-${status.toLowerCase()}`;
}

function NameCell({
  row,
  href,
  expanded,
  onToggle,
}: {
  row: RunRow;
  href: string;
  expanded: boolean;
  onToggle: () => void;
}) {
  return (
    <span className="name-cell" style={{ paddingLeft: row.depth * 16 }}>
      {row.childCount > 0 ? (
        <button
          type="button"
          className="expander"
          aria-label={expanded ? 'Fold child runs' : `Show ${row.childCount} child runs`}
          aria-expanded={expanded}
          onClick={onToggle}
        >
          {expanded ? '▾' : '▸'}
        </button>
      ) : (
        <span className="expander-space" />
      )}
      <a href={href} title={row.name}>
        {row.name}
      </a>
      {row.childCount > 0 && <span className="badge">{row.childCount}</span>}
    </span>
  );
}

type TableRow = ReturnType<ReturnType<typeof useTable<typeof features, RunRow>>['getRowModel']>['rows'][number];

interface RowViewProps {
  readonly row: TableRow;
  /** The table's column definitions: compared (not read) so that a column change re-renders. */
  readonly columns: unknown;
  readonly index: number;
  readonly start: number;
  readonly template: string;
  readonly width: number;
  readonly selected: boolean;
  /** Only read by the name cell; passed so that a fold or unfold re-renders the row. */
  readonly expanded: boolean;
  readonly onSelect: (runId: string, shiftKey: boolean) => void;
  readonly FlexRender: ReturnType<typeof useTable<typeof features, RunRow>>['FlexRender'];
}

/**
 * Whether a row renders the same: the table's row objects are rebuilt whenever a page arrives,
 * so a row is compared by the run it shows.
 */
function sameRow(a: RowViewProps, b: RowViewProps): boolean {
  return (
    a.row.original === b.row.original &&
    a.columns === b.columns &&
    a.index === b.index &&
    a.start === b.start &&
    a.template === b.template &&
    a.width === b.width &&
    a.selected === b.selected &&
    a.expanded === b.expanded &&
    a.onSelect === b.onSelect &&
    a.FlexRender === b.FlexRender
  );
}

/**
 * One row, memoized: while scrolling, rows that stay in view keep their props (only the new
 * ones render), which keeps a frame's work small.
 */
const RowView = memo(function RowView({
  row,
  index,
  start,
  template,
  width,
  selected,
  onSelect,
  FlexRender,
}: RowViewProps) {
  const run = row.original;
  return (
    <div
      role="row"
      aria-rowindex={index + 2}
      aria-selected={selected}
      data-run-id={run.id}
      className={selected ? 'tr selected' : 'tr'}
      style={{ gridTemplateColumns: template, transform: `translateY(${start}px)`, width }}
    >
      <div role="gridcell" className="td select-cell">
        <input
          type="checkbox"
          aria-label={`Select run ${run.name}`}
          checked={selected}
          onChange={() => undefined}
          onClick={(e: MouseEvent<HTMLInputElement>) => onSelect(run.id, e.shiftKey)}
        />
      </div>
      {row.getAllCells().map((cell) => (
        // Keyed by column, not by cell id (which holds the run id): a recycled row keeps its cells.
        <div key={cell.column.id} role="gridcell" className="td" data-column={cell.column.id}>
          <FlexRender cell={cell} />
        </div>
      ))}
    </div>
  );
}, sameRow);

/** The slot of each rendered row (see `assignSlots`), kept from one render to the next. */
function useRowSlots(indices: readonly number[]): ReadonlyMap<number, number> {
  const slots = useRef<ReadonlyMap<number, number>>(new Map());
  slots.current = assignSlots(slots.current, indices);
  return slots.current;
}

export function RunsTable(props: RunsTableProps) {
  const { rows, columns, sort, selected } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const callbacks = useRef(props);
  callbacks.current = props;

  const tableColumns = useMemo(
    () =>
      helper.columns(
        columns.map((column) =>
          helper.accessor((row: RunRow) => cellText(row, column), {
            id: column.id,
            header: column.label,
            cell: (info) => {
              const row = info.row.original;
              const p = callbacks.current;
              if (column.id === 'attr:run_name') {
                return (
                  <NameCell
                    row={row}
                    href={p.runHref(row)}
                    expanded={p.expanded.has(row.id)}
                    onToggle={() => p.onToggleExpand(row.id)}
                  />
                );
              }
              const text = info.getValue() as string;
              if (column.id === 'attr:status') return <span className={statusClass(text)}>{text}</span>;
              return text;
            },
          }),
        ),
      ),
    [columns],
  );
  const data = rows as RunRow[];
  const table = useTable({ features, columns: tableColumns, data, getRowId: rowId });
  const tableRows = table.getRowModel().rows;

  const onSelect = useCallback(
    (runId: string, shiftKey: boolean) => callbacks.current.onSelect(runId, { shiftKey }),
    [],
  );
  const virtualizer = useVirtualizer({
    // Scroll updates render in React's normal batches, not synchronously inside the scroll event.
    useFlushSync: false,
    count: tableRows.length,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 12,
    initialRect: { width: 1200, height: props.initialHeight ?? 600 },
  });
  const items = virtualizer.getVirtualItems();
  const slots = useRowSlots(items.map((item) => item.index));
  const lastIndex = items.at(-1)?.index ?? -1;
  useEffect(() => {
    const p = callbacks.current;
    if (p.hasMore && !p.loadingMore && lastIndex >= tableRows.length - 60) p.onLoadMore();
  }, [lastIndex, tableRows.length]);

  const template = `${SELECT_WIDTH}px ${columns.map((c) => `${c.width}px`).join(' ')}`;
  const totalWidth = SELECT_WIDTH + columns.reduce((s, c) => s + c.width, 0);
  const allSelected = useMemo(() => rows.length > 0 && rows.every((r) => selected.has(r.id)), [rows, selected]);

  const headerCells: ReactNode[] =
    table.getHeaderGroups()[0]?.headers.map((header) => {
      const column = columns.find((c) => c.id === header.column.id) as RunColumn;
      const sorted = sort?.columnId === column.id ? (sort.descending ? 'descending' : 'ascending') : 'none';
      return (
        <div key={header.id} role="columnheader" aria-sort={sorted} className={`th kind-${column.kind}`}>
          {column.orderBy === undefined ? (
            <span title={column.label}>{column.label}</span>
          ) : (
            <button
              type="button"
              className="sort-button"
              title={`Sort by ${column.label}`}
              aria-label={`Sort by ${column.label}`}
              onClick={() => props.onSort(column)}
            >
              <span className="th-label">{column.label}</span>
              <span className="sort-mark" aria-hidden="true">
                {sorted === 'descending' ? '↓' : sorted === 'ascending' ? '↑' : ''}
              </span>
            </button>
          )}
        </div>
      );
    }) ?? [];

  return (
    <div className="runs-table" ref={scroller} role="grid" aria-rowcount={rows.length + 1} data-testid="runs-table">
      <div className="tr thead" role="row" style={{ gridTemplateColumns: template, width: totalWidth }}>
        <div role="columnheader" className="th select-cell">
          <input
            type="checkbox"
            aria-label="Select all loaded runs"
            checked={allSelected}
            onChange={(e) => props.onSelectAll(e.target.checked)}
          />
        </div>
        {headerCells}
      </div>
      <div className="tbody" style={{ height: virtualizer.getTotalSize(), width: totalWidth }}>
        {items.map((item) => {
          const row = tableRows[item.index];
          if (row === undefined) return null;
          return (
            <RowView
              key={slots.get(item.index)}
              row={row}
              columns={tableColumns}
              index={item.index}
              start={item.start}
              template={template}
              width={totalWidth}
              selected={selected.has(row.original.id)}
              expanded={props.expanded.has(row.original.id)}
              onSelect={onSelect}
              FlexRender={table.FlexRender}
            />
          );
        })}
      </div>
      {props.loadingMore && <div className="table-footer">Loading more runs…</div>}
      {!props.hasMore && rows.length > 0 && <div className="table-footer">{rows.length.toLocaleString()} runs</div>}
    </div>
  );
}
