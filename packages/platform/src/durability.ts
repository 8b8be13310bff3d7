/**
 * What an acknowledged write promises. `durable` (the default): it survives power loss, because
 * SQLite commits with `synchronous=FULL` (one fsync per group commit) and artifact files and
 * their directories are fsynced before the write is acknowledged. `relaxed`: it survives a crash
 * of the server process but a power cut may lose the last writes (`synchronous=NORMAL`, no
 * fsync of artifacts), for hardware with a volatile write cache or where speed matters more.
 */
export type Durability = 'durable' | 'relaxed';

export const DURABILITY_MODES: readonly Durability[] = Object.freeze(['durable', 'relaxed']);

/** Parses a durability name (case-insensitive); anything else names the valid choices. */
export function parseDurability(raw: string, source = '--durability'): Durability {
  const value = raw.trim().toLowerCase();
  if (value === 'durable' || value === 'relaxed') return value;
  throw new Error(`${source} must be one of ${DURABILITY_MODES.join(', ')}, got '${raw}'`);
}
