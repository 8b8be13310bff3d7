/**
 * Experiment and registered-model names are compared in Unicode NFC: `café` typed with a
 * combining accent and with a precomposed `é` is one name, so two entries never display
 * identically. Names are normalized where they enter the stores (create, rename, every lookup
 * by name, `name` comparisons in search filters) and stored in NFC.
 */

/** The stored, compared form of an entity name. */
export function canonicalName(name: string): string {
  return name.normalize('NFC');
}
