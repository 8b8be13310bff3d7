/**
 * Row slots: the keys of the rendered rows of a virtualized list, chosen so that scrolling reuses
 * DOM nodes. A row that stays in view keeps its slot; a row coming into view takes a slot freed
 * by a row that left it; a new slot is made only when more rows are rendered than ever before.
 * Unlike a key of `index % rowsInView`, a change in how many rows are in view (a resize, the
 * first measurement of the viewport) costs new nodes for the extra rows only, not for all.
 */
export function assignSlots(previous: ReadonlyMap<number, number>, indices: readonly number[]): Map<number, number> {
  const next = new Map<number, number>();
  const taken = new Set<number>();
  for (const index of indices) {
    const slot = previous.get(index);
    if (slot !== undefined) {
      next.set(index, slot);
      taken.add(slot);
    }
  }
  const free: number[] = [];
  for (const slot of previous.values()) if (!taken.has(slot)) free.push(slot);
  // Lowest slots first, so the slot numbers stay dense whatever order rows left in.
  free.sort((a, b) => b - a);
  let fresh = previous.size === 0 ? 0 : Math.max(...previous.values()) + 1;
  for (const index of indices) {
    if (next.has(index)) continue;
    const slot = free.pop() ?? fresh++;
    next.set(index, slot);
  }
  return next;
}
