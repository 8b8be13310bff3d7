/** Aliases: named, movable pointers to one version of a registered model. */
import { invalidParameter, type ModelVersion } from '@keel/contract';
import type { Actor } from '../../registry-store.js';
import { recordEvent } from './audit.js';
import {
  DELETED_STAGE,
  type RegistryContext,
  type RegistryDb,
  requireModelVersion,
  requireRegisteredModel,
} from './context.js';
import { loadVersionAliases, loadVersionTags, toModelVersion, versionKey } from './rows.js';

const ALIAS_LIMIT = 255;
// Python's `^[\w\-]*$`: Unicode letters and digits, underscore, dash.
const VALID_ALIAS = /^[\p{L}\p{N}\p{Mn}\p{Mc}_-]*$/u;
const VERSION_LIKE = /^[vV]\d+$/;

/** MLflow's alias rules; `latest` and `v<digits>` are reserved because model URIs give them meaning. */
export function validateAliasName(alias: string): void {
  if (alias === '') throw invalidParameter('Registered model alias name cannot be empty.');
  if (!VALID_ALIAS.test(alias)) {
    throw invalidParameter(
      `Invalid alias name: '${alias}'. Names may only contain alphanumerics, underscores (_), and dashes (-).`,
    );
  }
  if (alias.length > ALIAS_LIMIT) {
    throw invalidParameter(
      `Registered model alias name '${alias.slice(0, 250)}' had length ${alias.length}, which exceeded length limit of ${ALIAS_LIMIT}`,
    );
  }
  if (alias.toLowerCase() === 'latest') throw invalidParameter("'latest' alias name (case insensitive) is reserved.");
  if (VERSION_LIKE.test(alias)) throw invalidParameter(`Version alias name '${alias}' is reserved.`);
}

/** Points `alias` at `version`, moving it if it pointed elsewhere. */
export async function setRegisteredModelAlias(
  ctx: RegistryContext,
  name: string,
  alias: string,
  version: string,
  actor: Actor,
): Promise<void> {
  validateAliasName(alias);
  await ctx.database.transaction(async (db) => {
    // The version is checked first, so an unknown model reads as an unknown version (MLflow's message).
    const row = await requireModelVersion(db, name, version);
    const previous = await db
      .selectFrom('registered_model_aliases')
      .select('version')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (previous?.version === row.version) return;
    await db
      .insertInto('registered_model_aliases')
      .values({ name, alias, version: row.version })
      .onConflict((oc) => oc.columns(['name', 'alias']).doUpdateSet({ version: row.version }))
      .execute();
    const details: Record<string, string> = { alias };
    if (previous !== undefined) details.previous_version = String(previous.version);
    await recordEvent(db, ctx.now(), actor, { kind: 'set_alias', name, version: row.version, details });
  });
}

/** Removes an alias; a missing alias is not an error. */
export async function deleteRegisteredModelAlias(
  ctx: RegistryContext,
  name: string,
  alias: string,
  actor: Actor,
): Promise<void> {
  validateAliasName(alias);
  await ctx.database.transaction(async (db) => {
    await requireRegisteredModel(db, name);
    const removed = await db
      .deleteFrom('registered_model_aliases')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .returning('version')
      .executeTakeFirst();
    if (removed !== undefined) {
      await recordEvent(db, ctx.now(), actor, {
        kind: 'delete_alias',
        name,
        version: removed.version,
        details: { alias },
      });
    }
  });
}

async function aliasedVersion(db: RegistryDb, name: string, alias: string): Promise<number> {
  // `latest` names the newest live version. MLflow answers the first entry of its per-stage
  // latest list instead, which is not the newest when several stages are in use.
  if (alias.toLowerCase() === 'latest') {
    const newest = await db
      .selectFrom('model_versions')
      .select('version')
      .where('name', '=', name)
      .where('current_stage', '<>', DELETED_STAGE)
      .orderBy('version', 'desc')
      .limit(1)
      .executeTakeFirst();
    if (newest !== undefined) return newest.version;
  } else {
    const found = await db
      .selectFrom('registered_model_aliases')
      .select('version')
      .where('name', '=', name)
      .where('alias', '=', alias)
      .executeTakeFirst();
    if (found !== undefined) return found.version;
  }
  // MLflow answers 400 here, not 404; clients rely on the code only loosely, so we keep it.
  throw invalidParameter(`Registered model alias ${alias} not found.`);
}

/** The version an alias points to, with its tags and aliases. */
export function getModelVersionByAlias(ctx: RegistryContext, name: string, alias: string): Promise<ModelVersion> {
  return ctx.database.read(async (db) => {
    await requireRegisteredModel(db, name);
    const number = await aliasedVersion(db, name, alias);
    const row = await requireModelVersion(db, name, String(number));
    const key = versionKey(row.name, row.version);
    const [tags, aliases] = await Promise.all([loadVersionTags(db, [row]), loadVersionAliases(db, [row])]);
    return toModelVersion(row, tags.get(key), aliases.get(key) ?? []);
  });
}
