/** @jsxRuntime automatic */
/**
 * A small Markdown renderer that builds React elements, never HTML strings: raw HTML in the
 * source shows as text, and links keep only http(s), mailto and in-page targets. Supports
 * headings, paragraphs, lists, block quotes, fenced code, inline code, bold, italic and links.
 */
import type { ReactNode } from 'react';

/** Whether a link target may be followed (no `javascript:`, `data:` or other schemes). */
export function isSafeHref(href: string): boolean {
  const trimmed = href.trim();
  if (/^(https?:|mailto:)/i.test(trimmed)) return true;
  return !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) && !trimmed.startsWith('//');
}

const INLINE = /(`[^`]+`)|(\*\*[^*]+\*\*|__[^_]+__)|(\*[^*\s][^*]*\*|_[^_\s][^_]*_)|(\[[^\]]+\]\([^)\s]+\))/;

function inline(text: string, key: string): ReactNode[] {
  const out: ReactNode[] = [];
  let rest = text;
  let i = 0;
  while (rest.length > 0) {
    const match = INLINE.exec(rest);
    if (match === null) {
      out.push(rest);
      break;
    }
    if (match.index > 0) out.push(rest.slice(0, match.index));
    const token = match[0];
    const k = `${key}-${i++}`;
    if (match[1]) out.push(<code key={k}>{token.slice(1, -1)}</code>);
    else if (match[2]) out.push(<strong key={k}>{inline(token.slice(2, -2), k)}</strong>);
    else if (match[3]) out.push(<em key={k}>{inline(token.slice(1, -1), k)}</em>);
    else {
      const link = /^\[([^\]]+)\]\(([^)\s]+)\)$/.exec(token) as RegExpExecArray;
      const href = link[2] as string;
      out.push(
        isSafeHref(href) ? (
          <a key={k} href={href} target="_blank" rel="noopener noreferrer nofollow">
            {inline(link[1] as string, k)}
          </a>
        ) : (
          token
        ),
      );
    }
    rest = rest.slice(match.index + token.length);
  }
  return out;
}

/** Renders Markdown source as React elements. */
export function Markdown({ source }: { source: string }) {
  const lines = source.replace(/\r\n?/g, '\n').split('\n');
  const blocks: ReactNode[] = [];
  let i = 0;
  let n = 0;
  while (i < lines.length) {
    const line = lines[i] as string;
    const key = `b${n++}`;
    if (line.trim() === '') {
      i++;
      continue;
    }
    const fence = /^```/.exec(line);
    if (fence) {
      const code: string[] = [];
      i++;
      while (i < lines.length && !/^```/.test(lines[i] as string)) code.push(lines[i++] as string);
      i++;
      blocks.push(
        <pre key={key}>
          <code>{code.join('\n')}</code>
        </pre>,
      );
      continue;
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line);
    if (heading) {
      const level = Math.min((heading[1] as string).length + 1, 6);
      const Tag = `h${level}` as 'h2';
      blocks.push(<Tag key={key}>{inline(heading[2] as string, key)}</Tag>);
      i++;
      continue;
    }
    if (/^\s*([-*+]|\d+\.)\s+/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: ReactNode[] = [];
      while (i < lines.length && /^\s*([-*+]|\d+\.)\s+/.test(lines[i] as string)) {
        const text = (lines[i] as string).replace(/^\s*([-*+]|\d+\.)\s+/, '');
        items.push(<li key={`${key}-${items.length}`}>{inline(text, `${key}-${items.length}`)}</li>);
        i++;
      }
      blocks.push(ordered ? <ol key={key}>{items}</ol> : <ul key={key}>{items}</ul>);
      continue;
    }
    if (/^>\s?/.test(line)) {
      const quoted: string[] = [];
      while (i < lines.length && /^>\s?/.test(lines[i] as string))
        quoted.push((lines[i++] as string).replace(/^>\s?/, ''));
      blocks.push(<blockquote key={key}>{inline(quoted.join(' '), key)}</blockquote>);
      continue;
    }
    const paragraph: string[] = [];
    while (
      i < lines.length &&
      (lines[i] as string).trim() !== '' &&
      !/^(```|#{1,6}\s|>|\s*([-*+]|\d+\.)\s)/.test(lines[i] as string)
    ) {
      paragraph.push(lines[i++] as string);
    }
    if (paragraph.length === 0) paragraph.push(lines[i++] as string);
    blocks.push(<p key={key}>{inline(paragraph.join(' '), key)}</p>);
  }
  return <div className="markdown">{blocks}</div>;
}
