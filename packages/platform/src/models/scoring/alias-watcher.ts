/**
 * Following a registered model alias while serving (`keel models serve --watch`): the alias is
 * polled; when it names another version, that version is loaded beside the one in use, checked
 * by scoring its input example, and swapped in; the previous one closes after its last request.
 * A version that fails to load or to score its example is reported and not retried until the
 * alias moves again.
 */

import type { ModelSlot, ServedModel } from './model-slot.js';
import { createScoringApp } from './scoring-app.js';

/** A loaded candidate version. */
export interface CandidateModel {
  readonly served: ServedModel;
  /** The model's input example as an `/invocations` JSON body, if it has one. */
  readonly example?: string;
  /** Removes its files once it is no longer served. */
  cleanup(): Promise<void>;
}

/** What the watcher needs from the registry and the loader. */
export interface AliasWatcherOptions {
  readonly slot: ModelSlot;
  /** The version the alias names now. */
  readonly aliasVersion: () => Promise<string>;
  /** Loads a version (download and load; not yet serving). */
  readonly loadVersion: (version: string) => Promise<CandidateModel>;
  /** Cleans up the files of the model first served. */
  readonly cleanupInitial?: () => Promise<void>;
  readonly intervalMs: number;
  readonly log: (line: string) => void;
}

/**
 * Polls an alias and swaps versions.
 *
 * @example
 * const watcher = new AliasWatcher({ slot, aliasVersion, loadVersion, intervalMs: 10_000, log: console.error });
 * watcher.start();
 */
export class AliasWatcher {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private failedVersion: string | undefined;
  private stopped = false;
  private cleanupCurrent: (() => Promise<void>) | undefined;

  constructor(private readonly options: AliasWatcherOptions) {
    this.cleanupCurrent = options.cleanupInitial;
  }

  start(): void {
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.poll().finally(() => {
        this.running = undefined;
        this.schedule();
      });
    }, this.options.intervalMs);
  }

  /** One check of the alias (exposed for tests and for an immediate check). */
  async poll(): Promise<void> {
    const { slot, log } = this.options;
    let version: string;
    try {
      version = await this.options.aliasVersion();
    } catch (error) {
      log(`Could not read the alias: ${(error as Error).message}`);
      return;
    }
    const current = slot.current.info;
    if (version === current.version || version === this.failedVersion || this.stopped) return;
    log(
      `Alias @${current.alias} of '${current.name}' moved to version ${version}: loading it beside version ${current.version}...`,
    );
    let candidate: CandidateModel;
    try {
      candidate = await this.options.loadVersion(version);
    } catch (error) {
      this.failedVersion = version;
      log(
        `Version ${version} could not be loaded; still serving version ${current.version}: ${(error as Error).message}`,
      );
      return;
    }
    if (candidate.example !== undefined) {
      const check = await createScoringApp({ model: candidate.served }).invocations({
        contentType: 'application/json',
        body: candidate.example,
      });
      if (check.status !== 200) {
        this.failedVersion = version;
        log(
          `Version ${version} failed on its input example (${check.status}: ${check.body.slice(0, 300)}); still serving version ${current.version}.`,
        );
        await candidate.served.predictor.close().catch(() => {});
        await candidate.cleanup().catch(() => {});
        return;
      }
    } else {
      log(`Version ${version} has no input example to check it with; serving it unchecked.`);
    }
    if (this.stopped) {
      await candidate.served.predictor.close().catch(() => {});
      await candidate.cleanup().catch(() => {});
      return;
    }
    this.failedVersion = undefined;
    const cleanupOld = this.cleanupCurrent;
    this.cleanupCurrent = candidate.cleanup;
    const retired = slot.swap(candidate.served);
    log(`Now serving version ${version}${candidate.example === undefined ? '' : ' (checked with its input example)'}.`);
    void retired.then(() => cleanupOld?.().catch(() => {}));
  }

  /** Stops polling and waits for a check in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /** Removes the files of the model served last (after the slot closed it). */
  async cleanup(): Promise<void> {
    await this.cleanupCurrent?.().catch(() => {});
  }
}
