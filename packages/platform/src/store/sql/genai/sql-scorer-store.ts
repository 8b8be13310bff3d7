/**
 * The SQL implementation of `ScorerStore`: one `scorers` row per name in an experiment (its
 * scorer_id stays the same across versions) and one `scorer_versions` row per registration.
 * Registering holds the scorer's row lock, so concurrent registrations get distinct versions.
 */
import { notFound, type ScorerVersion } from '@keel/contract';
import { sql } from 'kysely';
import { newScorerId } from '../../../genai/ids.js';
import type { ScorerStore } from '../../scorer-store.js';
import { sqlDialect } from '../dialect.js';
import { migrateToLatest } from '../migrations/index.js';
import type { SqlDatabase } from '../sql-database.js';
import { type GenAiContext, type GenAiDb, type GenAiStoreOptions, requireExperiments } from './context.js';
import type { GenAiSchema } from './schema.js';

interface VersionRow {
  scorer_id: string;
  experiment_id: number;
  scorer_name: string;
  scorer_version: number;
  serialized_scorer: string;
  creation_time: number;
}

function toScorer(row: VersionRow): ScorerVersion {
  return {
    experiment_id: Number(row.experiment_id),
    scorer_name: row.scorer_name,
    scorer_version: Number(row.scorer_version),
    serialized_scorer: row.serialized_scorer,
    creation_time: Number(row.creation_time),
    scorer_id: row.scorer_id,
  };
}

function versions(db: GenAiDb) {
  return db
    .selectFrom('scorer_versions as v')
    .innerJoin('scorers as s', 's.scorer_id', 'v.scorer_id')
    .select([
      's.scorer_id',
      's.experiment_id',
      's.scorer_name',
      'v.scorer_version',
      'v.serialized_scorer',
      'v.creation_time',
    ]);
}

function scorerNotFound(name: string, experimentId: string, version?: number): Error {
  return notFound(
    version === undefined
      ? `Scorer with name '${name}' not found for experiment ${experimentId}.`
      : `Scorer with name '${name}' and version ${version} not found for experiment ${experimentId}.`,
  );
}

export class SqlScorerStore implements ScorerStore {
  private readonly ctx: GenAiContext;

  private constructor(database: SqlDatabase<GenAiSchema>, options: GenAiStoreOptions) {
    const now = options.now ?? Date.now;
    this.ctx = Object.freeze({ database, now });
  }

  /**
   * Applies pending migrations and returns the store; the caller keeps owning the database.
   *
   * @example
   * const scorers = await SqlScorerStore.open(database);
   */
  static async open(database: SqlDatabase<GenAiSchema>, options: GenAiStoreOptions = {}): Promise<SqlScorerStore> {
    await migrateToLatest(database as SqlDatabase<unknown>);
    return new SqlScorerStore(database, options);
  }

  async registerScorer(experimentId: string, name: string, serializedScorer: string): Promise<ScorerVersion> {
    const rules = sqlDialect(this.ctx.database.dialect);
    const now = this.ctx.now();
    return this.ctx.database.transaction(async (db) => {
      const [experiment] = await requireExperiments(db, [experimentId]);
      const id = experiment as number;
      await db
        .insertInto('scorers')
        .values({ scorer_id: newScorerId(), experiment_id: id, scorer_name: name })
        .onConflict((oc) => oc.columns(['experiment_id', 'scorer_name']).doNothing())
        .execute();
      const scorer = await rules
        .lockRows(db.selectFrom('scorers').selectAll().where('experiment_id', '=', id).where('scorer_name', '=', name))
        .executeTakeFirstOrThrow();
      const { latest } = await db
        .selectFrom('scorer_versions')
        .select(sql<number | null>`max(scorer_version)`.as('latest'))
        .where('scorer_id', '=', scorer.scorer_id)
        .executeTakeFirstOrThrow();
      const row = {
        scorer_id: scorer.scorer_id,
        scorer_version: Number(latest ?? 0) + 1,
        serialized_scorer: serializedScorer,
        creation_time: now,
      };
      await db.insertInto('scorer_versions').values(row).execute();
      return toScorer({ ...row, experiment_id: id, scorer_name: name });
    });
  }

  async listScorers(experimentId: string): Promise<ScorerVersion[]> {
    return this.ctx.database.read(async (db) => {
      const [id] = await requireExperiments(db, [experimentId]);
      const rows = await versions(db)
        .where('s.experiment_id', '=', id as number)
        .where(
          'v.scorer_version',
          '=',
          sql<number>`(select max(v2.scorer_version) from scorer_versions v2 where v2.scorer_id = v.scorer_id)`,
        )
        .orderBy('s.scorer_name')
        .execute();
      return rows.map(toScorer);
    });
  }

  async listScorerVersions(experimentId: string, name: string): Promise<ScorerVersion[]> {
    return this.ctx.database.read(async (db) => {
      const [id] = await requireExperiments(db, [experimentId]);
      const rows = await versions(db)
        .where('s.experiment_id', '=', id as number)
        .where('s.scorer_name', '=', name)
        .orderBy('v.scorer_version')
        .execute();
      if (rows.length === 0) throw scorerNotFound(name, experimentId);
      return rows.map(toScorer);
    });
  }

  async getScorer(experimentId: string, name: string, version?: number): Promise<ScorerVersion> {
    return this.ctx.database.read(async (db) => {
      const [id] = await requireExperiments(db, [experimentId]);
      let query = versions(db)
        .where('s.experiment_id', '=', id as number)
        .where('s.scorer_name', '=', name);
      if (version !== undefined) query = query.where('v.scorer_version', '=', version);
      const row = await query.orderBy('v.scorer_version', 'desc').limit(1).executeTakeFirst();
      if (row === undefined) throw scorerNotFound(name, experimentId, version);
      return toScorer(row);
    });
  }

  async deleteScorer(experimentId: string, name: string, version?: number): Promise<void> {
    await this.ctx.database.transaction(async (db) => {
      const [id] = await requireExperiments(db, [experimentId]);
      const scorer = await db
        .selectFrom('scorers')
        .select('scorer_id')
        .where('experiment_id', '=', id as number)
        .where('scorer_name', '=', name)
        .executeTakeFirst();
      if (scorer === undefined) throw scorerNotFound(name, experimentId, version);
      if (version !== undefined) {
        const deleted = await db
          .deleteFrom('scorer_versions')
          .where('scorer_id', '=', scorer.scorer_id)
          .where('scorer_version', '=', version)
          .executeTakeFirst();
        if (Number(deleted.numDeletedRows) === 0) throw scorerNotFound(name, experimentId, version);
        const left = await db
          .selectFrom('scorer_versions')
          .select('scorer_version')
          .where('scorer_id', '=', scorer.scorer_id)
          .limit(1)
          .executeTakeFirst();
        if (left !== undefined) return;
      }
      // Without versions the scorer is gone; a new registration starts again at version 1.
      await db.deleteFrom('scorers').where('scorer_id', '=', scorer.scorer_id).execute();
    });
  }
}
