/**
 * Reading an MLflow tracking database (MLflow's SQLAlchemy schema, `mlflow/store/tracking/dbmodels`
 * and `mlflow/store/model_registry/dbmodels`): SQLite opened read-only, or PostgreSQL through `pg`
 * (loaded with `import()` only for such a URI). Tables and columns that older MLflow versions lack
 * (datasets, inputs, logged models, aliases, ...) are detected, so each part is read only when
 * the source has it.
 */
import { existsSync } from 'node:fs';
import { type Dialect, Kysely, SqliteDialect } from 'kysely';
import { fileStoreImportHint } from '../store/local-store-uri.js';
import { sqlitePathFromUri, storeScheme } from '../store/sql/open-database.js';

/** An opened MLflow database: the query builder, the columns of each table present, and how to close it. */
export interface MlflowSource {
  readonly uri: string;
  // biome-ignore lint/suspicious/noExplicitAny: MLflow's schema differs across its versions; columns are checked at run time
  readonly db: Kysely<any>;
  /** Lower-case column names by table name, for the tables that exist. */
  readonly tables: ReadonlyMap<string, ReadonlySet<string>>;
  has(table: string, column?: string): boolean;
  close(): Promise<void>;
}

/** The narrow part of `pg` used here; a variable specifier keeps bundlers and type checks off it. */
interface PgModule {
  Pool: new (config: { connectionString: string; max: number }) => unknown;
}
const PG_MODULE = 'pg';

/** The tables every MLflow tracking database has had. */
const REQUIRED_TABLES = ['experiments', 'runs', 'metrics', 'params', 'tags'];

async function openDialect(uri: string, cwd: string): Promise<Dialect> {
  const scheme = storeScheme(uri);
  if (scheme === 'sqlite') {
    const file = sqlitePathFromUri(uri, cwd);
    if (file === ':memory:' || !existsSync(file))
      throw new Error(`No MLflow database at ${file} (from --from ${uri}).`);
    const { default: Database } = await import('better-sqlite3');
    return new SqliteDialect({ database: new Database(file, { readonly: true, fileMustExist: true }) });
  }
  if (scheme === 'postgresql' || scheme === 'postgres') {
    let pg: PgModule;
    try {
      pg = ((await import(PG_MODULE)) as { default: PgModule }).default;
    } catch {
      throw new Error('Reading a PostgreSQL MLflow database needs the pg package (npm install pg@^8).');
    }
    const { PostgresDialect } = await import('kysely');
    // SQLAlchemy URIs name a driver (`postgresql+psycopg2://`); pg wants the plain scheme.
    const connectionString = uri.replace(/^postgres(ql)?(\+\w+)?:/, 'postgresql:');
    const pool = new pg.Pool({ connectionString, max: 2 }) as ConstructorParameters<typeof PostgresDialect>[0]['pool'];
    return new PostgresDialect({ pool });
  }
  if (scheme === '' || scheme === 'file') {
    // A directory: MLflow's file store, which MLflow itself converts into a database first.
    const dir = uri.replace(/^file:(\/\/)?/i, '');
    throw new Error(
      `'${uri}' is a path, MLflow's file store; keel import-mlflow reads MLflow's databases (sqlite:///path.db or postgresql://...): ${fileStoreImportHint(dir)}.`,
    );
  }
  throw new Error(`Unsupported MLflow backend store URI '${uri}': use sqlite:///path.db or postgresql://...`);
}

/**
 * Opens an MLflow backend store for reading; throws a one-line error when it is not one.
 *
 * @example
 * const source = await openMlflowSource('sqlite:///mlflow.db', process.cwd());
 */
export async function openMlflowSource(uri: string, cwd: string): Promise<MlflowSource> {
  const db = new Kysely<unknown>({ dialect: await openDialect(uri, cwd) });
  try {
    const tables = new Map<string, Set<string>>();
    for (const table of await db.introspection.getTables()) {
      tables.set(table.name.toLowerCase(), new Set(table.columns.map((c) => c.name.toLowerCase())));
    }
    if (tables.has('metric_chunks')) throw new Error(`${uri} is a Keel store, not an MLflow database.`);
    const missing = REQUIRED_TABLES.filter((t) => !tables.has(t));
    if (missing.length > 0) {
      throw new Error(`${uri} is not an MLflow tracking database: it has no ${missing.join(', ')} table(s).`);
    }
    return {
      uri,
      db,
      tables,
      has: (table, column) => {
        const columns = tables.get(table);
        return columns !== undefined && (column === undefined || columns.has(column));
      },
      close: () => db.destroy(),
    };
  } catch (error) {
    await db.destroy();
    throw error;
  }
}
