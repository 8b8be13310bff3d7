/** @jsxRuntime automatic */
/** A key/value tag list with add, edit and delete (runs, registered models, model versions). */
import { useState } from 'react';
import { errorText } from '../data/use-async.js';

export interface TagEditorProps {
  readonly tags: readonly { readonly key: string; readonly value: string }[];
  readonly onSet: (key: string, value: string) => Promise<unknown>;
  readonly onDelete: (key: string) => Promise<unknown>;
  /** Called after a change went through (to reload). */
  readonly onChanged: () => void;
  readonly testId?: string;
}

export function TagEditor({ tags, onSet, onDelete, onChanged, testId }: TagEditorProps) {
  const [key, setKey] = useState('');
  const [value, setValue] = useState('');
  const [editing, setEditing] = useState<string | undefined>();
  const [editValue, setEditValue] = useState('');
  const [error, setError] = useState<string | undefined>();
  const run = async (action: () => Promise<unknown>) => {
    setError(undefined);
    try {
      await action();
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div className="tag-editor">
      {tags.length > 0 && (
        <table className="kv-table" data-testid={testId}>
          <tbody>
            {tags.map((t) => (
              <tr key={t.key}>
                <th scope="row">{t.key}</th>
                <td>
                  {editing === t.key ? (
                    <form
                      className="inline-form"
                      onSubmit={(e) => {
                        e.preventDefault();
                        void run(async () => {
                          await onSet(t.key, editValue);
                          setEditing(undefined);
                        });
                      }}
                    >
                      <input
                        aria-label={`Value of ${t.key}`}
                        value={editValue}
                        onChange={(e) => setEditValue(e.target.value)}
                      />
                      <button type="submit">Save</button>
                      <button type="button" className="secondary" onClick={() => setEditing(undefined)}>
                        Cancel
                      </button>
                    </form>
                  ) : (
                    t.value
                  )}
                </td>
                <td className="actions">
                  <button
                    type="button"
                    className="link"
                    aria-label={`Edit tag ${t.key}`}
                    onClick={() => {
                      setEditing(t.key);
                      setEditValue(t.value);
                    }}
                  >
                    Edit
                  </button>
                  <button
                    type="button"
                    className="link"
                    aria-label={`Delete tag ${t.key}`}
                    onClick={() => void run(() => onDelete(t.key))}
                  >
                    Delete
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        className="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run(async () => {
            await onSet(key.trim(), value);
            setKey('');
            setValue('');
          });
        }}
      >
        <input aria-label="New tag key" placeholder="key" value={key} onChange={(e) => setKey(e.target.value)} />
        <input
          aria-label="New tag value"
          placeholder="value"
          value={value}
          onChange={(e) => setValue(e.target.value)}
        />
        <button type="submit" disabled={key.trim() === ''}>
          Add tag
        </button>
      </form>
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
