import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { contentDisposition, guessContentType } from './artifact-download.js';

describe('guessContentType', () => {
  it('serves MLflow text extensions and MLmodel/mlproject as text/plain', () => {
    const text =
      'txt log err cfg conf cnf cf ini properties prop hocon toml yaml yml xml json js py py3 csv tsv md rst';
    for (const extension of text.split(' ')) {
      assert.equal(guessContentType(`file.${extension}`), 'text/plain', extension);
    }
    assert.equal(guessContentType('MLmodel'), 'text/plain');
    assert.equal(guessContentType('mlproject'), 'text/plain');
  });

  it('falls back to the standard MIME table, case-insensitively, then to octet-stream, never adding a charset', () => {
    assert.equal(guessContentType('plot.png'), 'image/png');
    assert.equal(guessContentType('PLOT.PNG'), 'image/png');
    assert.equal(guessContentType('report.html'), 'text/html');
    assert.equal(guessContentType('icon.svg'), 'image/svg+xml');
    assert.equal(guessContentType('DATA.CSV'), 'text/csv');
    assert.equal(guessContentType('model.pkl'), 'application/octet-stream');
    assert.equal(guessContentType('weights'), 'application/octet-stream');
    assert.equal(guessContentType('.bashrc'), 'application/octet-stream');
    assert.equal(guessContentType('mlmodel'), 'application/octet-stream');
  });

  it('looks through compression suffixes as Python does', () => {
    assert.equal(guessContentType('model.tar.gz'), 'application/x-tar');
    assert.equal(guessContentType('bundle.tgz'), 'application/x-tar');
    assert.equal(guessContentType('data.gz'), 'application/octet-stream');
  });
});

describe('contentDisposition', () => {
  it('writes a bare token when it can, as Werkzeug does', () => {
    assert.equal(contentDisposition('hello.txt'), 'attachment; filename=hello.txt');
    assert.equal(contentDisposition('MLmodel'), 'attachment; filename=MLmodel');
  });

  it('quotes and escapes otherwise', () => {
    assert.equal(contentDisposition('my file.txt'), 'attachment; filename="my file.txt"');
    assert.equal(contentDisposition('a"b\\c'), 'attachment; filename="a\\"b\\\\c"');
  });

  it('adds an RFC 5987 filename* for non-ASCII names, with an ASCII fallback', () => {
    assert.equal(
      contentDisposition('résumé été.txt'),
      `attachment; filename="resume ete.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%C3%A9t%C3%A9.txt`,
    );
    assert.equal(contentDisposition('日本.csv'), `attachment; filename=.csv; filename*=UTF-8''%E6%97%A5%E6%9C%AC.csv`);
  });
});
