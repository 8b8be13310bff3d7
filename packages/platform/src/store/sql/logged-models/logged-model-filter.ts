/**
 * The logged-model filter language (search-syntax.md §8), parsed into a list of comparisons
 * that are ANDed. It is deliberately not the run/experiment parser: MLflow implements it
 * separately, with case-sensitive operator keywords and its own identifier rules.
 */
import { invalidParameter } from '@keel/contract';
import { checkFilterSize } from '../../../search/index.js';
import { pythonRepr } from '../../python-format.js';

/** The entity an identifier names: `metrics.acc` -> metrics; a bare `name` -> attributes. */
export type FilterEntity = 'attributes' | 'metrics' | 'params' | 'tags';
/** Comparison operators allowed on numeric identifiers. */
export type NumericOperator = '=' | '!=' | '<' | '<=' | '>' | '>=';

interface ClauseBase {
  readonly entity: FilterEntity;
  /** Metric, param or tag key; for attributes the canonical name (aliases resolved). */
  readonly key: string;
}
/** A clause on a metric or timestamp: `metrics.acc > 0.9`. */
export interface NumericComparison extends ClauseBase {
  readonly kind: 'number';
  readonly op: NumericOperator;
  readonly value: number;
}
/** A clause on a string: `name LIKE 'a%'`. */
export interface TextComparison extends ClauseBase {
  readonly kind: 'text';
  readonly op: '=' | '!=' | 'LIKE' | 'ILIKE';
  readonly value: string;
}
/** A list clause on a string: `tags.stage IN ('dev', 'prod')`. */
export interface ListComparison extends ClauseBase {
  readonly kind: 'list';
  readonly op: 'IN' | 'NOT IN';
  readonly values: readonly string[];
}
/** One `identifier operator value` clause of a filter. */
export type LoggedModelComparison = NumericComparison | TextComparison | ListComparison;

const ENTITIES: readonly FilterEntity[] = ['attributes', 'metrics', 'params', 'tags'];
const NUMERIC_OPS: readonly string[] = ['<', '<=', '>', '>=', '=', '!='];
const STRING_OPS: readonly string[] = ['=', '!=', 'LIKE', 'ILIKE', 'IN', 'NOT IN'];

/** Attribute names a filter or order_by may use, with MLflow's aliases, mapped to canonical names. */
export const LOGGED_MODEL_ATTRIBUTES: ReadonlyMap<string, string> = new Map([
  ['name', 'name'],
  ['model_id', 'model_id'],
  ['model_type', 'model_type'],
  ['status', 'status'],
  ['source_run_id', 'source_run_id'],
  ['creation_timestamp', 'creation_timestamp'],
  ['creation_time', 'creation_timestamp'],
  ['creation_timestamp_ms', 'creation_timestamp'],
  ['last_updated_timestamp', 'last_updated_timestamp'],
  ['last_updated_time', 'last_updated_timestamp'],
  ['last_updated_timestamp_ms', 'last_updated_timestamp'],
]);

const NUMERIC_ATTRIBUTES = new Set(['creation_timestamp', 'last_updated_timestamp']);

/** Whether clauses on this identifier compare numbers (metrics and the two timestamps). */
export function isNumericIdentifier(entity: FilterEntity, key: string): boolean {
  return entity === 'metrics' || (entity === 'attributes' && NUMERIC_ATTRIBUTES.has(key));
}

type Token =
  | { readonly kind: 'word' | 'number' | 'symbol'; readonly text: string }
  | { readonly kind: 'string'; readonly text: string; readonly value: string };

const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/;
const SYMBOL = /^(?:<=|>=|!=|<>|==|=|<|>|\(|\)|,)/;

function syntaxError(filter: string, detail: string): Error {
  return invalidParameter(`Invalid filter string: ${pythonRepr(filter)}. ${detail}`);
}

/** Reads a quoted literal starting at `start`; a doubled quote stands for itself. */
function readQuoted(text: string, start: number, filter: string): { end: number; value: string } {
  const quote = text[start] as string;
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const char = text[i] as string;
    if (char === quote) {
      if (text[i + 1] === quote) {
        value += quote;
        i += 2;
        continue;
      }
      return { end: i + 1, value };
    }
    value += char;
    i++;
  }
  throw syntaxError(filter, `Unterminated quoted text starting at position ${start}.`);
}

/** Reads an identifier-like word: word characters and dots, with `quoted` or "quoted" key parts. */
function readWord(text: string, start: number, filter: string): number {
  let i = start;
  while (i < text.length) {
    const char = text[i] as string;
    if (/[\w.]/.test(char)) i++;
    else if (char === '`' || (char === '"' && text[i - 1] === '.')) i = readQuoted(text, i, filter).end;
    else break;
  }
  return i;
}

function tokenize(filter: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < filter.length) {
    const char = filter[i] as string;
    if (/\s/.test(char)) {
      i++;
      continue;
    }
    const rest = filter.slice(i);
    const number = NUMBER.exec(rest);
    if (number !== null && !/^[\w`]/.test(rest.slice(number[0].length))) {
      tokens.push({ kind: 'number', text: number[0] });
      i += number[0].length;
    } else if (char === "'" || char === '"') {
      const { end, value } = readQuoted(filter, i, filter);
      tokens.push({ kind: 'string', text: filter.slice(i, end), value });
      i = end;
    } else if (/[A-Za-z_`]/.test(char)) {
      const end = readWord(filter, i, filter);
      tokens.push({ kind: 'word', text: filter.slice(i, end) });
      i = end;
    } else {
      const symbol = SYMBOL.exec(rest);
      if (symbol === null) throw syntaxError(filter, `Unexpected character ${pythonRepr(char)} at position ${i}.`);
      tokens.push({ kind: 'symbol', text: symbol[0] });
      i += symbol[0].length;
    }
  }
  return tokens;
}

/** Strips one pair of backticks or double quotes around a key, as MLflow strips backticks. */
function unquoteKey(key: string): string {
  if (key.length >= 2 && (key[0] === '`' || key[0] === '"') && key.at(-1) === key[0]) return key.slice(1, -1);
  return key;
}

function parseIdentifier(text: string): { entity: FilterEntity; key: string } {
  const dot = text.startsWith('`') ? -1 : text.indexOf('.');
  if (dot < 0) {
    const name = unquoteKey(text);
    const canonical = LOGGED_MODEL_ATTRIBUTES.get(name);
    if (canonical === undefined) {
      throw invalidParameter(
        `Invalid attribute key ${pythonRepr(name)} specified. Valid keys are ${pythonRepr([...LOGGED_MODEL_ATTRIBUTES.keys()])}.`,
      );
    }
    return { entity: 'attributes', key: canonical };
  }
  const prefix = text.slice(0, dot);
  if (!(ENTITIES as readonly string[]).includes(prefix)) {
    throw invalidParameter(`Invalid entity type: ${pythonRepr(prefix)}. Expected one of ${pythonRepr([...ENTITIES])}.`);
  }
  const entity = prefix as FilterEntity;
  const key = unquoteKey(text.slice(dot + 1));
  if (key === '') throw invalidParameter(`Invalid identifier ${pythonRepr(text)}: the key is empty.`);
  if (entity !== 'attributes') return { entity, key };
  return parseIdentifier(key.includes('.') ? `\`${key}\`` : key);
}

/** A cursor over the tokens of one filter string. */
class TokenStream {
  private index = 0;
  constructor(
    private readonly tokens: readonly Token[],
    readonly filter: string,
  ) {}
  peek(offset = 0): Token | undefined {
    return this.tokens[this.index + offset];
  }
  next(what: string): Token {
    const token = this.tokens[this.index++];
    if (token === undefined) throw syntaxError(this.filter, `Expected ${what} but the filter ended.`);
    return token;
  }
  get done(): boolean {
    return this.index >= this.tokens.length;
  }
}

function readOperator(stream: TokenStream): string {
  const token = stream.next('a comparison operator');
  if (token.kind === 'symbol') return token.text;
  const following = stream.peek();
  if (token.kind === 'word' && token.text.toUpperCase() === 'NOT' && following?.kind === 'word') {
    stream.next('IN');
    return `${token.text} ${following.text}`;
  }
  return token.text;
}

function readList(stream: TokenStream, display: string): string[] {
  const open = stream.next('a parenthesised list');
  if (open.text !== '(' || open.kind !== 'symbol') {
    throw invalidParameter(`Expected a parenthesised list of quoted strings for ${display}, got ${open.text}.`);
  }
  const values: string[] = [];
  for (;;) {
    const token = stream.next("a quoted string or ')'");
    if (token.kind === 'symbol' && token.text === ')' && values.length > 0) return values;
    if (token.kind !== 'string' && token.kind !== 'number') {
      throw invalidParameter(`Expected a quoted string in the list for ${display}, got ${token.text}.`);
    }
    values.push(token.kind === 'string' ? token.value : token.text);
    const separator = stream.next("',' or ')'");
    if (separator.kind === 'symbol' && separator.text === ')') return values;
    if (separator.kind !== 'symbol' || separator.text !== ',') {
      throw invalidParameter(`Expected ',' or ')' in the list for ${display}, got ${separator.text}.`);
    }
    // Python's tuple syntax allows a trailing comma: ('a',).
    const after = stream.peek();
    if (after?.kind === 'symbol' && after.text === ')') {
      stream.next(')');
      return values;
    }
  }
}

function parseComparison(stream: TokenStream): LoggedModelComparison {
  const identifier = stream.next('an identifier');
  if (identifier.kind !== 'word') {
    throw syntaxError(
      stream.filter,
      `Expected an identifier such as 'name' or 'metrics.loss', got ${identifier.text}.`,
    );
  }
  const { entity, key } = parseIdentifier(identifier.text);
  const display = `${entity}.${key}`;
  const op = readOperator(stream);
  const numeric = isNumericIdentifier(entity, key);
  const allowed = numeric ? NUMERIC_OPS : STRING_OPS;
  // Operator keywords are case-sensitive here, unlike the run search grammar (MLflow compares exactly).
  if (!allowed.includes(op)) {
    const listed = `(${allowed.map((o) => pythonRepr(o)).join(', ')})`;
    throw invalidParameter(`Invalid comparison operator for ${display}: ${pythonRepr(op)}. Expected one of ${listed}.`);
  }
  if (numeric) {
    const token = stream.next('a number');
    if (token.kind !== 'number') throw invalidParameter(`Expected a numeric value for ${display}, got ${token.text}.`);
    return { kind: 'number', entity, key, op: op as NumericOperator, value: Number(token.text) };
  }
  if (op === 'IN' || op === 'NOT IN') return { kind: 'list', entity, key, op, values: readList(stream, display) };
  const token = stream.next('a quoted string');
  if (token.kind === 'symbol')
    throw invalidParameter(`Expected a quoted string value for ${display}, got ${token.text}.`);
  // MLflow takes an unquoted word or number as the literal text (`name = golden` compares with
  // 'golden'); keep that rather than break filters that work against MLflow.
  const value = token.kind === 'string' ? token.value : token.text;
  return { kind: 'text', entity, key, op: op as TextComparison['op'], value };
}

/**
 * Parses a logged-model filter. An empty or blank filter matches everything (empty list).
 *
 * @example
 * parseLoggedModelFilter("name = 'model' AND metrics.accuracy > 0.9")
 * // [{kind: 'text', entity: 'attributes', key: 'name', op: '=', value: 'model'},
 * //  {kind: 'number', entity: 'metrics', key: 'accuracy', op: '>', value: 0.9}]
 */
export function parseLoggedModelFilter(filter: string | undefined): LoggedModelComparison[] {
  if (filter === undefined || filter.trim() === '') return [];
  const stream = new TokenStream(tokenize(filter), filter);
  const comparisons: LoggedModelComparison[] = [];
  for (;;) {
    comparisons.push(parseComparison(stream));
    if (stream.done) {
      checkFilterSize(
        comparisons.length,
        comparisons.reduce((n, c) => n + (c.kind === 'list' ? c.values.length : 0), 0),
      );
      return comparisons;
    }
    const separator = stream.next("'AND'");
    if (separator.kind !== 'word' || separator.text.toUpperCase() !== 'AND' || stream.done) {
      throw syntaxError(
        filter,
        "Expected a list of comparisons separated by 'AND' (e.g. 'metrics.loss > 0.1 AND params.lr = 0.01').",
      );
    }
  }
}
