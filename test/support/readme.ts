// The fenced code blocks of a Markdown file, each with its language, its line and the HTML
// comment right before it (how a README marks a block illustrative, or names the file it is).
import { readFileSync } from 'node:fs';

export interface CodeBlock {
  readonly file: string;
  /** 1-based line of the opening fence. */
  readonly line: number;
  readonly lang: string;
  readonly code: string;
  /** The text of a one-line `<!-- ... -->` comment on the last non-blank line before the fence. */
  readonly marker: string | undefined;
}

/** Reads every fenced block of `file` (``` fences; `label` names the file in messages). */
export function codeBlocks(file: string, label: string = file): CodeBlock[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const blocks: CodeBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```([\w-]*)\s*$/.exec(lines[i] as string);
    if (!open) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] as string)) end++;
    let before = i - 1;
    while (before >= 0 && (lines[before] as string).trim() === '') before--;
    const comment = before >= 0 ? /^<!--\s*(.*?)\s*-->$/.exec((lines[before] as string).trim()) : null;
    blocks.push({
      file: label,
      line: i + 1,
      lang: open[1] ?? '',
      code: lines.slice(i + 1, end).join('\n'),
      marker: comment?.[1],
    });
    i = end;
  }
  return blocks;
}
