/** @jsxRuntime automatic */
/** Chooses the runs table's columns: attributes, and any metric, param or tag seen in the runs. */
import { useState } from 'react';
import { attributeColumns } from './runs-table/run-columns.js';

export interface ColumnPickerProps {
  readonly chosen: readonly string[];
  readonly keys: {
    readonly metrics: readonly string[];
    readonly params: readonly string[];
    readonly tags: readonly string[];
  };
  readonly onChange: (ids: string[]) => void;
}

export function ColumnPicker({ chosen, keys, onChange }: ColumnPickerProps) {
  const [open, setOpen] = useState(false);
  const [search, setSearch] = useState('');
  const set = new Set(chosen);
  const toggle = (id: string) => onChange(set.has(id) ? chosen.filter((c) => c !== id) : [...chosen, id]);
  const matches = (label: string) => label.toLowerCase().includes(search.toLowerCase());
  const group = (title: string, ids: { id: string; label: string }[]) => {
    const shown = ids.filter((i) => matches(i.label));
    if (shown.length === 0) return null;
    return (
      <fieldset key={title}>
        <legend>{title}</legend>
        {shown.map(({ id, label }) => (
          <label key={id} className="picker-item">
            <input type="checkbox" checked={set.has(id)} onChange={() => toggle(id)} /> {label}
          </label>
        ))}
      </fieldset>
    );
  };
  return (
    <div className="column-picker">
      <button type="button" className="secondary" aria-expanded={open} onClick={() => setOpen((o) => !o)}>
        Columns ({chosen.length})
      </button>
      {open && (
        <div className="picker-panel" role="dialog" aria-label="Choose columns">
          <input
            type="search"
            aria-label="Find a column"
            placeholder="Find a column"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <div className="picker-groups">
            {group(
              'Attributes',
              attributeColumns().map((c) => ({ id: c.id, label: c.label })),
            )}
            {group(
              'Metrics',
              keys.metrics.map((k) => ({ id: `metric:${k}`, label: k })),
            )}
            {group(
              'Parameters',
              keys.params.map((k) => ({ id: `param:${k}`, label: k })),
            )}
            {group(
              'Tags',
              keys.tags.map((k) => ({ id: `tag:${k}`, label: k })),
            )}
          </div>
          <button type="button" className="link" onClick={() => setOpen(false)}>
            Done
          </button>
        </div>
      )}
    </div>
  );
}
