/** @jsxRuntime automatic */
/**
 * A line chart of one metric for one or many runs, drawn with uPlot from bucketed histories:
 * the line is each bucket's last value (smoothed if asked) and, where buckets hold several
 * points, a band from their min to their max so no peak is hidden. Dragging across the chart
 * zooms in and fetches finer buckets for the visible range; a double click zooms out.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { useData } from '../data/context.js';
import { alignSeries, type ChartXAxis, loadBuckets, pairByStep, type RunSeries } from '../data/metric-series.js';
import { errorText } from '../data/use-async.js';

export interface ChartRun {
  readonly id: string;
  readonly name: string;
  readonly color: string;
}

export interface MetricChartProps {
  readonly metricKey: string;
  readonly runs: readonly ChartRun[];
  readonly xAxis: ChartXAxis;
  readonly smoothing: number;
  readonly logScale: boolean;
  readonly height?: number;
}

/** Ten colours that stay apart for the usual colour-vision deficiencies (Tableau 10). */
export const RUN_COLORS = [
  '#4e79a7',
  '#f28e2b',
  '#e15759',
  '#76b7b2',
  '#59a14f',
  '#edc948',
  '#b07aa1',
  '#ff9da7',
  '#9c755f',
  '#bab0ac',
];

export function colorFor(index: number): string {
  return RUN_COLORS[index % RUN_COLORS.length] as string;
}

interface Loaded {
  readonly series: readonly RunSeries[];
  readonly start?: number;
  readonly end?: number;
}

function axisLabel(xAxis: ChartXAxis): string {
  if (xAxis === 'step') return 'Step';
  if (xAxis === 'timestamp') return 'Time';
  if (xAxis === 'relative_time') return 'Relative time (s)';
  return xAxis.slice('metric:'.length);
}

export function MetricChart({ metricKey, runs, xAxis, smoothing, logScale, height = 260 }: MetricChartProps) {
  const { client } = useData();
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const [range, setRange] = useState<{ start?: number; end?: number }>({});
  const [loaded, setLoaded] = useState<Loaded | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [loading, setLoading] = useState(true);
  const runIds = useMemo(() => runs.map((r) => r.id), [runs]);
  const runKey = runIds.join(',');
  // Time axes come back in ms; uPlot's time scale counts seconds.
  const xScale = xAxis === 'timestamp' || xAxis === 'relative_time' ? 1 / 1000 : 1;

  // biome-ignore lint/correctness/useExhaustiveDependencies: runKey stands for runIds.
  useEffect(() => {
    setRange({});
  }, [runKey, xAxis, metricKey]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runKey stands for runIds.
  useEffect(() => {
    const controller = new AbortController();
    const width = box.current?.clientWidth ?? 800;
    const buckets = Math.max(100, Math.min(2000, Math.round(width)));
    setLoading(true);
    const load = async (): Promise<Loaded> => {
      if (!xAxis.startsWith('metric:')) {
        return loadBuckets(client, runIds, metricKey, xAxis as 'step', range, buckets, controller.signal);
      }
      // Another metric as x: bucket both by step over the same range, then pair them.
      const ys = await loadBuckets(client, runIds, metricKey, 'step', {}, buckets, controller.signal);
      if (ys.start === undefined || ys.end === undefined) return { series: [] };
      const shared = { start: ys.start, end: ys.end };
      const xs = await loadBuckets(client, runIds, xAxis.slice(7), 'step', shared, buckets, controller.signal);
      return { series: pairByStep(ys, xs, shared.start, shared.end, buckets) };
    };
    load().then(
      (value) => {
        if (controller.signal.aborted) return;
        setLoaded(value);
        setError(undefined);
        setLoading(false);
      },
      (e: unknown) => {
        if (controller.signal.aborted) return;
        setError(errorText(e));
        setLoading(false);
      },
    );
    return () => controller.abort();
  }, [client, runKey, metricKey, xAxis, range.start, range.end]);

  // (Re)creates the plot when the data or the look changes; uPlot draws synchronously.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs' colours and names are read as they are now.
  useEffect(() => {
    const element = box.current;
    if (element === null || loaded === undefined) return;
    const data = alignSeries(loaded.series, { smoothing, logScale, xScale });
    const colorOf = new Map(runs.map((r) => [r.id, r.color]));
    const nameOf = new Map(runs.map((r) => [r.id, r.name]));
    const series: uPlot.Series[] = [{ label: axisLabel(xAxis) }];
    const bands: uPlot.Band[] = [];
    loaded.series.forEach((s, i) => {
      const color = colorOf.get(s.runId) ?? colorFor(i);
      const name = nameOf.get(s.runId) ?? s.runId;
      series.push({ label: name, stroke: color, width: 1.5, spanGaps: true, points: { show: s.pointCount < 50 } });
      series.push({ label: `${name} min`, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
      series.push({ label: `${name} max`, stroke: 'transparent', width: 0, spanGaps: true, points: { show: false } });
      if (s.aggregated) bands.push({ series: [3 * i + 3, 3 * i + 2], fill: `${color}33` });
    });
    const isTime = xAxis === 'timestamp';
    const options: uPlot.Options = {
      width: element.clientWidth || 600,
      height,
      series,
      bands,
      legend: { show: false },
      cursor: { drag: { x: true, y: false, setScale: true } },
      scales: {
        x: { time: isTime },
        y: logScale ? { distr: 3 } : {},
      },
      axes: [{ label: axisLabel(xAxis) }, {}],
      hooks: {
        setSelect: [],
        draw: [
          (u) => {
            const count = Number(u.root.dataset.drawCount ?? '0') + 1;
            u.root.dataset.drawCount = String(count);
            element.dataset.drawCount = String(count);
            element.dataset.points = String(loaded.series.reduce((n, s) => n + s.pointCount, 0));
            // The x range of the data drawn (changes when a zoom's finer buckets arrive).
            element.dataset.range = `${loaded.start ?? ''}:${loaded.end ?? ''}`;
          },
        ],
        setScale: [
          (u, key) => {
            if (key !== 'x' || xAxis.startsWith('metric:')) return;
            const { min, max } = u.scales.x as { min?: number; max?: number };
            if (min === undefined || max === undefined || min === null || max === null) return;
            // Only a real zoom asks for finer buckets: the initial fit (and the scale set below for
            // a zoomed load) spans all the drawn points, whose x lie inside the loaded range but
            // rarely on its edges (a bucket's x is its last point's).
            const xs = data[0] as (number | null)[];
            const first = xs[0];
            const last = xs[xs.length - 1];
            if (xs.length === 0 || (first != null && last != null && min <= first && max >= last)) return;
            const start = min / xScale;
            const end = max / xScale;
            setRange({ start: Math.max(start, loaded.start ?? start), end: Math.min(end, loaded.end ?? end) });
          },
        ],
      },
    };
    plot.current?.destroy();
    const u = new uPlot(options, data as uPlot.AlignedData, element);
    plot.current = u;
    if (range.start !== undefined && range.end !== undefined) {
      u.setScale('x', { min: range.start * xScale, max: range.end * xScale });
    }
    const resize = new ResizeObserver(() => u.setSize({ width: element.clientWidth || 600, height }));
    resize.observe(element);
    const reset = () => setRange({});
    u.over.addEventListener('dblclick', reset);
    return () => {
      resize.disconnect();
      u.over.removeEventListener('dblclick', reset);
    };
  }, [loaded, smoothing, logScale, height]);

  useEffect(() => () => plot.current?.destroy(), []);

  const empty = loaded !== undefined && loaded.series.length === 0;
  return (
    <figure className="metric-chart" aria-label={`Chart of ${metricKey}`}>
      <figcaption>
        <span className="chart-title">{metricKey}</span>
        {loading && <span className="muted"> loading…</span>}
        {range.start !== undefined && (
          <button type="button" className="link" onClick={() => setRange({})}>
            Reset zoom
          </button>
        )}
      </figcaption>
      {error && <div className="error">{error}</div>}
      {empty && !loading && <div className="muted">No data for {metricKey} in these runs.</div>}
      <div ref={box} className="chart-canvas" data-testid={`chart-${metricKey}`} />
      <ul className="legend">
        {(loaded?.series ?? []).map((s, i) => {
          const run = runs.find((r) => r.id === s.runId);
          return (
            <li key={s.runId}>
              <span className="swatch" style={{ background: run?.color ?? colorFor(i) }} />
              {run?.name ?? s.runId}
              <span className="muted"> ({s.pointCount.toLocaleString()} points)</span>
            </li>
          );
        })}
      </ul>
    </figure>
  );
}
