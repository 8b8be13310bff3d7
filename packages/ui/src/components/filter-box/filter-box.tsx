/** @jsxRuntime automatic */
// biome-ignore-all lint/a11y/noNoninteractiveElementToInteractiveRole: the WAI-ARIA combobox pattern puts listbox and option roles on a list.
// biome-ignore-all lint/a11y/useFocusableInteractive: options are chosen with the arrow keys from the input (aria-activedescendant style), not focused.
/**
 * The run search box: MLflow's filter grammar with completion of keys, operators and values
 * (arrow keys, Enter or Tab to accept, Escape to close), applied on Enter, and the server's
 * message shown inline when a filter is refused.
 */
import { type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import { applySuggestion, type FilterKeys, type Suggestion, suggest } from './filter-suggestions.js';

export interface FilterBoxProps {
  /** The applied filter (from the URL). */
  readonly value: string;
  readonly keys: FilterKeys;
  /** Why the applied filter was refused, if it was. */
  readonly error?: string;
  readonly onApply: (filter: string) => void;
  readonly placeholder?: string;
}

export function FilterBox({ value, keys, error, onApply, placeholder }: FilterBoxProps) {
  const [text, setText] = useState(value);
  const [cursor, setCursor] = useState(value.length);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const [applied, setApplied] = useState(value);
  const input = useRef<HTMLInputElement>(null);
  const listId = useId();
  const errorId = useId();
  // The URL changed under us (back button, a shared link): show its filter.
  if (value !== applied) {
    setApplied(value);
    setText(value);
  }
  const suggestions = useMemo(() => suggest(text, cursor, keys), [text, cursor, keys]);
  const items = open ? suggestions.items : [];

  const accept = (item: Suggestion) => {
    const next = applySuggestion(text, cursor, suggestions.from, item);
    setText(next.text);
    setCursor(next.cursor);
    setActive(0);
    requestAnimationFrame(() => input.current?.setSelectionRange(next.cursor, next.cursor));
  };
  const onKeyDown = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === 'ArrowDown' && items.length > 0) {
      event.preventDefault();
      setActive((a) => (a + 1) % items.length);
    } else if (event.key === 'ArrowUp' && items.length > 0) {
      event.preventDefault();
      setActive((a) => (a - 1 + items.length) % items.length);
    } else if (event.key === 'Tab' && items.length > 0) {
      event.preventDefault();
      accept(items[Math.min(active, items.length - 1)] as Suggestion);
    } else if (event.key === 'Enter') {
      event.preventDefault();
      setOpen(false);
      onApply(text.trim());
    } else if (event.key === 'Escape') setOpen(false);
  };

  return (
    <div className="filter-box">
      <div className="filter-row">
        <input
          ref={input}
          className={error ? 'filter-input invalid' : 'filter-input'}
          type="search"
          spellCheck={false}
          autoComplete="off"
          role="combobox"
          aria-label="Filter runs"
          aria-expanded={items.length > 0}
          aria-controls={listId}
          aria-invalid={error !== undefined}
          aria-describedby={error ? errorId : undefined}
          placeholder={placeholder ?? "metrics.loss < 0.5 and params.optimizer = 'adam'"}
          value={text}
          onChange={(e) => {
            setText(e.target.value);
            setCursor(e.target.selectionStart ?? e.target.value.length);
            setOpen(true);
            setActive(0);
          }}
          onSelect={(e) => setCursor(e.currentTarget.selectionStart ?? text.length)}
          onFocus={() => setOpen(true)}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onKeyDown={onKeyDown}
        />
        <button type="button" onClick={() => onApply(text.trim())}>
          Search
        </button>
        {value !== '' && (
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setText('');
              onApply('');
            }}
          >
            Clear
          </button>
        )}
      </div>
      {items.length > 0 && (
        <ul className="suggestions" id={listId} role="listbox">
          {items.map((item, i) => (
            <li
              key={`${item.label}-${item.detail ?? ''}`}
              role="option"
              aria-selected={i === active}
              className={i === active ? 'active' : undefined}
              onMouseDown={(e) => {
                e.preventDefault();
                accept(item);
              }}
            >
              <span className="suggestion-label">{item.label}</span>
              {item.detail && <span className="suggestion-detail">{item.detail}</span>}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div className="filter-error" id={errorId} role="alert">
          {error}
        </div>
      )}
    </div>
  );
}
