// The golden figures quoted in the repository README, generated from the corpus and the
// deviations file (never typed): `npm run golden -- --update-readme` writes them, and the golden
// test fails when the README's block differs from what the replay verified.

export const BEGIN = '<!-- golden-counts:begin (generated: npm run golden -- --update-readme) -->';
export const END = '<!-- golden-counts:end -->';

/** The README paragraph for counts as computed by countDeviations(). */
export function renderCounts(c) {
  return [
    `\`npm test\` replays the ${c.exchanges} request and response pairs recorded from MLflow 3.5's own server`,
    'against a fresh Keel and compares every status, error code, `Content-Type` (parameters included)',
    `and JSON value: ${c.exact} match MLflow exactly. The other ${c.deviations} are listed in`,
    '[test/golden/deviations.json](test/golden/deviations.json), each with its reason, the JSON paths',
    "that differ and Keel's own answer there, which the replay then checks instead of MLflow's:",
    `${c.deliberate} differ on purpose, and ${c.followOn} only because of an earlier deliberate difference (a`,
    'metric Keel refused to store is then absent from a search result: only that metric is excused).',
    'The golden test fails on any other difference, and on an entry that is no longer needed.',
  ].join('\n');
}

/** The text between the markers, or undefined when the README has no such block. */
export function readCountsBlock(readme) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) return undefined;
  return readme.slice(start + BEGIN.length, end).trim();
}

/** The README with its block replaced by the paragraph for `counts`. */
export function writeCountsBlock(readme, counts) {
  const start = readme.indexOf(BEGIN);
  const end = readme.indexOf(END);
  if (start < 0 || end < start) throw new Error(`README has no ${BEGIN} ... ${END} block`);
  return `${readme.slice(0, start + BEGIN.length)}\n${renderCounts(counts)}\n${readme.slice(end)}`;
}
