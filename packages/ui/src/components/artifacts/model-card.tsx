/** @jsxRuntime automatic */
/**
 * An `MLmodel` file as a model card: flavors, signature (inputs, outputs, params), input
 * example, and a form that registers the model directory as a new version of a registered model.
 */
import { type FormEvent, useState } from 'react';
import { parse } from 'yaml';
import { useData } from '../../data/context.js';
import { errorText } from '../../data/use-async.js';
import { formatHash } from '../../routing.js';

interface ColumnSpec {
  name?: string;
  type?: string;
  required?: boolean;
  shape?: unknown;
  default?: unknown;
}

function specList(value: unknown): ColumnSpec[] {
  if (typeof value !== 'string') return [];
  try {
    const parsed: unknown = JSON.parse(value);
    return Array.isArray(parsed) ? (parsed as ColumnSpec[]) : [];
  } catch {
    return [];
  }
}

function SpecTable({ title, specs }: { title: string; specs: ColumnSpec[] }) {
  if (specs.length === 0) return null;
  return (
    <div>
      <h4>{title}</h4>
      <table className="kv-table">
        <thead>
          <tr>
            <th>Name</th>
            <th>Type</th>
            <th>Details</th>
          </tr>
        </thead>
        <tbody>
          {specs.map((s, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: specs are a fixed list; names may repeat or be absent.
            <tr key={i}>
              <td>{s.name ?? '(unnamed)'}</td>
              <td>{s.type ?? ''}</td>
              <td>
                {[
                  s.required === false ? 'optional' : '',
                  s.shape !== undefined ? `shape ${JSON.stringify(s.shape)}` : '',
                  s.default !== undefined ? `default ${JSON.stringify(s.default)}` : '',
                ]
                  .filter(Boolean)
                  .join(', ')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

export function ModelCard({ text, runId, directory }: { text: string; runId: string; directory: string }) {
  const { client } = useData();
  const [name, setName] = useState('');
  const [state, setState] = useState<{ busy?: boolean; error?: string; done?: { name: string; version: string } }>({});
  let model: Record<string, unknown>;
  try {
    const parsed: unknown = parse(text);
    model = parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch (e) {
    return <div className="error">This MLmodel file is not valid YAML: {errorText(e)}</div>;
  }
  const flavors = Object.keys((model.flavors as Record<string, unknown> | undefined) ?? {});
  const signature = (model.signature as Record<string, unknown> | undefined) ?? {};
  const register = async (event: FormEvent) => {
    event.preventDefault();
    setState({ busy: true });
    try {
      const source = `runs:/${runId}${directory === '' ? '' : `/${directory}`}`;
      const version = await client.registerModel(source, name.trim());
      setState({ done: { name: version.name, version: version.version } });
    } catch (e) {
      setState({ error: errorText(e) });
    }
  };
  return (
    <div className="model-card" data-testid="model-card">
      <h3>Model</h3>
      <dl className="facts">
        <dt>Flavors</dt>
        <dd>{flavors.join(', ') || 'none'}</dd>
        {typeof model.model_uuid === 'string' && (
          <>
            <dt>Model UUID</dt>
            <dd>{model.model_uuid}</dd>
          </>
        )}
        {typeof model.utc_time_created === 'string' && (
          <>
            <dt>Created</dt>
            <dd>{model.utc_time_created}</dd>
          </>
        )}
        {model.mlflow_version !== undefined && (
          <>
            <dt>MLflow version</dt>
            <dd>{String(model.mlflow_version)}</dd>
          </>
        )}
      </dl>
      <h3>Signature</h3>
      {signature.inputs === undefined && signature.outputs === undefined ? (
        <p className="muted">This model has no signature.</p>
      ) : (
        <div className="signature">
          <SpecTable title="Inputs" specs={specList(signature.inputs)} />
          <SpecTable title="Outputs" specs={specList(signature.outputs)} />
          <SpecTable title="Parameters" specs={specList(signature.params)} />
        </div>
      )}
      <h3>Register model</h3>
      {state.done ? (
        <p role="status">
          Registered as{' '}
          <a href={formatHash(['models', state.done.name, 'versions', state.done.version])}>
            {state.done.name} version {state.done.version}
          </a>
          .
        </p>
      ) : (
        <form className="inline-form" onSubmit={register}>
          <input
            aria-label="Registered model name"
            placeholder="Model name (new or existing)"
            value={name}
            onChange={(e) => setName(e.target.value)}
          />
          <button type="submit" disabled={name.trim() === '' || state.busy === true}>
            {state.busy ? 'Registering…' : 'Register model'}
          </button>
        </form>
      )}
      {state.error && (
        <div className="error" role="alert">
          {state.error}
        </div>
      )}
    </div>
  );
}
