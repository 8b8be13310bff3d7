/** @jsxRuntime automatic */
/**
 * A grid of metric charts (one per key) for one or several runs, with the controls shared by
 * all of them: x axis (step, wall time, relative time, or any other metric), smoothing and log
 * scale. The controls live in the URL.
 */
import type { ChartXAxis } from '../data/metric-series.js';
import { type Route, useSetParams } from '../routing.js';
import { type ChartRun, MetricChart } from './metric-chart.js';

export interface ChartSettings {
  readonly xAxis: ChartXAxis;
  readonly smoothing: number;
  readonly logScale: boolean;
}

export function chartSettings(route: Route): ChartSettings {
  const x = route.params.get('x') ?? 'step';
  const xAxis = (
    ['step', 'timestamp', 'relative_time'].includes(x) || x.startsWith('metric:') ? x : 'step'
  ) as ChartXAxis;
  const smoothing = Math.min(0.99, Math.max(0, Number(route.params.get('smooth') ?? '0') || 0));
  return { xAxis, smoothing, logScale: route.params.get('log') === '1' };
}

export function ChartControls({ settings, metricKeys }: { settings: ChartSettings; metricKeys: readonly string[] }) {
  const setParams = useSetParams();
  return (
    <div className="chart-controls">
      <label>
        X axis{' '}
        <select aria-label="X axis" value={settings.xAxis} onChange={(e) => setParams({ x: e.target.value })}>
          <option value="step">Step</option>
          <option value="timestamp">Wall time</option>
          <option value="relative_time">Relative time</option>
          {metricKeys.map((k) => (
            <option key={k} value={`metric:${k}`}>
              Metric: {k}
            </option>
          ))}
        </select>
      </label>
      <label>
        Smoothing{' '}
        <input
          type="range"
          aria-label="Smoothing"
          min={0}
          max={0.99}
          step={0.01}
          value={settings.smoothing}
          onChange={(e) => setParams({ smooth: e.target.value === '0' ? undefined : e.target.value })}
        />{' '}
        <span className="muted">{settings.smoothing.toFixed(2)}</span>
      </label>
      <label>
        <input
          type="checkbox"
          checked={settings.logScale}
          onChange={(e) => setParams({ log: e.target.checked ? '1' : undefined })}
        />{' '}
        Log scale
      </label>
    </div>
  );
}

export function ChartGrid({
  runs,
  metricKeys,
  settings,
}: {
  runs: readonly ChartRun[];
  metricKeys: readonly string[];
  settings: ChartSettings;
}) {
  if (metricKeys.length === 0) return <p className="muted">These runs have no metrics.</p>;
  return (
    <div className="chart-grid">
      {metricKeys.map((key) => (
        <MetricChart
          key={key}
          metricKey={key}
          runs={runs}
          xAxis={settings.xAxis}
          smoothing={settings.smoothing}
          logScale={settings.logScale}
        />
      ))}
    </div>
  );
}
