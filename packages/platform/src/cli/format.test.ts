import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { formatBytes, formatDuration, formatTime, renderDetails, renderSection, renderTable } from './format.js';

describe('CLI output formats', () => {
  test('tables align columns under their headers, right-align numbers, mark empty cells and cut long ones', () => {
    const rows = [
      { id: '1', name: 'a', size: 5, note: 'x'.repeat(30) },
      { id: '22', name: 'longer name', size: 12345, note: undefined },
    ];
    const table = renderTable(rows, [
      { header: 'ID', value: (r) => r.id },
      { header: 'NAME', value: (r) => r.name },
      { header: 'SIZE', value: (r) => r.size, align: 'right' },
      { header: 'NOTE', value: (r) => r.note, maxWidth: 10 },
    ]);
    assert.equal(
      table,
      ['ID  NAME          SIZE  NOTE', '1   a                5  xxxxxxxxx…', '22  longer name  12345  -'].join('\n'),
    );
  });

  test('cells stay on one line', () => {
    assert.equal(renderTable([{ v: 'a\nb\tc' }], [{ header: 'V', value: (r) => r.v }]), 'V\na b c');
  });

  test('details align their values and skip missing ones; sections say (none)', () => {
    assert.equal(
      renderDetails([
        ['Name', 'churn'],
        ['Description', undefined],
        ['Last updated', 'now'],
      ]),
      'Name:          churn\nLast updated:  now',
    );
    assert.equal(renderSection('Tags', [], [{ header: 'KEY', value: () => '' }]), '\n\nTags:\n  (none)');
  });

  test('timestamps are local times in ISO order; unset ones are a dash', () => {
    const ms = new Date(2024, 0, 2, 3, 4, 5).getTime();
    assert.equal(formatTime(ms), '2024-01-02 03:04:05');
    assert.equal(formatTime(undefined), '-');
    assert.equal(formatTime(0), '-');
  });

  test('durations and sizes use readable units', () => {
    assert.equal(formatDuration(850), '850ms');
    assert.equal(formatDuration(12_340), '12.3s');
    assert.equal(formatDuration(65_000), '1m05s');
    assert.equal(formatDuration(7_380_000), '2h03m');
    assert.equal(formatBytes(512), '512 B');
    assert.equal(formatBytes(1536), '1.5 KiB');
    assert.equal(formatBytes(3 * 1024 * 1024), '3.0 MiB');
  });
});
