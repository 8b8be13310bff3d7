/** @jsxRuntime automatic */
/**
 * The run's overview: facts (status, times, source and commit, parent and children, models,
 * datasets), the Markdown description (editable), params, metrics with latest/min/max and a
 * sparkline, and tags (add, edit, delete). Every value is rendered as text.
 */
import type { Run } from '@keel/client';
import { DescriptionEditor } from '../../components/description-editor.js';
import { formatDuration, formatMetric, formatTime } from '../../components/runs-table/run-columns.js';
import { Sparkline } from '../../components/sparkline.js';
import { TagEditor } from '../../components/tag-editor.js';
import { useData } from '../../data/context.js';
import { loadBuckets, type RunSeries } from '../../data/metric-series.js';
import { useAsync } from '../../data/use-async.js';
import { formatHash } from '../../routing.js';

const NOTE_TAG = 'mlflow.note.content';

function Description({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const { client } = useData();
  const note = run.data.tags?.find((t) => t.key === NOTE_TAG)?.value ?? '';
  return (
    <section className="card">
      <h2>Description</h2>
      <DescriptionEditor
        text={note}
        onSave={(value) => client.setTag({ run_id: run.info.run_id, key: NOTE_TAG, value })}
        onChanged={onChanged}
      />
    </section>
  );
}

function Tags({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const { client } = useData();
  const runId = run.info.run_id;
  return (
    <section className="card">
      <h2>Tags</h2>
      <TagEditor
        testId="tags-table"
        tags={(run.data.tags ?? []).filter((t) => !t.key.startsWith('mlflow.'))}
        onSet={(key, value) => client.setTag({ run_id: runId, key, value })}
        onDelete={(key) => client.deleteTag({ run_id: runId, key })}
        onChanged={onChanged}
      />
    </section>
  );
}

function Metrics({ run }: { run: Run }) {
  const { client } = useData();
  const keys = (run.data.metrics ?? []).map((m) => m.key).sort();
  const histories = useAsync(async () => {
    const out = new Map<string, RunSeries>();
    await Promise.all(
      keys.map(async (key) => {
        const set = await loadBuckets(client, [run.info.run_id], key, 'step', {}, 60);
        const series = set.series[0];
        if (series) out.set(key, series);
      }),
    );
    return out;
  }, [client, run.info.run_id, keys.join('\n')]);
  if (keys.length === 0) return null;
  return (
    <section className="card">
      <h2>Metrics</h2>
      <table className="kv-table" data-testid="metrics-table">
        <thead>
          <tr>
            <th>Metric</th>
            <th>Latest</th>
            <th>Min</th>
            <th>Max</th>
            <th>Steps</th>
            <th>History</th>
          </tr>
        </thead>
        <tbody>
          {(run.data.metrics ?? [])
            .slice()
            .sort((a, b) => a.key.localeCompare(b.key))
            .map((m) => {
              const s = histories.value?.get(m.key);
              const finite = (values: Float64Array | undefined, pick: (a: number, b: number) => number) => {
                let out: number | undefined;
                for (const v of values ?? []) if (!Number.isNaN(v)) out = out === undefined ? v : pick(out, v);
                return out;
              };
              return (
                <tr key={m.key}>
                  <th scope="row">{m.key}</th>
                  <td>{formatMetric(typeof m.value === 'number' ? m.value : Number(m.value))}</td>
                  <td>{formatMetric(finite(s?.min, Math.min))}</td>
                  <td>{formatMetric(finite(s?.max, Math.max))}</td>
                  <td>{s?.pointCount.toLocaleString() ?? ''}</td>
                  <td>{s && <Sparkline series={s} />}</td>
                </tr>
              );
            })}
        </tbody>
      </table>
    </section>
  );
}

function Facts({ run }: { run: Run }) {
  const { client } = useData();
  const info = run.info;
  const tags = new Map((run.data.tags ?? []).map((t) => [t.key, t.value]));
  const children = useAsync(
    () =>
      client
        .searchRuns({
          experiment_ids: [info.experiment_id],
          filter: `tags.\`mlflow.parentRunId\` = '${info.run_id}'`,
          max_results: 100,
        })
        .then((r) => r.runs ?? []),
    [client, info.run_id],
  );
  const parent = tags.get('mlflow.parentRunId');
  const runLink = (id: string, label?: string) => (
    <a href={formatHash(['experiments', info.experiment_id, 'runs', id])}>{label ?? id}</a>
  );
  let models: { artifact_path?: string; flavors?: Record<string, unknown> }[] = [];
  try {
    const parsed: unknown = JSON.parse(tags.get('mlflow.log-model.history') ?? '[]');
    if (Array.isArray(parsed)) models = parsed as typeof models;
  } catch {
    models = [];
  }
  const outputs = run.outputs?.model_outputs ?? [];
  const datasets = run.inputs?.dataset_inputs ?? [];
  return (
    <section className="card">
      <h2>Overview</h2>
      <dl className="facts">
        <dt>Run ID</dt>
        <dd>
          <code>{info.run_id}</code>
        </dd>
        <dt>Status</dt>
        <dd>
          <span className={`status status-${info.status.toLowerCase()}`}>{info.status}</span>
        </dd>
        <dt>Started</dt>
        <dd>{formatTime(info.start_time)}</dd>
        <dt>Ended</dt>
        <dd>{formatTime(info.end_time) || '—'}</dd>
        <dt>Duration</dt>
        <dd>{info.end_time ? formatDuration(info.end_time - (info.start_time ?? info.end_time)) : '—'}</dd>
        <dt>User</dt>
        <dd>{tags.get('mlflow.user') ?? info.user_id ?? ''}</dd>
        <dt>Source</dt>
        <dd>
          {tags.get('mlflow.source.name') ?? '—'}
          {tags.get('mlflow.source.git.commit') && (
            <>
              {' '}
              at commit <code>{tags.get('mlflow.source.git.commit')?.slice(0, 12)}</code>
            </>
          )}
        </dd>
        <dt>Lifecycle</dt>
        <dd>{info.lifecycle_stage}</dd>
        <dt>Artifact URI</dt>
        <dd>
          <code>{info.artifact_uri}</code>
        </dd>
        {parent && (
          <>
            <dt>Parent run</dt>
            <dd>{runLink(parent)}</dd>
          </>
        )}
        {(children.value?.length ?? 0) > 0 && (
          <>
            <dt>Child runs</dt>
            <dd>
              <ul className="plain">
                {children.value?.map((c) => (
                  <li key={c.info.run_id}>{runLink(c.info.run_id, c.info.run_name ?? c.info.run_id)}</li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {(models.length > 0 || outputs.length > 0) && (
          <>
            <dt>Logged models</dt>
            <dd>
              <ul className="plain">
                {models.map((m, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: history entries have no id.
                  <li key={`h${i}`}>
                    {m.artifact_path ?? 'model'}{' '}
                    <span className="muted">({Object.keys(m.flavors ?? {}).join(', ')})</span>
                  </li>
                ))}
                {outputs.map((o) => (
                  <li key={o.model_id}>
                    <code>{o.model_id}</code>
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
        {datasets.length > 0 && (
          <>
            <dt>Datasets</dt>
            <dd>
              <ul className="plain">
                {datasets.map((d) => (
                  <li key={`${d.dataset.name}-${d.dataset.digest}`}>
                    {d.dataset.name} <span className="muted">({d.dataset.digest})</span>
                    {d.tags?.find((t) => t.key === 'mlflow.data.context') && (
                      <span className="badge">{d.tags.find((t) => t.key === 'mlflow.data.context')?.value}</span>
                    )}
                  </li>
                ))}
              </ul>
            </dd>
          </>
        )}
      </dl>
    </section>
  );
}

export function RunOverview({ run, onChanged }: { run: Run; onChanged: () => void }) {
  const params = (run.data.params ?? []).slice().sort((a, b) => a.key.localeCompare(b.key));
  return (
    <div className="overview-grid">
      <div className="column">
        <Facts run={run} />
        <Description run={run} onChanged={onChanged} />
        <Tags run={run} onChanged={onChanged} />
      </div>
      <div className="column">
        <section className="card">
          <h2>Parameters</h2>
          {params.length === 0 ? (
            <p className="muted">No parameters.</p>
          ) : (
            <table className="kv-table" data-testid="params-table">
              <tbody>
                {params.map((p) => (
                  <tr key={p.key}>
                    <th scope="row">{p.key}</th>
                    <td>{p.value}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
        <Metrics run={run} />
      </div>
    </div>
  );
}
