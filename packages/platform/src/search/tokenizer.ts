/**
 * The lexer of MLflow's filter and order_by language. It never fails: characters it does not
 * understand become `other` tokens, so the clause parser can name them in MLflow's
 * "Invalid clause(s)" message instead of a generic syntax error.
 */

/** One dot-separated part of an identifier; `quoted` parts came in backticks or double quotes. */
export interface IdentifierPart {
  readonly text: string;
  readonly quoted: boolean;
}

interface TokenBase {
  /** The token exactly as written, for error messages. */
  readonly raw: string;
  /** Offset of the token's first character in the tokenized text. */
  readonly start: number;
}

/** A bare word, a quoted key or a dotted compound of them (`tags.\`mlflow.source.type\``). */
export interface IdentifierToken extends TokenBase {
  readonly kind: 'identifier';
  readonly parts: readonly IdentifierPart[];
}

/** A literal in single or double quotes, unescaped. */
export interface StringToken extends TokenBase {
  readonly kind: 'string';
  readonly value: string;
  readonly quote: "'" | '"';
}

/** A bare number (`1`, `-3`, `0.25`, `1e-3`). */
export interface NumberToken extends TokenBase {
  readonly kind: 'number';
  readonly value: number;
}

/** A comparison operator written with symbols (`=`, `!=`, `<>`, `<=` ...). */
export interface OperatorToken extends TokenBase {
  readonly kind: 'operator';
}

/** `(`, `)` or `,`. */
export interface PunctuationToken extends TokenBase {
  readonly kind: 'punctuation';
}

/** Anything else (an unterminated quote, a stray `-` or `;`). */
export interface OtherToken extends TokenBase {
  readonly kind: 'other';
}

/** One lexical token of a filter or order_by string. */
export type Token = IdentifierToken | StringToken | NumberToken | OperatorToken | PunctuationToken | OtherToken;

const WHITESPACE = /\s/;
const WORD_CHAR = /[A-Za-z0-9_]/;
const NUMBER = /^-?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/;
const OPERATORS = ['!=', '<>', '<=', '>=', '==', '=', '<', '>'];

/** Splits a filter or order_by string into tokens. */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text.charAt(i);
    if (WHITESPACE.test(c)) {
      i++;
      continue;
    }
    const start = i;
    if (c === '(' || c === ')' || c === ',') {
      tokens.push({ kind: 'punctuation', raw: c, start });
      i++;
      continue;
    }
    const operator = OPERATORS.find((op) => text.startsWith(op, i));
    if (operator !== undefined) {
      tokens.push({ kind: 'operator', raw: operator, start });
      i += operator.length;
      continue;
    }
    const number = startsNumber(text, i, tokens.at(-1)) ? NUMBER.exec(text.slice(i)) : null;
    if (number !== null && !WORD_CHAR.test(text.charAt(i + number[0].length))) {
      tokens.push({ kind: 'number', raw: number[0], start, value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    if (c === "'") {
      const quoted = readQuoted(text, i);
      if (quoted === undefined) {
        tokens.push({ kind: 'other', raw: text.slice(i), start });
        break;
      }
      tokens.push({ kind: 'string', raw: text.slice(start, quoted.end), start, value: quoted.value, quote: "'" });
      i = quoted.end;
      continue;
    }
    if (c === '"' || c === '`' || WORD_CHAR.test(c)) {
      const identifier = readIdentifier(text, i);
      if (identifier === undefined) {
        tokens.push({ kind: 'other', raw: text.slice(i), start });
        break;
      }
      tokens.push(identifier.token);
      i = identifier.end;
      continue;
    }
    tokens.push({ kind: 'other', raw: c, start });
    i++;
  }
  return tokens;
}

/** A `-` starts a number only where a value may stand, so `a-1` is not read as `a`, `-1`. */
function startsNumber(text: string, i: number, previous: Token | undefined): boolean {
  const c = text.charAt(i);
  if (/[0-9.]/.test(c)) return true;
  if (c !== '-') return false;
  return previous === undefined || previous.kind === 'operator' || previous.kind === 'punctuation';
}

/**
 * Reads a quoted run starting at `i` (the opening quote). A doubled quote (SQL) or a
 * backslash before the quote or before another backslash stands for that character; any other
 * backslash is kept as written, so Windows paths survive.
 */
function readQuoted(text: string, i: number): { value: string; end: number } | undefined {
  const quote = text.charAt(i);
  let value = '';
  let j = i + 1;
  while (j < text.length) {
    const c = text.charAt(j);
    if (c === '\\' && (text.charAt(j + 1) === quote || text.charAt(j + 1) === '\\')) {
      value += text.charAt(j + 1);
      j += 2;
    } else if (c === quote && text.charAt(j + 1) === quote) {
      value += quote;
      j += 2;
    } else if (c === quote) {
      return { value, end: j + 1 };
    } else {
      value += c;
      j++;
    }
  }
  return undefined;
}

/**
 * Reads `part(.part)*` where a part is a bare word, a backticked or a double-quoted run, with
 * no space around the dots. A lone double-quoted run is a string: whether it names a key or is
 * a value depends on where it stands, which the clause parser decides.
 */
function readIdentifier(text: string, i: number): { token: Token; end: number } | undefined {
  const parts: IdentifierPart[] = [];
  let j = i;
  for (;;) {
    const c = text.charAt(j);
    if (c === '`' || c === '"') {
      const quoted = readQuoted(text, j);
      if (quoted === undefined) return undefined;
      parts.push({ text: quoted.value, quoted: true });
      j = quoted.end;
    } else if (WORD_CHAR.test(c)) {
      let k = j;
      while (k < text.length && WORD_CHAR.test(text.charAt(k))) k++;
      parts.push({ text: text.slice(j, k), quoted: false });
      j = k;
    } else {
      break;
    }
    const next = text.charAt(j + 1);
    if (text.charAt(j) !== '.' || !(next === '`' || next === '"' || WORD_CHAR.test(next))) break;
    j++;
  }
  const raw = text.slice(i, j);
  const first = parts[0];
  if (parts.length === 1 && first !== undefined && raw.startsWith('"')) {
    return { token: { kind: 'string', raw, start: i, value: first.text, quote: '"' }, end: j };
  }
  return { token: { kind: 'identifier', raw, start: i, parts }, end: j };
}

/** The word a token spells in upper case (`and` -> `AND`), or undefined when it is no bare word. */
export function keywordOf(token: Token | undefined): string | undefined {
  if (token?.kind !== 'identifier' || token.parts.length !== 1 || token.parts[0]?.quoted) return undefined;
  return token.raw.toUpperCase();
}
