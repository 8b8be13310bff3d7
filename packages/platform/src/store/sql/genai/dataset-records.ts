/**
 * Records of evaluation datasets: upsert keyed by the inputs' hash, pages in creation order
 * (keyset paging on `(created_time, dataset_record_id)`), deletion by id. An upsert holds the
 * dataset's row lock, so concurrent upserts of one dataset apply one after the other and the
 * schema, profile and digest always describe every record.
 */
import { type DatasetRecord, type DatasetRecordSource, invalidParameter, invalidParameterValue } from '@keel/contract';
import { sql } from 'kysely';
import {
  canonicalJson,
  type DatasetRecordInput,
  datasetDigest,
  inputHash,
  toPythonJson,
} from '../../../genai/dataset-json.js';
import { mergeSchema, readSchema } from '../../../genai/dataset-schema.js';
import { newDatasetRecordId } from '../../../genai/ids.js';
import type { UpsertResult } from '../../evaluation-dataset-store.js';
import type { Page } from '../../tracking-store.js';
import { sqlDialect } from '../dialect.js';
import { datasetMissing, type GenAiContext } from './context.js';
import type { EvaluationDatasetRecordsTable } from './schema.js';

const DEFAULT_PAGE_SIZE = 1000;
const MAX_PAGE_SIZE = 10_000;

type JsonObject = Record<string, unknown>;

function parseObject(text: string | null): JsonObject {
  if (text === null) return {};
  const value = JSON.parse(text) as unknown;
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as JsonObject) : {};
}

/** A record as a client will see it: the stored JSON parsed back. */
function toRecord(row: EvaluationDatasetRecordsTable): DatasetRecord {
  const source = row.source === null ? undefined : (JSON.parse(row.source) as DatasetRecordSource);
  return {
    dataset_record_id: row.dataset_record_id,
    dataset_id: row.dataset_id,
    inputs: parseObject(row.inputs),
    expectations: parseObject(row.expectations),
    tags: parseObject(row.tags) as Record<string, string>,
    ...(source === undefined ? {} : { source, source_type: source.source_type }),
    created_time: Number(row.created_time),
    last_update_time: Number(row.last_update_time),
    ...(row.created_by === null ? {} : { created_by: row.created_by }),
    ...(row.last_updated_by === null ? {} : { last_updated_by: row.last_updated_by }),
    outputs: parseObject(row.outputs),
  };
}

interface PendingRecord {
  row: EvaluationDatasetRecordsTable;
  isNew: boolean;
}

function merged(
  row: EvaluationDatasetRecordsTable,
  record: DatasetRecordInput,
  now: number,
): EvaluationDatasetRecordsTable {
  return {
    ...row,
    expectations: canonicalJson({ ...parseObject(row.expectations), ...(record.expectations ?? {}) }),
    tags: canonicalJson({ ...parseObject(row.tags), ...(record.tags ?? {}) }),
    ...(record.outputs === undefined ? {} : { outputs: canonicalJson(record.outputs) }),
    ...(record.source === undefined ? {} : { source: canonicalJson(record.source) }),
    last_update_time: now,
  };
}

export async function upsertRecords(
  ctx: GenAiContext,
  datasetId: string,
  records: readonly DatasetRecordInput[],
): Promise<UpsertResult> {
  const rules = sqlDialect(ctx.database.dialect);
  return ctx.database.transaction(async (db) => {
    const dataset = await rules
      .lockRows(db.selectFrom('evaluation_datasets').selectAll().where('dataset_id', '=', datasetId))
      .executeTakeFirst();
    if (dataset === undefined) throw datasetMissing(datasetId);
    // Strictly after the last change, so the digest (made from this time) always changes.
    const now = Math.max(ctx.now(), Number(dataset.last_update_time) + 1);
    const byHash = new Map<string, PendingRecord>();
    const hashes = [...new Set(records.map((r) => inputHash(r.inputs)))];
    for (let i = 0; i < hashes.length; i += 500) {
      const existing = await db
        .selectFrom('evaluation_dataset_records')
        .selectAll()
        .where('dataset_id', '=', datasetId)
        .where('input_hash', 'in', hashes.slice(i, i + 500))
        .execute();
      for (const row of existing) byHash.set(row.input_hash, { row, isNew: false });
    }
    let inserted = 0;
    let updated = 0;
    for (const record of records) {
      const hash = inputHash(record.inputs);
      const pending = byHash.get(hash);
      if (pending !== undefined) {
        pending.row = merged(pending.row, record, now);
        updated++;
        continue;
      }
      byHash.set(hash, {
        isNew: true,
        row: {
          dataset_record_id: newDatasetRecordId(now),
          dataset_id: datasetId,
          input_hash: hash,
          inputs: canonicalJson(record.inputs),
          outputs: canonicalJson(record.outputs ?? {}),
          expectations: canonicalJson(record.expectations ?? {}),
          tags: canonicalJson(record.tags ?? {}),
          source: record.source === undefined ? null : canonicalJson(record.source),
          created_time: now,
          last_update_time: now,
          created_by: null,
          last_updated_by: null,
        },
      });
      inserted++;
    }
    const rows = [...byHash.values()];
    const fresh = rows.filter((p) => p.isNew).map((p) => p.row);
    for (let i = 0; i < fresh.length; i += 200) {
      await db
        .insertInto('evaluation_dataset_records')
        .values(fresh.slice(i, i + 200))
        .execute();
    }
    for (const { row } of rows.filter((p) => !p.isNew)) {
      await db
        .updateTable('evaluation_dataset_records')
        .set({
          outputs: row.outputs,
          expectations: row.expectations,
          tags: row.tags,
          source: row.source,
          last_update_time: now,
        })
        .where('dataset_record_id', '=', row.dataset_record_id)
        .execute();
    }
    const { count } = await db
      .selectFrom('evaluation_dataset_records')
      .select(sql<number>`count(*)`.as('count'))
      .where('dataset_id', '=', datasetId)
      .executeTakeFirstOrThrow();
    const schema = mergeSchema(
      readSchema(dataset.schema),
      rows.map(({ row }) => ({
        inputs: parseObject(row.inputs),
        outputs: parseObject(row.outputs),
        expectations: parseObject(row.expectations),
      })),
    );
    await db
      .updateTable('evaluation_datasets')
      .set({
        schema: toPythonJson(schema),
        profile: toPythonJson({ num_records: Number(count) }),
        digest: datasetDigest(dataset.name, now),
        last_update_time: now,
        // A record upsert is not attributed to anyone (MLflow clears the field too).
        last_updated_by: null,
      })
      .where('dataset_id', '=', datasetId)
      .execute();
    return { inserted_count: inserted, updated_count: updated };
  });
}

interface RecordCursor {
  readonly time: number;
  readonly id: string;
}

function encodeCursor(cursor: RecordCursor): string {
  return Buffer.from(`${cursor.time}:${cursor.id}`).toString('base64');
}

function decodeCursor(token: string): RecordCursor {
  const text = Buffer.from(token, 'base64').toString('utf8');
  const match = /^(\d{1,16}):(dr-[0-9a-f]{32})$/.exec(text);
  if (match === null || Buffer.from(text).toString('base64') !== token) {
    throw invalidParameter(`Invalid page token '${token}'.`);
  }
  return { time: Number(match[1]), id: match[2] as string };
}

function pageSize(maxResults: number | undefined): number {
  if (maxResults === undefined || maxResults === 0) return DEFAULT_PAGE_SIZE;
  if (maxResults < 0 || maxResults > MAX_PAGE_SIZE) {
    throw invalidParameterValue('max_results', maxResults, `It must be between 1 and ${MAX_PAGE_SIZE}.`);
  }
  return maxResults;
}

export async function getRecords(
  ctx: GenAiContext,
  datasetId: string,
  page: { readonly max_results?: number; readonly page_token?: string },
): Promise<Page<DatasetRecord>> {
  const limit = pageSize(page.max_results);
  const cursor = page.page_token ? decodeCursor(page.page_token) : undefined;
  const rows = await ctx.database.read((db) => {
    let query = db.selectFrom('evaluation_dataset_records').selectAll().where('dataset_id', '=', datasetId);
    if (cursor !== undefined) {
      query = query.where((eb) =>
        eb.or([
          eb('created_time', '>', cursor.time),
          eb.and([eb('created_time', '=', cursor.time), eb('dataset_record_id', '>', cursor.id)]),
        ]),
      );
    }
    return query
      .orderBy('created_time')
      .orderBy('dataset_record_id')
      .limit(limit + 1)
      .execute();
  });
  const items = rows.slice(0, limit).map(toRecord);
  const last = rows[limit - 1];
  if (rows.length <= limit || last === undefined) return { items };
  return { items, next_page_token: encodeCursor({ time: Number(last.created_time), id: last.dataset_record_id }) };
}

export async function deleteRecords(
  ctx: GenAiContext,
  datasetId: string,
  recordIds: readonly string[],
): Promise<number> {
  return ctx.database.transaction(async (db) => {
    const dataset = await db
      .selectFrom('evaluation_datasets')
      .select(['dataset_id', 'name'])
      .where('dataset_id', '=', datasetId)
      .executeTakeFirst();
    if (dataset === undefined) throw datasetMissing(datasetId);
    let deleted = 0;
    const ids = [...new Set(recordIds)];
    for (let i = 0; i < ids.length; i += 500) {
      const result = await db
        .deleteFrom('evaluation_dataset_records')
        .where('dataset_id', '=', datasetId)
        .where('dataset_record_id', 'in', ids.slice(i, i + 500))
        .executeTakeFirst();
      deleted += Number(result.numDeletedRows);
    }
    if (deleted > 0) {
      const now = ctx.now();
      const { count } = await db
        .selectFrom('evaluation_dataset_records')
        .select(sql<number>`count(*)`.as('count'))
        .where('dataset_id', '=', datasetId)
        .executeTakeFirstOrThrow();
      await db
        .updateTable('evaluation_datasets')
        .set({
          profile: toPythonJson({ num_records: Number(count) }),
          digest: datasetDigest(dataset.name, now),
          last_update_time: now,
        })
        .where('dataset_id', '=', datasetId)
        .execute();
    }
    return deleted;
  });
}
