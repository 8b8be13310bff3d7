/** @jsxRuntime automatic */
/**
 * One registered model: description and tags (editable), its versions with stage, aliases,
 * source run and status (move an alias, transition a stage), and the audit trail of changes.
 */
import type { KeelClient, ModelVersion } from '@keel/client';
import { type FormEvent, useState } from 'react';
import { DescriptionEditor } from '../../components/description-editor.js';
import { formatTime } from '../../components/runs-table/run-columns.js';
import { TagEditor } from '../../components/tag-editor.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, type Route } from '../../routing.js';

export const STAGES = ['None', 'Staging', 'Production', 'Archived'] as const;

type RegistryEvents = NonNullable<Awaited<ReturnType<KeelClient['getRegistryHistory']>>['events']>;

async function allVersions(client: KeelClient, name: string): Promise<ModelVersion[]> {
  const quote = name.includes("'") ? '"' : "'";
  const out: ModelVersion[] = [];
  let page_token: string | undefined;
  do {
    const page = await client.searchModelVersions({
      filter: `name = ${quote}${name}${quote}`,
      max_results: 1000,
      order_by: ['version_number DESC'],
      ...(page_token === undefined ? {} : { page_token }),
    });
    out.push(...(page.model_versions ?? []));
    page_token = page.next_page_token || undefined;
  } while (page_token !== undefined);
  return out;
}

/** What an audit event says, in words. */
export function describeEvent(event: RegistryEvents[number]): string {
  const d = event.details ?? {};
  const v = event.version === undefined ? '' : ` version ${event.version}`;
  switch (event.kind) {
    case 'transition_model_version_stage':
      return `moved${v} from ${d.from_stage ?? '?'} to ${d.to_stage ?? d.stage ?? '?'}`;
    case 'set_alias':
      return `pointed alias @${d.alias ?? '?'} at${v}${d.previous_version ? ` (was version ${d.previous_version})` : ''}`;
    case 'delete_alias':
      return `removed alias @${d.alias ?? '?'}`;
    default:
      return `${event.kind.replaceAll('_', ' ')}${v}${
        Object.keys(d).length > 0
          ? ` (${Object.entries(d)
              .map(([k, x]) => `${k}: ${x}`)
              .join(', ')})`
          : ''
      }`;
  }
}

function AliasForm({ name, versions, onChanged }: { name: string; versions: ModelVersion[]; onChanged: () => void }) {
  const { client } = useData();
  const [alias, setAlias] = useState('');
  const [version, setVersion] = useState(versions[0]?.version ?? '');
  const [error, setError] = useState<string | undefined>();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await client.setRegisteredModelAlias({ name, alias: alias.trim(), version });
      setAlias('');
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <form className="inline-form" onSubmit={submit}>
      <input
        aria-label="Alias"
        placeholder="alias, e.g. champion"
        value={alias}
        onChange={(e) => setAlias(e.target.value)}
      />
      <select aria-label="Alias version" value={version} onChange={(e) => setVersion(e.target.value)}>
        {versions.map((v) => (
          <option key={v.version} value={v.version}>
            version {v.version}
          </option>
        ))}
      </select>
      <button type="submit" disabled={alias.trim() === '' || version === ''}>
        Set alias
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </form>
  );
}

export function ModelPage({ route }: { route: Route }) {
  const { client } = useData();
  const name = route.segments[1] ?? '';
  const [actionError, setActionError] = useState<string | undefined>();
  const model = useAsync(() => client.getRegisteredModel({ name }).then((r) => r.registered_model), [client, name]);
  const versions = useAsync(() => allVersions(client, name), [client, name]);
  const history = useAsync(
    () => client.getRegistryHistory({ name, max_results: 200 }).then((r) => r.events ?? []),
    [client, name],
  );
  const reload = () => {
    model.reload();
    versions.reload();
    history.reload();
  };
  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
      reload();
    } catch (e) {
      setActionError(errorText(e));
    }
  };
  if (model.error) return <div className="page error">{errorText(model.error)}</div>;
  if (model.value === undefined) return <div className="page muted">Loading model…</div>;
  const m = model.value;
  const list = versions.value ?? [];
  return (
    <div className="page">
      <nav className="breadcrumbs" aria-label="Breadcrumbs">
        <a href={formatHash(['models'])}>Registered models</a>
        <span aria-hidden="true"> / </span>
        <span>{m.name}</span>
      </nav>
      <h1>{m.name}</h1>
      <p className="muted">
        Created {formatTime(m.creation_timestamp)}, last modified {formatTime(m.last_updated_timestamp)}
      </p>
      <section className="card">
        <h2>Description</h2>
        <DescriptionEditor
          text={m.description ?? ''}
          onSave={(description) => client.updateRegisteredModel({ name, description })}
          onChanged={reload}
        />
      </section>
      <section className="card">
        <h2>Aliases</h2>
        <ul className="plain" data-testid="aliases">
          {(m.aliases ?? []).map((a) => (
            <li key={a.alias}>
              <span className="badge alias">@{a.alias}</span> →{' '}
              <a href={formatHash(['models', name, 'versions', a.version])}>version {a.version}</a>{' '}
              <button
                type="button"
                className="link"
                aria-label={`Remove alias ${a.alias}`}
                onClick={() => void act(() => client.deleteRegisteredModelAlias({ name, alias: a.alias }))}
              >
                Remove
              </button>
            </li>
          ))}
        </ul>
        {list.length > 0 && <AliasForm name={name} versions={list} onChanged={reload} />}
      </section>
      <section className="card">
        <h2>Versions</h2>
        {actionError && (
          <div className="error" role="alert">
            {actionError}
          </div>
        )}
        <table className="kv-table wide" data-testid="versions-table">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Source run</th>
              <th>Status</th>
              <th>Created</th>
              <th>Description</th>
            </tr>
          </thead>
          <tbody>
            {list.map((v) => (
              <tr key={v.version} data-version={v.version}>
                <td>
                  <a href={formatHash(['models', name, 'versions', v.version])}>Version {v.version}</a>
                </td>
                <td>
                  <select
                    aria-label={`Stage of version ${v.version}`}
                    value={v.current_stage}
                    onChange={(e) =>
                      void act(() =>
                        client.transitionModelVersionStage({ name, version: v.version, stage: e.target.value }),
                      )
                    }
                  >
                    {STAGES.map((s) => (
                      <option key={s} value={s}>
                        {s}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {(v.aliases ?? []).map((a) => (
                    <span key={a} className="badge alias">
                      @{a}
                    </span>
                  ))}
                </td>
                <td>{v.run_id ? <a href={formatHash(['runs', v.run_id])}>{v.run_id.slice(0, 8)}</a> : v.source}</td>
                <td>{v.status}</td>
                <td>{formatTime(v.creation_timestamp)}</td>
                <td className="clip">{v.description ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>Tags</h2>
        <TagEditor
          tags={m.tags ?? []}
          onSet={(key, value) => client.setRegisteredModelTag({ name, key, value })}
          onDelete={(key) => client.deleteRegisteredModelTag({ name, key })}
          onChanged={reload}
        />
      </section>
      <section className="card">
        <h2>Audit trail</h2>
        {history.error && <div className="error">{errorText(history.error)}</div>}
        <table className="kv-table wide" data-testid="audit-trail">
          <thead>
            <tr>
              <th>When</th>
              <th>Who</th>
              <th>What</th>
            </tr>
          </thead>
          <tbody>
            {(history.value ?? []).map((event) => (
              <tr key={event.event_id}>
                <td>{formatTime(event.timestamp)}</td>
                <td>{event.user}</td>
                <td>{describeEvent(event)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}
