/** @jsxRuntime automatic */
/** One model version: stage, aliases, source run, status, description and tags (editable). */
import { useState } from 'react';
import { DescriptionEditor } from '../../components/description-editor.js';
import { formatTime } from '../../components/runs-table/run-columns.js';
import { TagEditor } from '../../components/tag-editor.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, type Route } from '../../routing.js';
import { STAGES } from './model-page.js';

export function ModelVersionPage({ route }: { route: Route }) {
  const { client } = useData();
  const name = route.segments[1] ?? '';
  const version = route.segments[3] ?? '';
  const [error, setError] = useState<string | undefined>();
  const mv = useAsync(
    () => client.getModelVersion({ name, version }).then((r) => r.model_version),
    [client, name, version],
  );
  if (mv.error) return <div className="page error">{errorText(mv.error)}</div>;
  if (mv.value === undefined) return <div className="page muted">Loading…</div>;
  const v = mv.value;
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <a href={formatHash(['models'])}>Registered models</a>
        <span aria-hidden="true"> / </span>
        <a href={formatHash(['models', name])}>{name}</a>
        <span aria-hidden="true"> / </span>
        <span>Version {version}</span>
      </nav>
      <h1>
        {name} version {version}
      </h1>
      <dl className="facts card">
        <dt>Stage</dt>
        <dd>
          <select
            aria-label="Stage"
            value={v.current_stage}
            onChange={async (e) => {
              setError(undefined);
              try {
                await client.transitionModelVersionStage({ name, version, stage: e.target.value });
                mv.reload();
              } catch (err) {
                setError(errorText(err));
              }
            }}
          >
            {STAGES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </dd>
        <dt>Aliases</dt>
        <dd>{(v.aliases ?? []).map((a) => `@${a}`).join(', ') || '—'}</dd>
        <dt>Status</dt>
        <dd>
          {v.status}
          {v.status_message ? ` (${v.status_message})` : ''}
        </dd>
        <dt>Source</dt>
        <dd>
          <code>{v.source}</code>
        </dd>
        {v.run_id && (
          <>
            <dt>Source run</dt>
            <dd>
              <a href={formatHash(['runs', v.run_id])}>{v.run_id}</a>
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>
          {formatTime(v.creation_timestamp)} {v.user_id ? `by ${v.user_id}` : ''}
        </dd>
      </dl>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
      <section className="card">
        <h2>Description</h2>
        <DescriptionEditor
          text={v.description ?? ''}
          onSave={(description) => client.updateModelVersion({ name, version, description })}
          onChanged={mv.reload}
        />
      </section>
      <section className="card">
        <h2>Tags</h2>
        <TagEditor
          tags={v.tags ?? []}
          onSet={(key, value) => client.setModelVersionTag({ name, version, key, value })}
          onDelete={(key) => client.deleteModelVersionTag({ name, version, key })}
          onChanged={mv.reload}
        />
      </section>
    </div>
  );
}
