/**
 * The schema and profile MLflow keeps on an evaluation dataset: the fields seen in its records'
 * inputs, outputs and expectations with their JSON types, and the number of records.
 */

export type FieldTypes = Record<string, string>;

/** A dataset schema (the `schema` field, in JSON). */
export interface DatasetSchema {
  readonly inputs?: FieldTypes;
  readonly outputs?: FieldTypes;
  readonly expectations?: FieldTypes;
  readonly version: '1.0';
}

const SECTIONS = ['inputs', 'outputs', 'expectations'] as const;
type Section = (typeof SECTIONS)[number];

/** The type name of a JSON value, in MLflow's words. */
export function jsonTypeName(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return 'string';
  if (typeof value === 'boolean') return 'boolean';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'float';
  if (Array.isArray(value)) return 'array';
  return 'object';
}

/** Reads a stored schema; anything unreadable counts as no schema yet. */
export function readSchema(text: string | null | undefined): DatasetSchema | undefined {
  if (!text) return undefined;
  try {
    const parsed = JSON.parse(text) as DatasetSchema;
    return parsed !== null && typeof parsed === 'object' ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Adds the fields of `records` to `schema`. A field keeps the type it was first seen with;
 * sections with no field are left out.
 */
export function mergeSchema(
  schema: DatasetSchema | undefined,
  records: readonly Partial<Record<Section, Readonly<Record<string, unknown>>>>[],
): DatasetSchema {
  const merged: Record<Section, FieldTypes> = { inputs: {}, outputs: {}, expectations: {} };
  for (const section of SECTIONS) Object.assign(merged[section], schema?.[section] ?? {});
  for (const record of records) {
    for (const section of SECTIONS) {
      for (const [key, value] of Object.entries(record[section] ?? {})) {
        merged[section][key] ??= jsonTypeName(value);
      }
    }
  }
  const out: { -readonly [K in keyof DatasetSchema]: DatasetSchema[K] } = { version: '1.0' };
  for (const section of SECTIONS) if (Object.keys(merged[section]).length > 0) out[section] = merged[section];
  return out as DatasetSchema;
}
