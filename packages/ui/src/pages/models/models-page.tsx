/** @jsxRuntime automatic */
/** Registered models, searchable by name, with their latest versions and aliases. */
import { useState } from 'react';
import { formatTime } from '../../components/runs-table/run-columns.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, type Route, useSetParams } from '../../routing.js';

export function ModelsPage({ route }: { route: Route }) {
  const { client } = useData();
  const setParams = useSetParams();
  const search = route.params.get('q') ?? '';
  const [text, setText] = useState(search);
  const models = useAsync(async () => {
    const quote = search.includes("'") ? '"' : "'";
    const filter = search.trim() === '' ? '' : `name ILIKE ${quote}%${search.trim().replaceAll(quote, '')}%${quote}`;
    const page = await client.searchRegisteredModels({ max_results: 1000, filter, order_by: ['name ASC'] });
    return page.registered_models ?? [];
  }, [client, search]);
  return (
    <div className="page">
      <h1>Registered models</h1>
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          setParams({ q: text });
        }}
      >
        <input
          type="search"
          aria-label="Search models"
          placeholder="Search models by name"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit">Search</button>
      </form>
      {models.error && <div className="error">{errorText(models.error)}</div>}
      <table className="kv-table wide" data-testid="models-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Latest versions</th>
            <th>Aliases</th>
            <th>Last modified</th>
          </tr>
        </thead>
        <tbody>
          {(models.value ?? []).map((m) => (
            <tr key={m.name}>
              <td>
                <a href={formatHash(['models', m.name])}>{m.name}</a>
              </td>
              <td>
                {(m.latest_versions ?? []).map((v) => (
                  <a key={v.version} className="badge" href={formatHash(['models', m.name, 'versions', v.version])}>
                    v{v.version} {v.current_stage !== 'None' ? v.current_stage : ''}
                  </a>
                ))}
              </td>
              <td>
                {(m.aliases ?? []).map((a) => (
                  <span key={a.alias} className="badge alias">
                    @{a.alias} → v{a.version}
                  </span>
                ))}
              </td>
              <td>{formatTime(m.last_updated_timestamp)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {models.value?.length === 0 && (
        <p className="muted">No registered models. Register one from a run's MLmodel artifact.</p>
      )}
    </div>
  );
}
