/**
 * The model a scoring app answers with, swappable under load: each request holds the model it
 * started with until it finishes; a swap makes new requests use the new model at once and closes
 * the old one when its last request is done, so no request fails because of a swap.
 */
import type { Predictor } from '../flavor.js';
import type { ModelSignature } from '../signature/schema.js';

/** What the server reports about the model in use (`/version`, the `X-Keel-Model-Version` header). */
export interface ServedModelInfo {
  /** The model URI as given (`models:/churn@champion`). */
  readonly uri: string;
  /** Registered model name and version, for registry URIs. */
  readonly name?: string;
  readonly version?: string;
  readonly alias?: string;
  readonly modelId?: string;
  readonly runId?: string;
  /** The flavor serving it. */
  readonly flavor: string;
}

/** A loaded model ready to answer requests. */
export interface ServedModel {
  readonly predictor: Predictor;
  readonly signature?: ModelSignature;
  readonly isSignatureFromTypeHint?: boolean;
  readonly info: ServedModelInfo;
}

/** The header value naming the model in use: the registered version, else the logged model or run. */
export function modelVersionLabel(info: ServedModelInfo): string {
  return info.version ?? info.modelId ?? info.runId ?? 'local';
}

interface Entry {
  readonly model: ServedModel;
  inFlight: number;
  retired: boolean;
  closing?: Promise<void>;
  /** Resolves once the model is closed. */
  readonly closed: Promise<void>;
  markClosed(): void;
}

function entryOf(model: ServedModel): Entry {
  let markClosed = () => {};
  const closed = new Promise<void>((resolve) => {
    markClosed = resolve;
  });
  return { model, inFlight: 0, retired: false, closed, markClosed };
}

/**
 * A slot holding the current model.
 *
 * @example
 * const slot = new ModelSlot(first);
 * const lease = slot.acquire(); try { await lease.model.predictor.predict(x); } finally { lease.release(); }
 * await slot.swap(second); // `first` closes once its requests are done
 */
export class ModelSlot {
  private entry: Entry;
  private readonly retiring = new Set<Entry>();

  constructor(model: ServedModel) {
    this.entry = entryOf(model);
  }

  /** The model new requests get. */
  get current(): ServedModel {
    return this.entry.model;
  }

  /** Takes the current model for one request; `release` must be called once when done. */
  acquire(): { readonly model: ServedModel; release(): void } {
    const entry = this.entry;
    entry.inFlight++;
    let released = false;
    return {
      model: entry.model,
      release: () => {
        if (released) return;
        released = true;
        entry.inFlight--;
        if (entry.retired && entry.inFlight === 0) this.closeEntry(entry);
      },
    };
  }

  /** Makes `model` current at once; resolves when the previous model is closed (after its last request). */
  async swap(model: ServedModel): Promise<void> {
    const old = this.entry;
    this.entry = entryOf(model);
    old.retired = true;
    this.retiring.add(old);
    if (old.inFlight === 0) this.closeEntry(old);
    await old.closed;
  }

  private closeEntry(entry: Entry): void {
    entry.closing ??= entry.model.predictor
      .close()
      .catch(() => {})
      .finally(() => {
        this.retiring.delete(entry);
        entry.markClosed();
      });
  }

  /** Closes the current model (after its last request) and waits for every model to be closed. */
  async close(): Promise<void> {
    const current = this.entry;
    current.retired = true;
    if (current.inFlight === 0) this.closeEntry(current);
    await Promise.all([...this.retiring, current].map((e) => e.closed));
  }
}
