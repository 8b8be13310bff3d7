// Deliberate deviations from the recorded MLflow answers (deviations.json; format in README.md).
// A deviation turns the recorded answer of one exchange into the answer the tested server must
// give instead: every entry names what differs (`paths`) and what the server answers there
// (`keel`), so the rest of the exchange, and the server's own answer, are still compared exactly.
// Node 20, no dependencies.

import {
  cloneExpected,
  evalPath,
  expectedBody,
  isRuleMarker,
  jtype,
  parsePath,
  reverseMap,
  ruleMarker,
  sortUnordered,
  stepMatches,
  unwrap,
  unwrapDeep,
} from './replay.mjs';

/** Entries of `paths` that are not JSON paths of the body. */
const PSEUDO_PATHS = new Set(['status', 'content_type', 'request']);
const HEADER_PREFIX = 'header:';

/** Directives a `keel` value may be instead of a plain JSON value. */
const DIRECTIVES = new Set(['$absent', '$rule', '$move_to']);

function isPlainObject(v) {
  return v !== null && typeof v === 'object' && !Array.isArray(v) && !isRuleMarker(v);
}

function directiveOf(value) {
  if (!isPlainObject(value)) return undefined;
  const keys = Object.keys(value);
  return keys.length === 1 && keys[0].startsWith('$') ? keys[0] : undefined;
}

function isErrorBody(v) {
  return isPlainObject(v) && typeof unwrap(v.error_code) === 'string';
}

/** A plain JSON value from a `keel` entry, with nested {"$rule": ...} objects turned into markers. */
function toExpected(value) {
  const directive = directiveOf(value);
  if (directive === '$rule') return ruleMarker(value.$rule, undefined);
  if (Array.isArray(value)) return value.map(toExpected);
  if (isPlainObject(value)) {
    const out = {};
    for (const [k, v] of Object.entries(value)) out[k] = toExpected(v);
    return out;
  }
  return value;
}

/** Where a path points in `box.root`: the containers and keys of every match of its last segment. */
function resolve(box, segs) {
  let refs = [{ parent: box, key: 'root' }];
  segs.forEach((seg, i) => {
    const last = i === segs.length - 1;
    const next = [];
    for (const ref of refs) {
      const v = ref.parent[ref.key];
      if (seg.prop !== undefined) {
        if (isPlainObject(v) && (last || Object.hasOwn(v, seg.prop))) next.push({ parent: v, key: seg.prop });
      } else if (Array.isArray(v)) {
        v.forEach((el, index) => {
          if (stepMatches(seg, { index, elem: el })) next.push({ parent: v, key: index });
        });
      }
    }
    refs = next;
  });
  return refs;
}

/**
 * A path that replaces a whole object or list with another of the same kind hides every
 * difference inside it: name the keys or elements that differ instead. Replacing an answer by an
 * error (or an error by an answer) is the one whole-object replacement that is narrow.
 */
function breadthProblem(path, recorded, value) {
  const kind = jtype(recorded);
  if (kind !== 'object' && kind !== 'array') return undefined;
  if (kind !== jtype(value)) return undefined;
  if (kind === 'object' && isErrorBody(recorded) !== isErrorBody(value)) return undefined;
  return `${path}: replaces a whole ${kind} with another; name the keys or elements that differ`;
}

function applyBodyOp(box, path, value, problems) {
  const segs = parsePath(path);
  const refs = resolve(box, segs);
  const existing = refs.filter((r) => (Array.isArray(r.parent) ? true : Object.hasOwn(r.parent, r.key)));
  const directive = directiveOf(value);
  if (directive !== undefined && !DIRECTIVES.has(directive)) {
    problems.push(`${path}: unknown directive ${directive} (known: ${[...DIRECTIVES].join(', ')})`);
    return;
  }
  const targets = directive === undefined ? refs : existing;
  if (targets.length === 0) {
    problems.push(`${path}: matches nothing in the recorded answer`);
    return;
  }
  if (directive === '$absent') {
    // Remove list elements from the highest index down so earlier indices stay valid.
    const sorted = [...targets].sort((x, y) => (Array.isArray(x.parent) ? y.key - x.key : 0));
    for (const r of sorted) {
      if (Array.isArray(r.parent)) r.parent.splice(r.key, 1);
      else delete r.parent[r.key];
    }
  } else if (directive === '$rule') {
    for (const r of targets) r.parent[r.key] = ruleMarker(value.$rule, unwrapDeep(r.parent[r.key]));
  } else if (directive === '$move_to') {
    for (const r of targets) {
      if (!Array.isArray(r.parent)) {
        problems.push(`${path}: $move_to needs a list element`);
        continue;
      }
      const [el] = r.parent.splice(r.key, 1);
      r.parent.splice(value.$move_to, 0, el);
    }
  } else {
    for (const r of targets) {
      const broad = breadthProblem(path, unwrapDeep(r.parent[r.key]), value);
      if (broad) problems.push(broad);
      r.parent[r.key] = toExpected(value);
    }
  }
}

/**
 * Applies one deviation entry to an exchange. Returns the patched exchange (its `response` is what
 * the tested server must answer; `expected` the body the comparison walks, markers included) and
 * the problems found in the entry (paths that match nothing, masks that are too broad).
 * With `omit`, that key of the entry is left out (used to prove each key is needed).
 */
export function applyDeviation(ex, deviation, expVars, omit) {
  const problems = [];
  const keel = { ...(deviation.keel ?? {}) };
  if (omit !== undefined) delete keel[omit];
  const response = { ...ex.response, headers: { ...(ex.response.headers ?? {}) } };
  let normalise = ex.normalise ?? [];
  let expected;
  let notSent = false;
  const bodyPaths = [];
  for (const [key, value] of Object.entries(keel)) {
    if (key === 'status') response.status = value;
    else if (key === 'content_type') response.content_type = value;
    else if (key === 'request') {
      if (value !== 'not sent') problems.push(`request: the only value is "not sent"`);
      notSent = true;
    } else if (key.startsWith(HEADER_PREFIX)) {
      const name = key.slice(HEADER_PREFIX.length).toLowerCase();
      if (directiveOf(value) === '$absent') delete response.headers[name];
      else response.headers[name] = value;
    } else if (key.startsWith('$')) bodyPaths.push([key, value]);
    else problems.push(`${key}: not a JSON path, status, content_type, request or header:<name>`);
  }
  if (Object.keys(response.headers).length === 0) delete response.headers;
  // A framework page belongs to its status: with another status, the body is compared again.
  if (response.status !== ex.response.status) normalise = normalise.filter((r) => r.kind !== 'framework');

  if (bodyPaths.length > 0) {
    const replacesRoot = bodyPaths.some(([p]) => p === '$');
    if (response.body_encoding !== 'json' && !replacesRoot) {
      problems.push(`the recorded body is ${response.body_encoding}: only "$" can be replaced`);
    } else {
      const box = { root: response.body_encoding === 'json' ? expectedBody(ex, expVars) : response.body };
      box.root = cloneExpected(box.root);
      for (const [p, v] of bodyPaths) applyBodyOp(box, p, v, problems);
      if (replacesRoot) {
        // The recorded body's rules describe a body that is no longer expected.
        normalise = [];
      } else {
        const rules = normalise.map((r) => ({ ...r, segs: parsePath(r.path) }));
        box.root = sortUnordered(box.root, rules, reverseMap(expVars));
      }
      const plain = unwrapDeep(box.root);
      // A value the server no longer sends cannot be captured from its answer.
      normalise = normalise.filter((r) => r.kind !== 'capture' || evalPath(plain, parsePath(r.path)).length > 0);
      response.body = plain;
      response.body_encoding = typeof plain === 'string' ? 'text' : 'json';
      if (response.body_encoding === 'json') expected = box.root;
    }
  }
  return { exchange: { ...ex, response, normalise, expected, notSent }, problems };
}

/**
 * Checks the shape of every entry against the corpus: a reason, a non-empty `paths` list that
 * names exactly the keys of `keel`, and `follows` naming earlier deviations. Returns
 * `{id: [problem...]}` for the entries with problems.
 */
export function checkDeviations(corpus, deviations) {
  const order = new Map(corpus.map((ex, i) => [ex.id, i]));
  const found = {};
  for (const [id, d] of Object.entries(deviations)) {
    if (id.startsWith('$')) continue;
    const problems = [];
    if (!order.has(id)) problems.push('not in the corpus');
    if (typeof d.reason !== 'string' || d.reason.length < 20) problems.push('needs a reason');
    if (!Array.isArray(d.paths) || d.paths.length === 0) problems.push('needs the paths that differ');
    if (d.keel === null || typeof d.keel !== 'object' || Array.isArray(d.keel))
      problems.push("needs 'keel': the answer at each path");
    else {
      const paths = new Set(d.paths ?? []);
      const keys = new Set(Object.keys(d.keel));
      for (const p of paths)
        if (!keys.has(p)) problems.push(`${p}: listed in paths, but keel does not say what is answered there`);
      for (const k of keys) if (!paths.has(k)) problems.push(`${k}: in keel but not listed in paths`);
      for (const p of paths) {
        if (!PSEUDO_PATHS.has(p) && !p.startsWith(HEADER_PREFIX) && !p.startsWith('$'))
          problems.push(`${p}: not a path`);
      }
    }
    for (const earlier of d.follows ?? []) {
      if (!Object.hasOwn(deviations, earlier)) problems.push(`follows ${earlier}, which is not a deviation`);
      else if (!(order.get(earlier) < order.get(id)))
        problems.push(`follows ${earlier}, which is not an earlier exchange`);
    }
    if (problems.length) found[id] = problems;
  }
  return found;
}

/** Corpus counts for documentation: exchanges, exact matches, deliberate and follow-on deviations. */
export function countDeviations(corpus, deviations) {
  const entries = Object.entries(deviations).filter(([id]) => !id.startsWith('$'));
  const followOn = entries.filter(([, d]) => (d.follows ?? []).length > 0).length;
  return {
    exchanges: corpus.length,
    exact: corpus.length - entries.length,
    deviations: entries.length,
    deliberate: entries.length - followOn,
    followOn,
  };
}
