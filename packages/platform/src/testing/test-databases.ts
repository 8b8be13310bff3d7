/**
 * Databases for tests: a fresh SQLite file, or a fresh database on the PostgreSQL server named
 * by `KEEL_TEST_POSTGRES_URL` (`bash .ci/pg-up.sh` starts a throwaway one; `npm test` starts it
 * itself). `KEEL_TEST_BACKEND=postgres` makes the helpers that open stores or servers use
 * PostgreSQL, so the same suites run on both databases.
 */
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';

/** The database a suite's stores live in; `drop` removes it. */
export interface TestDatabase {
  readonly uri: string;
  drop(): Promise<void>;
}

export type TestBackend = 'sqlite' | 'postgres';

/** The backend that `startTestServer` and the store helpers use: `KEEL_TEST_BACKEND`, default SQLite. */
export function testBackend(): TestBackend {
  const value = process.env.KEEL_TEST_BACKEND ?? 'sqlite';
  if (value !== 'sqlite' && value !== 'postgres') {
    throw new Error(`KEEL_TEST_BACKEND must be 'sqlite' or 'postgres', got '${value}'`);
  }
  return value;
}

/**
 * The URL of the test PostgreSQL server. A test that needs PostgreSQL fails (it does not skip)
 * when the URL is missing, so a CI run without the server cannot look green.
 */
export function testPostgresUrl(): string {
  const url = process.env.KEEL_TEST_POSTGRES_URL;
  if (url === undefined || url === '') {
    throw new Error(
      'KEEL_TEST_POSTGRES_URL is not set. Start a throwaway server with `bash .ci/pg-up.sh` and export the URL it prints ' +
        '(`npm test` does this itself when PostgreSQL 15 is installed).',
    );
  }
  return url;
}

let sequence = 0;

/** Creates an empty database on the test PostgreSQL server. */
export async function createPostgresTestDatabase(): Promise<TestDatabase> {
  const base = new URL(testPostgresUrl());
  const name = `keel_t_${process.pid}_${sequence++}_${randomBytes(3).toString('hex')}`;
  const { default: pg } = await import('pg');
  const admin = new pg.Client({ connectionString: base.href });
  try {
    await admin.connect();
  } catch (error) {
    throw new Error(`Cannot reach the test PostgreSQL server at KEEL_TEST_POSTGRES_URL (${base.host}): ${error}`);
  }
  try {
    await admin.query(`create database ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(base.href);
  url.pathname = `/${name}`;
  return {
    uri: url.href,
    async drop() {
      const client = new pg.Client({ connectionString: base.href });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A fresh database of the selected backend; a SQLite file lives in `dir` (the caller removes it). */
export async function createTestDatabase(dir: string, backend: TestBackend = testBackend()): Promise<TestDatabase> {
  if (backend === 'postgres') return createPostgresTestDatabase();
  return { uri: `sqlite:///${join(dir, 'mlflow.db')}`, drop: async () => {} };
}
