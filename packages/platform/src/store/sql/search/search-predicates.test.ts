import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import type { StringOperator } from '../../../search/index.js';
import { createTestDatabase, type TestDatabase, testBackend } from '../../../testing/test-databases.js';
import { openSqlDatabase } from '../open-database.js';
import type { SqlDatabase } from '../sql-database.js';
import { compareList, compareNumber, compareString } from './search-predicates.js';

interface Schema {
  words: { w: string; n: number };
}

const WORDS = [
  'Apple',
  'apple',
  'APPLE pie',
  'a%b',
  'a_b',
  'axb',
  'a*b',
  'a?b',
  'a[b]',
  "it's",
  'back\\slash',
  'Éclair',
];

describe(`search predicates on ${testBackend()}`, () => {
  let database: SqlDatabase<Schema>;
  let target: TestDatabase;
  const dir = mkdtempSync(join(tmpdir(), 'keel-predicates-'));

  before(async () => {
    target = await createTestDatabase(dir);
    database = await openSqlDatabase<Schema>(target.uri, dir);
    await database.db.schema.createTable('words').addColumn('w', 'text').addColumn('n', 'integer').execute();
    await database.db
      .insertInto('words')
      .values(WORDS.map((w, n) => ({ w, n })))
      .execute();
  });
  after(async () => {
    await database.close();
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  async function match(operator: StringOperator, value: string): Promise<string[]> {
    const rows = await database.db
      .selectFrom('words')
      .select('w')
      .where(compareString(database.dialect, sql.ref('w'), operator, value))
      .orderBy('n')
      .execute();
    return rows.map((r) => r.w);
  }

  it('compares = and != case-sensitively', async () => {
    assert.deepEqual(await match('=', 'apple'), ['apple']);
    assert.equal((await match('!=', 'apple')).length, WORDS.length - 1);
  });

  it('matches LIKE case-sensitively and ILIKE case-insensitively', async () => {
    assert.deepEqual(await match('LIKE', 'app%'), ['apple']);
    assert.deepEqual(await match('LIKE', 'A%'), ['Apple', 'APPLE pie']);
    assert.deepEqual(await match('ILIKE', 'apple%'), ['Apple', 'apple', 'APPLE pie']);
    assert.deepEqual(await match('ILIKE', 'APPL_'), ['Apple', 'apple']);
  });

  it('treats GLOB metacharacters in LIKE values as literals', async () => {
    assert.deepEqual(await match('LIKE', 'a*b'), ['a*b']);
    assert.deepEqual(await match('LIKE', 'a?b'), ['a?b']);
    assert.deepEqual(await match('LIKE', 'a[b]'), ['a[b]']);
    assert.deepEqual(await match('LIKE', 'a[%'), ['a[b]']);
  });

  it('keeps % and _ wildcards unless escaped with a backslash', async () => {
    assert.deepEqual(await match('LIKE', 'a_b'), ['a%b', 'a_b', 'axb', 'a*b', 'a?b']);
    assert.deepEqual(await match('LIKE', 'a\\_b'), ['a_b']);
    assert.deepEqual(await match('ILIKE', 'A\\%B'), ['a%b']);
    assert.deepEqual(await match('LIKE', 'back\\\\slash'), ['back\\slash']);
  });

  it('binds quotes and SQL fragments as data', async () => {
    assert.deepEqual(await match('=', "it's"), ["it's"]);
    assert.deepEqual(await match('=', "x' OR '1'='1"), []);
    assert.deepEqual(await match('LIKE', "%' OR 1=1 --"), []);
  });

  it('compares numbers and lists', async () => {
    const numbers = await database.db
      .selectFrom('words')
      .select('n')
      .where(compareNumber(sql.ref('n'), '>=', 10))
      .execute();
    assert.deepEqual(
      numbers.map((r) => r.n),
      [10, 11],
    );
    const inList = await database.db
      .selectFrom('words')
      .select('w')
      .where(compareList(sql.ref('w'), 'IN', ['axb', 'nope']))
      .execute();
    assert.deepEqual(
      inList.map((r) => r.w),
      ['axb'],
    );
    const none = await database.db
      .selectFrom('words')
      .select('w')
      .where(compareList(sql.ref('w'), 'IN', []))
      .execute();
    assert.equal(none.length, 0);
    const all = await database.db
      .selectFrom('words')
      .select('w')
      .where(compareList(sql.ref('w'), 'NOT IN', []))
      .execute();
    assert.equal(all.length, WORDS.length);
  });
});
