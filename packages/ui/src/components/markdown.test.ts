// Markdown descriptions render as elements, never as HTML: raw markup stays text and only safe
// link targets become links.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { isSafeHref, Markdown } from './markdown.js';

const render = (source: string) => renderToString(createElement(Markdown, { source }));

describe('<Markdown>', () => {
  it('renders headings, lists, code, emphasis and links', () => {
    const html = render(
      '# Title\n\nSome **bold** and *it* and `code`.\n\n- one\n- two\n\n```\nx < 1\n```\n[docs](https://example.com/a)',
    );
    assert.match(html, /<h2>Title<\/h2>/);
    assert.match(html, /<strong>bold<\/strong>/);
    assert.match(html, /<em>it<\/em>/);
    assert.match(html, /<code>code<\/code>/);
    assert.match(html, /<ul><li>one<\/li><li>two<\/li><\/ul>/);
    assert.match(html, /<pre><code>x &lt; 1<\/code><\/pre>/);
    assert.match(
      html,
      /<a href="https:\/\/example.com\/a" target="_blank" rel="noopener noreferrer nofollow">docs<\/a>/,
    );
  });

  it('keeps raw HTML as text and drops unsafe link targets', () => {
    const html = render(
      '<img src=x onerror=alert(1)> [x](javascript:alert(1)) [y](data:text/html,hi) <script>1</script>',
    );
    assert.doesNotMatch(html, /<img|<script|href="javascript|href="data/);
    assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
    assert.match(html.replaceAll('<!-- -->', ''), /\[x\]\(javascript:alert\(1\)\)/);
  });

  it('allows http(s), mailto and relative targets only', () => {
    assert.ok(isSafeHref('https://a'));
    assert.ok(isSafeHref('mailto:a@b'));
    assert.ok(isSafeHref('#/models'));
    assert.ok(!isSafeHref(' JavaScript:alert(1)'));
    assert.ok(!isSafeHref('vbscript:x'));
    assert.ok(!isSafeHref('//evil.example'));
  });
});
