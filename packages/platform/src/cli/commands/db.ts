/** `keel db upgrade`: applies pending schema migrations to a backend store. */
import type { Command } from 'commander';
import type { CliIo } from '../output.js';

export function registerDbCommand(program: Command, io: CliIo): void {
  const db = program.command('db').description('Manage the backend store database');
  db.command('upgrade')
    .description('Apply every pending schema migration to the database at URL (back it up first)')
    .argument('<url>', 'backend store URI, e.g. sqlite:///mlflow.db or postgresql://user:password@host:5432/db')
    .addHelpText(
      'after',
      '\nSeveral servers or upgrades may run at once: a database lock lets one migrate. A database\n' +
        'migrated by a newer Keel is refused.\n\nExamples:\n  keel db upgrade sqlite:///mlflow.db\n' +
        '  keel db upgrade postgresql://keel:secret@db.internal:5432/keel',
    )
    .action(async (url: string) => {
      const [{ migrateToLatest }, { openSqlDatabase }, { checkStoreUri }] = await Promise.all([
        import('../../store/sql/migrations/index.js'),
        import('../../store/sql/open-database.js'),
        import('../../config/store-uri-check.js'),
      ]);
      const database = await openSqlDatabase(checkStoreUri('keel db upgrade', url), process.cwd());
      try {
        const report = await migrateToLatest(database);
        if (report.applied.length === 0) io.out(`Database is up to date (schema ${report.current}).`);
        else
          io.out(
            `Applied ${report.applied.length} migration(s): ${report.applied.join(', ')}. Schema is now ${report.current}.`,
          );
      } finally {
        await database.close();
      }
    });
}
