/** @jsxRuntime automatic */
/** Hands the client and the UI's URL prefix to every page (tests pass their own). */
import type { KeelClient } from '@keel/client';
import { createContext, type ReactNode, useContext } from 'react';

export interface UiData {
  readonly client: KeelClient;
  /** The `--static-prefix` the page was served under, '' at the root. */
  readonly prefix: string;
}

const DataContext = createContext<UiData | undefined>(undefined);

export function DataProvider({ value, children }: { value: UiData; children: ReactNode }) {
  return <DataContext.Provider value={value}>{children}</DataContext.Provider>;
}

/** The client and prefix; throws outside a `DataProvider` (a wiring mistake, not a user one). */
export function useData(): UiData {
  const value = useContext(DataContext);
  if (value === undefined) throw new Error('useData() needs a <DataProvider>');
  return value;
}
