import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { sql } from 'kysely';
import { ConfinedArtifactRepository } from './artifacts/confined-artifact-repository.js';
import { fsyncFileSyncer, noFileSyncer } from './artifacts/file-sync.js';
import { createServer } from './compose.js';
import { resolveServerConfig } from './config/server-config.js';
import { openSqlDatabase } from './store/sql/open-database.js';
import { memoryLogger } from './testing/index.js';

/** SQLite's numbers for `PRAGMA synchronous`. */
const NORMAL = 1;
const FULL = 2;

describe('durability', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'keel-durability-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  async function synchronousOf(options: Parameters<typeof openSqlDatabase>[2]): Promise<number> {
    const database = await openSqlDatabase<unknown>(`sqlite:///${join(dir, 'mlflow.db')}`, dir, options);
    try {
      const { rows } = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
      return rows[0]?.synchronous ?? -1;
    } finally {
      await database.close();
    }
  }

  it('commits with synchronous=FULL by default and NORMAL when relaxed', async () => {
    assert.equal(await synchronousOf(undefined), FULL);
    assert.equal(await synchronousOf({ durability: 'durable' }), FULL);
    assert.equal(await synchronousOf({ durability: 'relaxed' }), NORMAL);
  });

  it('reads --durability / KEEL_DURABILITY once, durable by default', () => {
    assert.equal(resolveServerConfig({}, {}, dir).durability, 'durable');
    assert.equal(resolveServerConfig({}, { KEEL_DURABILITY: 'relaxed' }, dir).durability, 'relaxed');
    assert.equal(
      resolveServerConfig({ durability: 'durable' }, { KEEL_DURABILITY: 'relaxed' }, dir).durability,
      'durable',
    );
    assert.throws(() => resolveServerConfig({}, { KEEL_DURABILITY: 'sometimes' }, dir), /durable, relaxed/);
  });

  it('wires the mode into the artifact store and sweeps stale partial uploads at start', async () => {
    const destination = join(dir, 'mlartifacts');
    mkdirSync(join(destination, '1/abc/artifacts'), { recursive: true });
    const stale = join(destination, '1/abc/artifacts/.keel-partial-0123456789abcdef');
    const live = join(destination, '1/abc/artifacts/.keel-partial-fedcba9876543210');
    writeFileSync(stale, 'interrupted');
    writeFileSync(live, 'in progress');
    const longAgo = new Date(Date.now() - 24 * 60 * 60 * 1000);
    utimesSync(stale, longAgo, longAgo);
    for (const durability of ['durable', 'relaxed'] as const) {
      const config = resolveServerConfig(
        { backendStoreUri: `sqlite:///${join(dir, 'mlflow.db')}`, artifactsDestination: destination, durability },
        {},
        dir,
      );
      const logger = memoryLogger();
      const server = await createServer(config, logger, dir);
      try {
        const repository = server.deps.artifacts.proxyRepository;
        assert.ok(repository instanceof ConfinedArtifactRepository);
        assert.equal(repository.fileSync, durability === 'durable' ? fsyncFileSyncer : noFileSyncer);
      } finally {
        await server.close();
      }
      assert.equal(existsSync(stale), false);
      assert.equal(existsSync(live), true, 'a recently written partial may be a live upload');
      if (durability === 'durable') assert.match(logger.lines.join('\n'), /Removed 1 temporary file/);
    }
  });
});
