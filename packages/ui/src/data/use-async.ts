/**
 * A small hook for loading data: re-runs when its dependencies change, ignores answers that
 * arrive after a newer request started, and keeps the last value while reloading.
 */
import { type DependencyList, useCallback, useEffect, useRef, useState } from 'react';

export interface AsyncState<T> {
  readonly value: T | undefined;
  readonly error: Error | undefined;
  readonly loading: boolean;
  /** Loads again with the same dependencies (after an edit). */
  reload(): void;
}

export function useAsync<T>(load: (signal: AbortSignal) => Promise<T>, deps: DependencyList): AsyncState<T> {
  const [state, setState] = useState<{ value?: T; error?: Error; loading: boolean }>({ loading: true });
  const [tick, setTick] = useState(0);
  const latest = useRef(0);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the caller's dependency list decides when to load.
  useEffect(() => {
    const id = ++latest.current;
    const controller = new AbortController();
    setState((s) => ({ ...s, loading: true }));
    load(controller.signal).then(
      (value) => {
        if (id === latest.current) setState({ value, loading: false });
      },
      (error: unknown) => {
        if (id === latest.current && !controller.signal.aborted) {
          setState((s) => ({ ...s, error: error instanceof Error ? error : new Error(String(error)), loading: false }));
        }
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { value: state.value, error: state.error, loading: state.loading, reload };
}

/** The message of an error for the screen (an MlflowError's message without its code prefix). */
export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
