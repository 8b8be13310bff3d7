/** @jsxRuntime automatic */
/** A tiny SVG line of a metric's history (bucket last values), with its min-max band. */
import type { RunSeries } from '../data/metric-series.js';

export function Sparkline({
  series,
  width = 120,
  height = 28,
}: {
  series: RunSeries;
  width?: number;
  height?: number;
}) {
  const n = series.x.length;
  if (n === 0) return null;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    for (const v of [series.min[i] as number, series.max[i] as number]) {
      if (Number.isFinite(v)) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
    }
  }
  if (!(lo <= hi)) return null;
  const x0 = series.x[0] as number;
  const x1 = series.x[n - 1] as number;
  const px = (x: number) => (x1 === x0 ? width / 2 : ((x - x0) / (x1 - x0)) * (width - 2) + 1);
  const py = (v: number) => (hi === lo ? height / 2 : height - 1 - ((v - lo) / (hi - lo)) * (height - 2));
  const line: string[] = [];
  const top: string[] = [];
  const bottom: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = px(series.x[i] as number);
    const v = series.last[i] as number;
    if (Number.isFinite(v)) line.push(`${x.toFixed(1)},${py(v).toFixed(1)}`);
    const a = series.max[i] as number;
    const b = series.min[i] as number;
    if (Number.isFinite(a) && Number.isFinite(b)) {
      top.push(`${x.toFixed(1)},${py(a).toFixed(1)}`);
      bottom.unshift(`${x.toFixed(1)},${py(b).toFixed(1)}`);
    }
  }
  return (
    <svg className="sparkline" width={width} height={height} viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
      {series.aggregated && <polygon points={[...top, ...bottom].join(' ')} className="spark-band" />}
      {n === 1 ? (
        <circle cx={px(x0)} cy={py(series.last[0] as number)} r={2} className="spark-dot" />
      ) : (
        <polyline points={line.join(' ')} className="spark-line" />
      )}
    </svg>
  );
}
