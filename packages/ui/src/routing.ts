/**
 * View state lives in the URL's hash (`#/experiments/1?filter=...&sort=...`), as in MLflow's UI,
 * so that any view can be bookmarked or shared and the server only ever serves `/`.
 */
import { useCallback, useSyncExternalStore } from 'react';

/** A parsed location: path segments (decoded) and query parameters. */
export interface Route {
  readonly segments: readonly string[];
  readonly params: URLSearchParams;
}

/** Parses a hash such as `#/experiments/1?filter=x` into segments and parameters. */
export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '');
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = q < 0 ? '' : raw.slice(q + 1);
  const segments = path
    .split('/')
    .filter((s) => s !== '')
    .map((s) => {
      try {
        return decodeURIComponent(s);
      } catch {
        return s;
      }
    });
  return { segments, params: new URLSearchParams(query) };
}

/** Builds a hash from segments and parameters; empty parameters are left out. */
export function formatHash(segments: readonly string[], params: Record<string, string | undefined> = {}): string {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== '') query.set(key, value);
  const qs = query.toString();
  return `#/${segments.map(encodeURIComponent).join('/')}${qs ? `?${qs}` : ''}`;
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
}

/** The current route; re-renders on every hash change. */
export function useRoute(): Route {
  const hash = useSyncExternalStore(
    subscribe,
    () => window.location.hash,
    () => '',
  );
  return parseHash(hash);
}

/** Goes to a hash; `replace` rewrites the current history entry (typing in a box, sorting). */
export function navigate(hash: string, replace = false): void {
  if (window.location.hash === hash) return;
  if (replace) {
    window.history.replaceState(null, '', hash);
    window.dispatchEvent(new HashChangeEvent('hashchange'));
  } else window.location.hash = hash;
}

/** Updates some parameters of the current route, keeping its path and the other parameters. */
export function useSetParams(): (changes: Record<string, string | undefined>, replace?: boolean) => void {
  return useCallback((changes, replace = true) => {
    const { segments, params } = parseHash(window.location.hash);
    const next: Record<string, string | undefined> = Object.fromEntries(params);
    Object.assign(next, changes);
    navigate(formatHash(segments, next), replace);
  }, []);
}
