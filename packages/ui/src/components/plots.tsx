/** @jsxRuntime automatic */
/**
 * Two small SVG plots for comparing runs: parallel coordinates (params to a chosen metric, one
 * line per run) and a scatter of any two params or metrics. Non-numeric values are placed as
 * categories along their axis. Labels are text nodes.
 */

export interface PlotRun {
  readonly id: string;
  readonly name: string;
  readonly color: string;
  /** Values by column id (`param:lr`, `metric:loss`). */
  readonly values: ReadonlyMap<string, string | number>;
}

interface Axis {
  readonly id: string;
  readonly label: string;
  position(value: string | number | undefined): number | undefined;
  readonly ticks: readonly { value: number; label: string }[];
}

/** An axis over the runs' values of a column: numeric when every value is a number, else categorical. */
export function makeAxis(id: string, runs: readonly PlotRun[]): Axis {
  const raw = runs.map((r) => r.values.get(id)).filter((v): v is string | number => v !== undefined && v !== '');
  const numbers = raw.map((v) => (typeof v === 'number' ? v : Number(v)));
  const label = id.replace(/^(param|metric|tag):/, '');
  if (raw.length > 0 && numbers.every((n) => Number.isFinite(n))) {
    const lo = Math.min(...numbers);
    const hi = Math.max(...numbers);
    const span = hi - lo || 1;
    return {
      id,
      label,
      position: (v) => {
        const n = typeof v === 'number' ? v : Number(v);
        return v === undefined || v === '' || !Number.isFinite(n) ? undefined : (n - lo) / span;
      },
      ticks: [
        { value: 0, label: String(Number(lo.toPrecision(4))) },
        { value: 1, label: String(Number(hi.toPrecision(4))) },
      ],
    };
  }
  const categories = [...new Set(raw.map(String))].sort();
  const step = categories.length > 1 ? 1 / (categories.length - 1) : 0;
  return {
    id,
    label,
    position: (v) => {
      const index = v === undefined ? -1 : categories.indexOf(String(v));
      return index < 0 ? undefined : categories.length === 1 ? 0.5 : index * step;
    },
    ticks: categories.slice(0, 20).map((c, i) => ({ value: categories.length === 1 ? 0.5 : i * step, label: c })),
  };
}

export function ParallelCoordinates({ runs, columns }: { runs: readonly PlotRun[]; columns: readonly string[] }) {
  const width = Math.max(480, columns.length * 140);
  const height = 320;
  const pad = { top: 30, bottom: 30, left: 60, right: 60 };
  const axes = columns.map((c) => makeAxis(c, runs));
  const x = (i: number) => pad.left + (axes.length > 1 ? (i * (width - pad.left - pad.right)) / (axes.length - 1) : 0);
  const y = (p: number) => pad.top + (1 - p) * (height - pad.top - pad.bottom);
  if (axes.length < 2) return <p className="muted">Pick at least one parameter and a metric.</p>;
  return (
    <svg
      className="plot"
      width={width}
      height={height}
      role="img"
      aria-label="Parallel coordinates"
      data-testid="parallel-plot"
    >
      {axes.map((axis, i) => (
        <g key={axis.id}>
          <line x1={x(i)} x2={x(i)} y1={y(0)} y2={y(1)} className="axis-line" />
          <text x={x(i)} y={pad.top - 12} textAnchor="middle" className="axis-label">
            {axis.label}
          </text>
          {axis.ticks.map((t) => (
            <text key={`${t.value}-${t.label}`} x={x(i) - 6} y={y(t.value) + 4} textAnchor="end" className="tick">
              {t.label}
            </text>
          ))}
        </g>
      ))}
      {runs.map((run) => {
        const points = axes
          .map((axis, i) => {
            const p = axis.position(run.values.get(axis.id));
            return p === undefined ? undefined : `${x(i)},${y(p)}`;
          })
          .filter(Boolean);
        return (
          <polyline key={run.id} points={points.join(' ')} fill="none" stroke={run.color} strokeWidth={2}>
            <title>{run.name}</title>
          </polyline>
        );
      })}
    </svg>
  );
}

export function ScatterPlot({ runs, xId, yId }: { runs: readonly PlotRun[]; xId: string; yId: string }) {
  const width = 560;
  const height = 360;
  const pad = 50;
  const ax = makeAxis(xId, runs);
  const ay = makeAxis(yId, runs);
  const px = (p: number) => pad + p * (width - 2 * pad);
  const py = (p: number) => height - pad - p * (height - 2 * pad);
  return (
    <svg className="plot" width={width} height={height} role="img" aria-label="Scatter plot" data-testid="scatter-plot">
      <line x1={pad} x2={width - pad} y1={height - pad} y2={height - pad} className="axis-line" />
      <line x1={pad} x2={pad} y1={pad} y2={height - pad} className="axis-line" />
      <text x={width / 2} y={height - 10} textAnchor="middle" className="axis-label">
        {ax.label}
      </text>
      <text x={14} y={height / 2} textAnchor="middle" transform={`rotate(-90 14 ${height / 2})`} className="axis-label">
        {ay.label}
      </text>
      {ax.ticks.map((t) => (
        <text key={`x${t.value}-${t.label}`} x={px(t.value)} y={height - pad + 16} textAnchor="middle" className="tick">
          {t.label}
        </text>
      ))}
      {ay.ticks.map((t) => (
        <text key={`y${t.value}-${t.label}`} x={pad - 6} y={py(t.value) + 4} textAnchor="end" className="tick">
          {t.label}
        </text>
      ))}
      {runs.map((run) => {
        const a = ax.position(run.values.get(xId));
        const b = ay.position(run.values.get(yId));
        if (a === undefined || b === undefined) return null;
        return (
          <circle key={run.id} cx={px(a)} cy={py(b)} r={6} fill={run.color}>
            <title>{run.name}</title>
          </circle>
        );
      })}
    </svg>
  );
}
