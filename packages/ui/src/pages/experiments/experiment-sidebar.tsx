/** @jsxRuntime automatic */
/**
 * The experiments list beside the runs: search by name, create, rename, delete and restore, and
 * check several experiments to see their runs together.
 */
import type { Experiment } from '@keel/client';
import { type FormEvent, useState } from 'react';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { formatHash, navigate } from '../../routing.js';

export interface ExperimentSidebarProps {
  readonly selectedIds: readonly string[];
}

/** A filter matching experiment names that contain `text`, ignoring case. */
export function nameFilter(text: string): string {
  const trimmed = text.trim();
  if (trimmed === '') return '';
  // The grammar has no escapes inside strings: pick a quote the text does not contain.
  const quote = trimmed.includes("'") ? '"' : "'";
  return `name ILIKE ${quote}%${trimmed.replaceAll(quote, '')}%${quote}`;
}

export function ExperimentSidebar({ selectedIds }: ExperimentSidebarProps) {
  const { client } = useData();
  const [search, setSearch] = useState('');
  const [showDeleted, setShowDeleted] = useState(false);
  const [creating, setCreating] = useState(false);
  const [newName, setNewName] = useState('');
  const [renaming, setRenaming] = useState<string | undefined>();
  const [renameText, setRenameText] = useState('');
  const [confirmDelete, setConfirmDelete] = useState<string | undefined>();
  const [actionError, setActionError] = useState<string | undefined>();
  const list = useAsync(async () => {
    const experiments: Experiment[] = [];
    let page_token: string | undefined;
    do {
      const page = await client.searchExperiments({
        max_results: 1000,
        filter: nameFilter(search),
        order_by: ['last_update_time DESC'],
        view_type: showDeleted ? 'DELETED_ONLY' : 'ACTIVE_ONLY',
        ...(page_token === undefined ? {} : { page_token }),
      });
      experiments.push(...(page.experiments ?? []));
      page_token = page.next_page_token || undefined;
    } while (page_token !== undefined && experiments.length < 5000);
    return experiments;
  }, [client, search, showDeleted]);

  const act = async (action: () => Promise<unknown>) => {
    setActionError(undefined);
    try {
      await action();
      list.reload();
    } catch (e) {
      setActionError(errorText(e));
    }
  };
  const create = (event: FormEvent) => {
    event.preventDefault();
    void act(async () => {
      const { experiment_id } = await client.createExperiment({ name: newName.trim() });
      setCreating(false);
      setNewName('');
      navigate(formatHash(['experiments', experiment_id]));
    });
  };
  const rename = (event: FormEvent, id: string) => {
    event.preventDefault();
    void act(async () => {
      await client.updateExperiment({ experiment_id: id, new_name: renameText.trim() });
      setRenaming(undefined);
    });
  };
  const toggle = (id: string, checked: boolean) => {
    const ids = checked ? [...new Set([...selectedIds, id])] : selectedIds.filter((x) => x !== id);
    if (ids.length > 0) navigate(formatHash(['experiments', ids.join(',')]));
  };

  return (
    <aside className="sidebar" aria-label="Experiments">
      <div className="sidebar-head">
        <h2>Experiments</h2>
        <button type="button" className="small" onClick={() => setCreating((c) => !c)} aria-expanded={creating}>
          New
        </button>
      </div>
      {creating && (
        <form className="inline-form" onSubmit={create}>
          <input
            aria-label="New experiment name"
            placeholder="Experiment name"
            value={newName}
            onChange={(e) => setNewName(e.target.value)}
            // biome-ignore lint/a11y/noAutofocus: the form was opened to type a name.
            autoFocus
          />
          <button type="submit" disabled={newName.trim() === ''}>
            Create
          </button>
        </form>
      )}
      <input
        type="search"
        className="sidebar-search"
        aria-label="Search experiments"
        placeholder="Search experiments"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
      />
      <label className="toggle">
        <input type="checkbox" checked={showDeleted} onChange={(e) => setShowDeleted(e.target.checked)} /> Deleted
        experiments
      </label>
      {actionError && (
        <div className="error" role="alert">
          {actionError}
        </div>
      )}
      {list.error && <div className="error">{errorText(list.error)}</div>}
      <ul className="experiment-list">
        {(list.value ?? []).map((e) => {
          const active = selectedIds.includes(e.experiment_id);
          return (
            <li key={e.experiment_id} className={active ? 'active' : undefined}>
              {renaming === e.experiment_id ? (
                <form className="inline-form" onSubmit={(ev) => rename(ev, e.experiment_id)}>
                  <input
                    aria-label="Experiment name"
                    value={renameText}
                    onChange={(ev) => setRenameText(ev.target.value)}
                    // biome-ignore lint/a11y/noAutofocus: the form was opened to type a name.
                    autoFocus
                  />
                  <button type="submit">Save</button>
                  <button type="button" className="secondary" onClick={() => setRenaming(undefined)}>
                    Cancel
                  </button>
                </form>
              ) : (
                <div className="experiment-row">
                  <input
                    type="checkbox"
                    aria-label={`Show runs of ${e.name}`}
                    checked={active}
                    onChange={(ev) => toggle(e.experiment_id, ev.target.checked)}
                  />
                  <a href={formatHash(['experiments', e.experiment_id])} title={e.name}>
                    {e.name}
                  </a>
                  <span className="row-actions">
                    {showDeleted ? (
                      <button
                        type="button"
                        className="link"
                        onClick={() => void act(() => client.restoreExperiment({ experiment_id: e.experiment_id }))}
                      >
                        Restore
                      </button>
                    ) : (
                      <>
                        <button
                          type="button"
                          className="link"
                          aria-label={`Rename ${e.name}`}
                          onClick={() => {
                            setRenaming(e.experiment_id);
                            setRenameText(e.name);
                          }}
                        >
                          Rename
                        </button>
                        {confirmDelete === e.experiment_id ? (
                          <button
                            type="button"
                            className="link danger"
                            onClick={() =>
                              void act(async () => {
                                await client.deleteExperiment({ experiment_id: e.experiment_id });
                                setConfirmDelete(undefined);
                              })
                            }
                          >
                            Confirm delete
                          </button>
                        ) : (
                          <button
                            type="button"
                            className="link"
                            aria-label={`Delete ${e.name}`}
                            onClick={() => setConfirmDelete(e.experiment_id)}
                          >
                            Delete
                          </button>
                        )}
                      </>
                    )}
                  </span>
                </div>
              )}
            </li>
          );
        })}
      </ul>
    </aside>
  );
}
