/** Shared pieces of the `RegistryStore` contract suite's files. */
import type { Actor } from './registry-store.js';

/** The actor every contract change is made by. */
export const TEST_ACTOR: Actor = { user: 'contract-user' };

/** Fresh names per test, so tests share one store without interfering. */
export function uniqueNames(prefix: string): () => string {
  let seq = 0;
  return () => `${prefix}-${process.pid}-${Date.now()}-${seq++}`;
}
