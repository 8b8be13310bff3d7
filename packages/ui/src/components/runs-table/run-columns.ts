/**
 * The runs table's columns: fixed run attributes plus any param, metric or tag, each with how
 * its value is read from a run and which `order_by` the server sorts it by. Column ids are
 * stable strings (`metric:loss`, `param:lr`, `attr:start_time`) kept in the URL and in the
 * per-experiment column choice.
 */
import type { Run } from '@keel/client';

export type ColumnKind = 'attr' | 'metric' | 'param' | 'tag';

export interface RunColumn {
  readonly id: string;
  readonly kind: ColumnKind;
  /** The param, metric or tag key, or the attribute name. */
  readonly key: string;
  readonly label: string;
  readonly width: number;
  /** MLflow `order_by` expression; absent when the server cannot sort by this column. */
  readonly orderBy?: string;
  readonly numeric: boolean;
}

/** A run prepared for display: values looked up once, not on every render of a cell. */
export interface RunRow {
  readonly run: Run;
  readonly id: string;
  readonly name: string;
  readonly parentId?: string;
  readonly metrics: ReadonlyMap<string, number>;
  readonly params: ReadonlyMap<string, string>;
  readonly tags: ReadonlyMap<string, string>;
  /** Nesting depth in the folded view (0 for top-level runs). */
  readonly depth: number;
  /** Loaded children of this run. */
  readonly childCount: number;
}

/** A key as the search grammar's backtick form (`metrics.\`my key\``). */
export function backtick(key: string): string {
  return `\`${key.replace(/`/g, '``')}\``;
}

const ATTRIBUTES: readonly RunColumn[] = [
  {
    id: 'attr:run_name',
    kind: 'attr',
    key: 'run_name',
    label: 'Run name',
    width: 220,
    orderBy: 'attributes.run_name',
    numeric: false,
  },
  {
    id: 'attr:status',
    kind: 'attr',
    key: 'status',
    label: 'Status',
    width: 96,
    orderBy: 'attributes.status',
    numeric: false,
  },
  {
    id: 'attr:start_time',
    kind: 'attr',
    key: 'start_time',
    label: 'Created',
    width: 150,
    orderBy: 'attributes.start_time',
    numeric: true,
  },
  { id: 'attr:duration', kind: 'attr', key: 'duration', label: 'Duration', width: 84, numeric: true },
  {
    id: 'attr:user',
    kind: 'attr',
    key: 'user',
    label: 'User',
    width: 110,
    orderBy: 'attributes.user_id',
    numeric: false,
  },
  {
    id: 'attr:source',
    kind: 'attr',
    key: 'source',
    label: 'Source',
    width: 170,
    orderBy: `tags.${backtick('mlflow.source.name')}`,
    numeric: false,
  },
  { id: 'attr:models', kind: 'attr', key: 'models', label: 'Models', width: 80, numeric: false },
  { id: 'attr:datasets', kind: 'attr', key: 'datasets', label: 'Datasets', width: 140, numeric: false },
];

/** The attribute columns, in display order. */
export function attributeColumns(): readonly RunColumn[] {
  return ATTRIBUTES;
}

/** The columns shown when nothing was chosen for an experiment. */
export const DEFAULT_COLUMN_IDS: readonly string[] = [
  'attr:run_name',
  'attr:status',
  'attr:start_time',
  'attr:duration',
  'attr:user',
  'attr:source',
  'attr:models',
  'attr:datasets',
];

/** The column of an id (attributes, `metric:<key>`, `param:<key>`, `tag:<key>`), or undefined. */
export function columnOf(id: string): RunColumn | undefined {
  const attribute = ATTRIBUTES.find((c) => c.id === id);
  if (attribute) return attribute;
  const colon = id.indexOf(':');
  const kind = id.slice(0, colon);
  const key = id.slice(colon + 1);
  if (colon < 0 || key === '') return undefined;
  switch (kind) {
    case 'metric':
      return { id, kind, key, label: key, width: 110, orderBy: `metrics.${backtick(key)}`, numeric: true };
    case 'param':
      return { id, kind, key, label: key, width: 110, orderBy: `params.${backtick(key)}`, numeric: false };
    case 'tag':
      return { id, kind, key, label: key, width: 130, orderBy: `tags.${backtick(key)}`, numeric: false };
    default:
      return undefined;
  }
}

/** Sort state as kept in the URL: `metric:loss:desc`. */
export interface SortState {
  readonly columnId: string;
  readonly descending: boolean;
}

export function parseSort(text: string | null): SortState | undefined {
  if (!text) return undefined;
  const match = /^(.*):(asc|desc)$/.exec(text);
  if (match === null) return undefined;
  return { columnId: match[1] as string, descending: match[2] === 'desc' };
}

export function formatSort(sort: SortState | undefined): string | undefined {
  return sort === undefined ? undefined : `${sort.columnId}:${sort.descending ? 'desc' : 'asc'}`;
}

/** The `order_by` list for the server (newest first when nothing is chosen, as MLflow shows). */
export function orderByFor(sort: SortState | undefined): string[] {
  const column = sort === undefined ? undefined : columnOf(sort.columnId);
  if (sort === undefined || column?.orderBy === undefined) return ['attributes.start_time DESC'];
  return [`${column.orderBy} ${sort.descending ? 'DESC' : 'ASC'}`];
}

/** The next sort after a click on a column header: descending first for numbers, then flip, then off. */
export function nextSort(current: SortState | undefined, column: RunColumn): SortState | undefined {
  if (current?.columnId !== column.id) return { columnId: column.id, descending: column.numeric };
  if (current.descending === column.numeric) return { columnId: column.id, descending: !current.descending };
  return undefined;
}

const numberFormat = new Intl.NumberFormat('en-US', { maximumSignificantDigits: 6 });

/** A metric value for a cell: 6 significant digits, NaN and infinities spelled out. */
export function formatMetric(value: number | undefined): string {
  if (value === undefined) return '';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(value);
  if (abs !== 0 && (abs < 1e-4 || abs >= 1e9)) return value.toExponential(4);
  return numberFormat.format(value);
}

/** A duration in ms, as "1.2s", "3.4min", "2.1h", or '' when unknown. */
export function formatDuration(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms < 0) return '';
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  if (ms < 3_600_000) return `${(ms / 60_000).toFixed(1)}min`;
  return `${(ms / 3_600_000).toFixed(1)}h`;
}

/** A timestamp as local "YYYY-MM-DD HH:MM:SS". */
export function formatTime(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms) || ms <= 0) return '';
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** The text of a cell (everything is shown as text, never as markup). */
export function cellText(row: RunRow, column: RunColumn): string {
  switch (column.kind) {
    case 'metric':
      return formatMetric(row.metrics.get(column.key));
    case 'param':
      return row.params.get(column.key) ?? '';
    case 'tag':
      return row.tags.get(column.key) ?? '';
    case 'attr':
      return attributeText(row, column.key);
  }
}

function attributeText(row: RunRow, key: string): string {
  const info = row.run.info;
  switch (key) {
    case 'run_name':
      return row.name;
    case 'status':
      return info.status;
    case 'start_time':
      return formatTime(info.start_time);
    case 'duration':
      return info.end_time ? formatDuration(info.end_time - (info.start_time ?? info.end_time)) : '';
    case 'user':
      return row.tags.get('mlflow.user') ?? info.user_id ?? '';
    case 'source': {
      const source = row.tags.get('mlflow.source.name') ?? '';
      return source.split(/[\\/]/).at(-1) ?? source;
    }
    case 'models':
      return String(modelCount(row) || '');
    case 'datasets':
      return (row.run.inputs?.dataset_inputs ?? []).map((d) => d.dataset.name).join(', ');
    default:
      return '';
  }
}

/** Logged models of a run: MLflow 3 outputs, or the legacy `mlflow.log-model.history` tag. */
export function modelCount(row: RunRow): number {
  const outputs = row.run.outputs?.model_outputs?.length ?? 0;
  if (outputs > 0) return outputs;
  const history = row.tags.get('mlflow.log-model.history');
  if (history === undefined) return 0;
  try {
    const parsed: unknown = JSON.parse(history);
    return Array.isArray(parsed) ? parsed.length : 0;
  } catch {
    return 0;
  }
}

/** Builds a display row from a run (values in maps, for cheap cell lookups). */
export function toRunRow(run: Run): RunRow {
  const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const metrics = new Map((run.data.metrics ?? []).map((m) => [m.key, toNumber(m.value)]));
  const params = new Map((run.data.params ?? []).map((p) => [p.key, p.value]));
  const parentId = tags.get('mlflow.parentRunId');
  return {
    run,
    id: run.info.run_id,
    name: run.info.run_name ?? tags.get('mlflow.runName') ?? run.info.run_id,
    ...(parentId ? { parentId } : {}),
    metrics,
    params,
    tags,
    depth: 0,
    childCount: 0,
  };
}

function toNumber(value: number | string): number {
  if (typeof value === 'number') return value;
  if (value === 'NaN') return Number.NaN;
  return value === 'Infinity'
    ? Number.POSITIVE_INFINITY
    : value === '-Infinity'
      ? Number.NEGATIVE_INFINITY
      : Number(value);
}

/**
 * Folds nested runs under their parents, in the server's order: a child whose parent is loaded
 * is listed right after it (when the parent is expanded) instead of at its own place; a child
 * whose parent is not loaded stays at the top level.
 */
export function foldNestedRuns(rows: readonly RunRow[], expanded: ReadonlySet<string>): RunRow[] {
  const byId = new Map(rows.map((r) => [r.id, r]));
  const children = new Map<string, RunRow[]>();
  for (const row of rows) {
    if (row.parentId !== undefined && row.parentId !== row.id && byId.has(row.parentId)) {
      const list = children.get(row.parentId) ?? [];
      list.push(row);
      children.set(row.parentId, list);
    }
  }
  const out: RunRow[] = [];
  const visit = (row: RunRow, depth: number, seen: Set<string>) => {
    const kids = children.get(row.id) ?? [];
    // The same object when nothing changed, so rows already rendered are not rendered again
    // when another page arrives.
    out.push(row.depth === depth && row.childCount === kids.length ? row : { ...row, depth, childCount: kids.length });
    if (!expanded.has(row.id) || seen.has(row.id)) return;
    seen.add(row.id);
    for (const kid of kids) visit(kid, depth + 1, seen);
  };
  for (const row of rows) {
    const nested = row.parentId !== undefined && row.parentId !== row.id && byId.has(row.parentId);
    if (!nested) visit(row, 0, new Set());
  }
  return out;
}

/** The keys present in runs, sorted, for the column picker and the filter box. */
export function keysOf(rows: readonly RunRow[]): { metrics: string[]; params: string[]; tags: string[] } {
  const metrics = new Set<string>();
  const params = new Set<string>();
  const tags = new Set<string>();
  for (const row of rows) {
    for (const k of row.metrics.keys()) metrics.add(k);
    for (const k of row.params.keys()) params.add(k);
    for (const k of row.tags.keys()) if (!k.startsWith('mlflow.')) tags.add(k);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metrics: sorted(metrics), params: sorted(params), tags: sorted(tags) };
}
