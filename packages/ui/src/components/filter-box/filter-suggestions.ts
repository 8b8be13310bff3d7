/**
 * Autocompletion for MLflow's run filter grammar (`metrics.loss < 0.5 and params.lr = '0.01'`):
 * from the text before the cursor, works out whether a key, an operator, a value or `AND` comes
 * next and offers the candidates that fit. Whether a filter is valid is the server's call: its
 * error message is shown under the box, so the grammar is never written twice.
 */

/** The keys seen in the loaded runs, offered as completions. */
export interface FilterKeys {
  readonly metrics: readonly string[];
  readonly params: readonly string[];
  readonly tags: readonly string[];
}

export interface Suggestion {
  /** What is shown in the list. */
  readonly label: string;
  /** What replaces the word being typed. */
  readonly insert: string;
  /** A short hint beside the label. */
  readonly detail?: string;
}

export interface Suggestions {
  /** Where the replaced word starts in the text. */
  readonly from: number;
  readonly items: readonly Suggestion[];
}

const NUMERIC_OPS = ['=', '!=', '>', '>=', '<', '<='];
const STRING_OPS = ['=', '!=', 'LIKE', 'ILIKE'];
const LIST_OPS = ['IN', 'NOT IN'];
const STRING_ATTRIBUTES = ['run_name', 'status', 'user_id', 'artifact_uri'];
const NUMERIC_ATTRIBUTES = ['start_time', 'end_time'];
const STATUSES = ['RUNNING', 'FINISHED', 'FAILED', 'KILLED', 'SCHEDULED'];
const DATASET_FIELDS = ['name', 'digest', 'context'];

type Entity = 'metrics' | 'params' | 'tags' | 'attributes' | 'datasets';

/** A key as the grammar wants it: bare when it is a plain word, else in backticks. */
export function quoteKey(entity: string, key: string): string {
  return /^[A-Za-z_][\w.]*$/.test(key) && !key.includes('.') ? `${entity}.${key}` : `${entity}.\`${key}\``;
}

interface Token {
  readonly text: string;
  readonly start: number;
  /** Whether the token is closed (a quoted string with its closing quote, or followed by space). */
  readonly closed: boolean;
}

/** Splits filter text into words, quoted strings and operators (enough to find the context). */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i] as string;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === "'" || c === '"') {
      i++;
      while (i < text.length && text[i] !== c) i++;
      const closed = i < text.length;
      if (closed) i++;
      tokens.push({ text: text.slice(start, i), start, closed });
      continue;
    }
    if ('=!<>'.includes(c)) {
      while (i < text.length && '=!<>'.includes(text[i] as string)) i++;
    } else if (c === '(') {
      while (i < text.length && text[i] !== ')') i++;
      if (i < text.length) i++;
    } else {
      // A key may hold backtick- or double-quoted parts: metrics.`my key`.
      while (i < text.length && !/[\s=!<>]/.test(text[i] as string)) {
        if (text[i] === '`') {
          i++;
          while (i < text.length && text[i] !== '`') i++;
        }
        i++;
      }
    }
    tokens.push({ text: text.slice(start, i), start, closed: i < text.length });
  }
  return tokens;
}

function entityOf(identifier: string): { entity: Entity; field: string } | undefined {
  const dot = identifier.indexOf('.');
  if (dot < 0) return { entity: 'attributes', field: identifier };
  const prefix = identifier.slice(0, dot).toLowerCase();
  const field = identifier.slice(dot + 1).replace(/^[`"](.*)[`"]$/, '$1');
  const map: Record<string, Entity> = {
    metric: 'metrics',
    metrics: 'metrics',
    param: 'params',
    params: 'params',
    parameter: 'params',
    parameters: 'params',
    tag: 'tags',
    tags: 'tags',
    attribute: 'attributes',
    attributes: 'attributes',
    attr: 'attributes',
    run: 'attributes',
    dataset: 'datasets',
    datasets: 'datasets',
  };
  const entity = map[prefix];
  return entity === undefined ? undefined : { entity, field };
}

/** The operators that fit a key. */
export function operatorsFor(identifier: string): string[] {
  const found = entityOf(identifier);
  if (found === undefined) return [];
  switch (found.entity) {
    case 'metrics':
      return NUMERIC_OPS;
    case 'params':
    case 'tags':
      return STRING_OPS;
    case 'datasets':
      return [...STRING_OPS, ...LIST_OPS];
    case 'attributes':
      if (NUMERIC_ATTRIBUTES.includes(found.field)) return NUMERIC_OPS;
      if (found.field === 'run_id') return ['=', '!=', ...LIST_OPS];
      return STRING_OPS;
  }
}

function keyCandidates(keys: FilterKeys): Suggestion[] {
  return [
    ...keys.metrics.map((k) => ({ label: quoteKey('metrics', k), insert: quoteKey('metrics', k), detail: 'metric' })),
    ...keys.params.map((k) => ({ label: quoteKey('params', k), insert: quoteKey('params', k), detail: 'param' })),
    ...keys.tags.map((k) => ({ label: quoteKey('tags', k), insert: quoteKey('tags', k), detail: 'tag' })),
    ...[...STRING_ATTRIBUTES, ...NUMERIC_ATTRIBUTES, 'run_id'].map((a) => ({
      label: `attributes.${a}`,
      insert: `attributes.${a}`,
      detail: 'attribute',
    })),
    ...DATASET_FIELDS.map((f) => ({ label: `datasets.${f}`, insert: `datasets.${f}`, detail: 'dataset' })),
  ];
}

function valueCandidates(identifier: string): Suggestion[] {
  const found = entityOf(identifier);
  if (found?.entity === 'attributes' && found.field === 'status') {
    return STATUSES.map((s) => ({ label: `'${s}'`, insert: `'${s}'` }));
  }
  if (found?.entity === 'metrics' || (found?.entity === 'attributes' && NUMERIC_ATTRIBUTES.includes(found.field))) {
    return [];
  }
  return [{ label: "'…'", insert: "''", detail: 'a quoted string; % and _ are wildcards with LIKE' }];
}

/** Compared without case and quoting, so `metrics.val` finds metrics.`val loss`. */
function plain(text: string): string {
  return text.toLowerCase().replace(/[`"]/g, '');
}

function matching(items: Suggestion[], typed: string): Suggestion[] {
  const wanted = plain(typed);
  const starts = items.filter((s) => plain(s.insert).startsWith(wanted));
  const contains = items.filter((s) => !plain(s.insert).startsWith(wanted) && plain(s.insert).includes(wanted));
  return [...starts, ...contains].slice(0, 50);
}

/** Completions for the text before `cursor`. */
export function suggest(text: string, cursor: number, keys: FilterKeys): Suggestions {
  const before = text.slice(0, cursor);
  const tokens = tokenize(before);
  const endsInSpace = before.length > 0 && /\s$/.test(before);
  const last = tokens.at(-1);
  // Position inside the current clause: 0 key, 1 operator, 2 value, 3 after a full clause.
  const complete = endsInSpace ? tokens : tokens.slice(0, -1);
  let position = 0;
  let identifier = '';
  for (const token of complete) {
    const upper = token.text.toUpperCase();
    if (position === 0) {
      identifier = token.text;
      position = 1;
    } else if (position === 1) {
      // NOT IN is two words.
      if (upper !== 'NOT') position = 2;
    } else if (position === 2) position = 3;
    else if (upper === 'AND') position = 0;
  }
  const typing = last !== undefined && !endsInSpace ? last : undefined;
  const from = typing?.start ?? cursor;
  const typed = typing?.text ?? '';
  if (position === 0) return { from, items: matching(keyCandidates(keys), typed) };
  if (position === 1) {
    const ops = operatorsFor(identifier).map((op) => ({ label: op, insert: op }));
    return { from, items: matching(ops, typed) };
  }
  if (position === 2) return { from, items: typed === '' ? valueCandidates(identifier) : [] };
  return { from, items: matching([{ label: 'AND', insert: 'AND', detail: 'another condition' }], typed) };
}

/** Applies a suggestion: replaces the word being typed and adds a space after it. */
export function applySuggestion(
  text: string,
  cursor: number,
  from: number,
  item: Suggestion,
): { text: string; cursor: number } {
  const quotedEmpty = item.insert === "''";
  const inserted = quotedEmpty ? item.insert : `${item.insert} `;
  const next = text.slice(0, from) + inserted + text.slice(cursor).replace(/^\S*/, '');
  return { text: next, cursor: from + (quotedEmpty ? 1 : inserted.length) };
}
