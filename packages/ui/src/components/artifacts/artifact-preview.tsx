/** @jsxRuntime automatic */
/**
 * Previews one artifact file by its kind: text and logs, JSON (pretty-printed) and YAML, CSV and
 * TSV as a table, images, `MLmodel` as a model card, HTML inside a sandboxed frame that may run
 * nothing; and a download link for every file. Content is always shown as text or sandboxed.
 */
import { lazy, Suspense, useEffect, useState } from 'react';
import { previewKind, readRunArtifact } from '../../data/artifacts.js';
import { runArtifactUrl } from '../../data/client.js';
import { useData } from '../../data/context.js';
import { errorText, useAsync } from '../../data/use-async.js';
import { parseDelimited } from './csv.js';

const ModelCard = lazy(() => import('./model-card.js').then((m) => ({ default: m.ModelCard })));

const TEXT_LIMIT = 1024 * 1024;
const IMAGE_LIMIT = 20 * 1024 * 1024;
const MAX_TABLE_ROWS = 500;

function TextPreview({ text, truncated }: { text: string; truncated: boolean }) {
  return (
    <>
      <pre className="text-preview" data-testid="text-preview">
        {text}
      </pre>
      {truncated && <p className="muted">Only the first megabyte is shown; download the file for the rest.</p>}
    </>
  );
}

function TablePreview({ text, delimiter }: { text: string; delimiter: string }) {
  const rows = parseDelimited(text, delimiter, MAX_TABLE_ROWS + 1);
  const [head, ...body] = rows;
  return (
    <div className="table-preview">
      <table className="kv-table" data-testid="csv-preview">
        <thead>
          <tr>
            {(head ?? []).map((h, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: header cells may repeat.
              <th key={i}>{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {body.slice(0, MAX_TABLE_ROWS).map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity.
            <tr key={r}>
              {row.map((cell, c) => (
                // biome-ignore lint/suspicious/noArrayIndexKey: cells have no identity.
                <td key={c}>{cell}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
      {body.length > MAX_TABLE_ROWS && <p className="muted">First {MAX_TABLE_ROWS} rows shown.</p>}
    </div>
  );
}

function ImagePreview({ bytes, path }: { bytes: Uint8Array; path: string }) {
  const [url, setUrl] = useState<string | undefined>();
  useEffect(() => {
    const type = path.toLowerCase().endsWith('.svg') ? 'image/svg+xml' : '';
    const created = URL.createObjectURL(new Blob([bytes as BlobPart], type ? { type } : {}));
    setUrl(created);
    return () => URL.revokeObjectURL(created);
  }, [bytes, path]);
  return url === undefined ? null : <img className="image-preview" src={url} alt={path} />;
}

export function ArtifactPreview({ runId, path }: { runId: string; path: string }) {
  const { client, prefix } = useData();
  const kind = previewKind(path);
  const content = useAsync(
    (signal) =>
      kind === 'none'
        ? Promise.resolve(undefined)
        : readRunArtifact(client, prefix, runId, path, kind === 'image' ? IMAGE_LIMIT : TEXT_LIMIT, signal),
    [client, prefix, runId, path, kind],
  );
  const download = runArtifactUrl(prefix, runId, path);
  const text = content.value === undefined ? '' : new TextDecoder().decode(content.value.bytes);
  const truncated = content.value?.truncated ?? false;
  let body: React.ReactNode = null;
  if (content.error) body = <div className="error">{errorText(content.error)}</div>;
  else if (content.loading && content.value === undefined && kind !== 'none') body = <p className="muted">Loading…</p>;
  else if (kind === 'none') body = <p className="muted">No preview for this kind of file.</p>;
  else if (content.value !== undefined) {
    switch (kind) {
      case 'image':
        body = truncated ? (
          <p className="muted">Image too large to preview.</p>
        ) : (
          <ImagePreview bytes={content.value.bytes} path={path} />
        );
        break;
      case 'json': {
        let pretty = text;
        try {
          pretty = JSON.stringify(JSON.parse(text), null, 2);
        } catch {
          // Truncated or invalid JSON is shown as it is.
        }
        body = <TextPreview text={pretty} truncated={truncated} />;
        break;
      }
      case 'csv':
      case 'tsv':
        body = <TablePreview text={text} delimiter={kind === 'csv' ? ',' : '\t'} />;
        break;
      case 'html':
        // No allow-scripts, no allow-same-origin: the page is inert and has an opaque origin.
        body = <iframe className="html-preview" title={path} sandbox="" srcDoc={text} data-testid="html-preview" />;
        break;
      case 'mlmodel':
        body = (
          <Suspense fallback={<p className="muted">Loading…</p>}>
            <ModelCard text={text} runId={runId} directory={path.split('/').slice(0, -1).join('/')} />
            <details>
              <summary>MLmodel file</summary>
              <TextPreview text={text} truncated={truncated} />
            </details>
          </Suspense>
        );
        break;
      default:
        body = <TextPreview text={text} truncated={truncated} />;
    }
  }
  return (
    <div className="artifact-preview" data-kind={kind}>
      <div className="preview-head">
        <span className="path" title={path}>
          {path}
        </span>
        <a className="button secondary" href={download} download={path.split('/').at(-1)}>
          Download
        </a>
      </div>
      {body}
    </div>
  );
}
