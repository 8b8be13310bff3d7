/** @jsxRuntime automatic */
/** A Markdown description shown safely, with an Edit button that opens a text area. */
import { type FormEvent, useState } from 'react';
import { errorText } from '../data/use-async.js';
import { Markdown } from './markdown.js';

export function DescriptionEditor({
  text,
  onSave,
  onChanged,
}: {
  text: string;
  onSave: (text: string) => Promise<unknown>;
  onChanged: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(text);
  const [error, setError] = useState<string | undefined>();
  const save = async (event: FormEvent) => {
    event.preventDefault();
    setError(undefined);
    try {
      await onSave(draft);
      setEditing(false);
      onChanged();
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <div className="description">
      {editing ? (
        <form onSubmit={save} className="stack">
          <textarea
            aria-label="Description (Markdown)"
            rows={8}
            value={draft}
            onChange={(e) => setDraft(e.target.value)}
          />
          <div className="row">
            <button type="submit">Save</button>
            <button type="button" className="secondary" onClick={() => setEditing(false)}>
              Cancel
            </button>
          </div>
        </form>
      ) : (
        <>
          {text === '' ? <p className="muted">No description.</p> : <Markdown source={text} />}
          <button
            type="button"
            className="link"
            onClick={() => {
              setDraft(text);
              setEditing(true);
            }}
          >
            Edit description
          </button>
        </>
      )}
      {error && (
        <div className="error" role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
