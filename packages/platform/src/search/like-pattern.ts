/**
 * LIKE patterns as Keel defines them on every database: `%` any run of characters, `_` one
 * character, and `\` makes the next character literal (`\%`, `\_`, `\\`; a trailing `\` is
 * itself literal). PostgreSQL's LIKE uses the same escape by default; SQLite has no default
 * escape and folds ASCII case in LIKE, so the SQL layer renders patterns per dialect from the
 * parsed form here.
 */

/** One element of a parsed pattern. */
export type LikePiece =
  | { readonly kind: 'literal'; readonly text: string }
  | { readonly kind: 'any' }
  | { readonly kind: 'one' };

/** Parses a LIKE pattern into literals and wildcards. */
export function parseLikePattern(pattern: string): LikePiece[] {
  const pieces: LikePiece[] = [];
  let literal = '';
  const flush = () => {
    if (literal !== '') pieces.push({ kind: 'literal', text: literal });
    literal = '';
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charAt(i);
    if (c === '\\' && i + 1 < pattern.length) {
      literal += pattern.charAt(++i);
    } else if (c === '%' || c === '_') {
      flush();
      pieces.push({ kind: c === '%' ? 'any' : 'one' });
    } else {
      literal += c;
    }
  }
  flush();
  return pieces;
}

/**
 * Renders a pattern for SQLite's case-sensitive GLOB: `*` and `?` are the wildcards and every
 * GLOB metacharacter of a literal (`*`, `?`, `[`) is wrapped in a one-character class.
 */
export function toGlobPattern(pieces: readonly LikePiece[]): string {
  return pieces
    .map((p) => {
      if (p.kind === 'any') return '*';
      if (p.kind === 'one') return '?';
      return p.text.replace(/[*?[]/g, (m) => `[${m}]`);
    })
    .join('');
}

/** The escape character `toEscapedLikePattern` uses; SQL must say `ESCAPE '\'`. */
export const LIKE_ESCAPE = '\\';

/** Renders a pattern for `LIKE ... ESCAPE '\'`, escaping `%`, `_` and `\` in literals. */
export function toEscapedLikePattern(pieces: readonly LikePiece[]): string {
  return pieces
    .map((p) => {
      if (p.kind === 'any') return '%';
      if (p.kind === 'one') return '_';
      return p.text.replace(/[%_\\]/g, (m) => `\\${m}`);
    })
    .join('');
}
