/**
 * The grammar shared by run, experiment and registry searches (search-syntax.md §1): a filter
 * is clauses joined by AND, each `identifier operator value`; an order_by item is an
 * identifier and an optional direction. This layer checks only shape; what identifiers,
 * operators and values an entity accepts is checked by the entity grammars.
 */
import { invalidParameter } from '@keel/contract';
import { checkFilterSize } from './filter-limits.js';
import { type IdentifierToken, keywordOf, type Token, tokenize } from './tokenizer.js';

/** The value side of a clause as written, before an entity grammar interprets it. */
export type RawValue =
  | { readonly kind: 'string'; readonly value: string; readonly raw: string }
  | { readonly kind: 'number'; readonly value: number; readonly raw: string }
  /** A parenthesised list; `items` are its tokens between the commas. */
  | { readonly kind: 'list'; readonly items: readonly Token[]; readonly wellFormed: boolean; readonly raw: string }
  /** An unquoted or backticked word where a value belongs. */
  | { readonly kind: 'word'; readonly raw: string };

/** One `identifier operator value` clause, operator in upper case (`NOT IN` for the pair). */
export interface RawClause {
  readonly identifier: RawIdentifier;
  readonly operator: string;
  readonly value: RawValue;
}

/** An identifier split at its first dot: `tags.mlflow.runName` -> entity `tags`, key `mlflow.runName`. */
export interface RawIdentifier {
  /** Absent when the identifier has no dot (`name`, `` `Run name` ``). */
  readonly entity?: string;
  readonly key: string;
  readonly raw: string;
}

/** How the "Invalid clause(s)" message lists offending tokens: the run parser quotes them. */
export type InvalidClauseStyle = 'quoted' | 'plain';

const OPERATOR_WORDS = new Set(['LIKE', 'ILIKE', 'IN']);

/** Parses a filter into clauses; empty or blank filters give none. */
export function parseClauses(filter: string | undefined, style: InvalidClauseStyle): RawClause[] {
  if (filter === undefined || filter.trim() === '') return [];
  const tokens = tokenize(filter);
  const clauses: RawClause[] = [];
  const invalid: string[] = [];
  let i = 0;
  let expectClause = true;
  while (i < tokens.length) {
    const token = tokens[i] as Token;
    if (!expectClause) {
      // Between clauses only AND may stand; anything else (OR, a stray word) is reported.
      if (keywordOf(token) !== 'AND') invalid.push(token.raw);
      expectClause = true;
      i++;
      continue;
    }
    const clause = readClause(filter, tokens, i);
    if (clause !== undefined) {
      clauses.push(clause.clause);
      i = clause.end;
      expectClause = false;
    } else if (token.raw === '(') {
      // A parenthesised group is reported whole, as MLflow does: grouping is not supported.
      const group = readGroup(filter, tokens, i);
      invalid.push(group.raw);
      i = group.end;
    } else {
      invalid.push(token.raw);
      i++;
    }
  }
  // A dangling AND (`a = 'x' AND`) joins nothing.
  if (expectClause && clauses.length > 0) invalid.push('AND');
  if (invalid.length > 0) {
    const listed = style === 'quoted' ? invalid.map((t) => `'${t}'`) : invalid;
    throw invalidParameter(`Invalid clause(s) in filter string: ${listed.join(', ')}`);
  }
  checkFilterSize(
    clauses.length,
    clauses.reduce((n, c) => n + (c.value.kind === 'list' ? c.value.items.length : 0), 0),
  );
  return clauses;
}

function readClause(text: string, tokens: readonly Token[], i: number): { clause: RawClause; end: number } | undefined {
  const first = tokens[i];
  if (isReserved(first)) return undefined;
  const identifier = identifierOf(first);
  if (identifier === undefined) return undefined;
  const operator = readOperator(tokens, i + 1);
  if (operator === undefined) return undefined;
  const value = readValue(text, tokens, operator.end);
  if (value === undefined) return undefined;
  return { clause: { identifier, operator: operator.text, value: value.value }, end: value.end };
}

function isReserved(token: Token | undefined): boolean {
  const word = keywordOf(token);
  return word === 'AND' || word === 'OR' || word === 'NOT';
}

function readOperator(tokens: readonly Token[], i: number): { text: string; end: number } | undefined {
  const token = tokens[i];
  if (token?.kind === 'operator') return { text: token.raw, end: i + 1 };
  const word = keywordOf(token);
  if (word !== undefined && OPERATOR_WORDS.has(word)) return { text: word, end: i + 1 };
  if (word === 'NOT' && keywordOf(tokens[i + 1]) === 'IN') return { text: 'NOT IN', end: i + 2 };
  return undefined;
}

function readValue(text: string, tokens: readonly Token[], i: number): { value: RawValue; end: number } | undefined {
  const token = tokens[i];
  if (token === undefined) return undefined;
  switch (token.kind) {
    case 'string':
      return { value: { kind: 'string', value: token.value, raw: token.raw }, end: i + 1 };
    case 'number':
      return { value: { kind: 'number', value: token.value, raw: token.raw }, end: i + 1 };
    case 'identifier':
      if (isReserved(token)) return undefined;
      return { value: { kind: 'word', raw: token.raw }, end: i + 1 };
    case 'punctuation': {
      if (token.raw !== '(') return undefined;
      const group = readGroup(text, tokens, i);
      return {
        value: { kind: 'list', items: group.items, wellFormed: group.wellFormed, raw: group.raw },
        end: group.end,
      };
    }
    default:
      return undefined;
  }
}

/** Reads `( item, item ... )` from an opening parenthesis; an unclosed one runs to the end. */
function readGroup(
  text: string,
  tokens: readonly Token[],
  i: number,
): { items: Token[]; wellFormed: boolean; raw: string; end: number } {
  const open = tokens[i] as Token;
  const items: Token[] = [];
  let wellFormed = true;
  let expectItem = true;
  for (let j = i + 1; j < tokens.length; j++) {
    const token = tokens[j] as Token;
    if (token.raw === ')' && token.kind === 'punctuation') {
      // `(a, )` has a dangling comma; `()` is merely empty (reported as such by the grammars).
      if (expectItem && items.length > 0) wellFormed = false;
      return { items, wellFormed, raw: text.slice(open.start, token.start + 1), end: j + 1 };
    }
    if (token.raw === ',' && token.kind === 'punctuation') {
      if (expectItem) wellFormed = false;
      expectItem = true;
    } else {
      if (!expectItem || token.raw === '(') wellFormed = false;
      items.push(token);
      expectItem = false;
    }
  }
  return { items, wellFormed: false, raw: text.slice(open.start), end: tokens.length };
}

/**
 * Reads an identifier token: a bare word, a quoted key or a dotted compound. A lone
 * double-quoted run stands for a key here (`"Run name" = 'x'`).
 */
function identifierOf(token: Token | undefined): RawIdentifier | undefined {
  if (token === undefined) return undefined;
  if (token.kind === 'string' && token.quote === '"') return { key: token.value, raw: token.raw };
  if (token.kind !== 'identifier') return undefined;
  return splitIdentifier(token);
}

function splitIdentifier(token: IdentifierToken): RawIdentifier {
  const [first, ...rest] = token.parts;
  if (first === undefined || rest.length === 0) return { key: first?.text ?? '', raw: token.raw };
  return { entity: first.text, key: rest.map((p) => p.text).join('.'), raw: token.raw };
}

/** One order_by item as written: identifier and direction (ascending unless DESC). */
export interface RawOrderBy {
  readonly identifier: RawIdentifier;
  readonly ascending: boolean;
  /** The item as the caller wrote it, for error messages. */
  readonly text: string;
}

/** Parses one order_by item: `identifier [ASC|DESC]`, direction case-insensitive. */
export function parseOrderByItem(text: string): RawOrderBy {
  const tokens = tokenize(text);
  const identifier = identifierOf(tokens[0]);
  if (identifier === undefined || tokens.length > 2) {
    throw invalidParameter(`Invalid order_by clause '${text}'. Could not be parsed.`);
  }
  const direction = tokens[1];
  if (direction === undefined) return { identifier, ascending: true, text };
  const word = keywordOf(direction);
  if (word !== 'ASC' && word !== 'DESC') {
    throw invalidParameter(`Invalid ordering key in order_by clause '${text}'.`);
  }
  return { identifier, ascending: word === 'ASC', text };
}
