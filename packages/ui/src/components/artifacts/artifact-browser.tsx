/** @jsxRuntime automatic */
/** A run's artifact tree (directories open on click, lazily listed) beside the selected file's preview. */
import type { FileInfo } from '@keel/client';
import { useState } from 'react';
import { listRunArtifacts } from '../../data/artifacts.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { ArtifactPreview } from './artifact-preview.js';

function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 ** 2) return `${(bytes / 1024).toFixed(1)} KB`;
  if (bytes < 1024 ** 3) return `${(bytes / 1024 ** 2).toFixed(1)} MB`;
  return `${(bytes / 1024 ** 3).toFixed(1)} GB`;
}

function Directory({
  runId,
  path,
  selected,
  onSelect,
}: {
  runId: string;
  path: string;
  selected: string | undefined;
  onSelect: (path: string) => void;
}) {
  const { client } = useData();
  // Directories on the way to the selected file start open (a shared link to a nested file).
  const [open, setOpen] = useState<ReadonlySet<string>>(() => {
    const parts = (selected ?? '').split('/').slice(0, -1);
    return new Set(parts.map((_, i) => parts.slice(0, i + 1).join('/')));
  });
  const listing = useAsync(() => listRunArtifacts(client, runId, path), [client, runId, path]);
  if (listing.error) return <div className="error">{errorText(listing.error)}</div>;
  if (listing.value === undefined) return <div className="muted">Loading…</div>;
  if (listing.value.length === 0 && path === '') return <p className="muted">This run has no artifacts.</p>;
  return (
    <ul className="tree">
      {listing.value.map((file: FileInfo) => {
        const name = file.path.split('/').at(-1) ?? file.path;
        if (file.is_dir) {
          const isOpen = open.has(file.path);
          return (
            <li key={file.path}>
              <button
                type="button"
                className="tree-item dir"
                aria-expanded={isOpen}
                onClick={() =>
                  setOpen((o) => {
                    const next = new Set(o);
                    if (next.has(file.path)) next.delete(file.path);
                    else next.add(file.path);
                    return next;
                  })
                }
              >
                {isOpen ? '▾' : '▸'} {name}
              </button>
              {isOpen && <Directory runId={runId} path={file.path} selected={selected} onSelect={onSelect} />}
            </li>
          );
        }
        return (
          <li key={file.path}>
            <button
              type="button"
              className={selected === file.path ? 'tree-item file selected' : 'tree-item file'}
              aria-current={selected === file.path}
              onClick={() => onSelect(file.path)}
            >
              {name} <span className="muted">{formatSize(file.file_size)}</span>
            </button>
          </li>
        );
      })}
    </ul>
  );
}

export function ArtifactBrowser({
  runId,
  selected,
  onSelect,
}: {
  runId: string;
  selected: string | undefined;
  onSelect: (path: string) => void;
}) {
  return (
    <div className="artifact-browser">
      <nav className="artifact-tree" aria-label="Artifacts">
        <Directory runId={runId} path="" selected={selected} onSelect={onSelect} />
      </nav>
      <div className="artifact-pane">
        {selected ? (
          <ArtifactPreview runId={runId} path={selected} />
        ) : (
          <p className="muted">Select a file to preview it.</p>
        )}
      </div>
    </div>
  );
}
