/**
 * MLflow 3 GenAI entities in their wire shape: evaluation datasets, their records, and scorers.
 * Several fields are JSON carried inside a string, exactly as MLflow sends them (a dataset's
 * `tags`, `schema` and `profile`; a record page's `records`; a scorer's `serialized_scorer`).
 */

/** An evaluation dataset. `tags` is a JSON object in a string (`"{}"` when there are none). */
export interface EvaluationDataset {
  readonly dataset_id: string;
  readonly name: string;
  readonly tags: string;
  /** JSON: the fields seen in the records' inputs, outputs and expectations, with their types. */
  readonly schema?: string;
  /** JSON: `{"num_records": n}`. */
  readonly profile?: string;
  /** Eight hex digits that change whenever the records change. */
  readonly digest: string;
  readonly created_time: number;
  readonly last_update_time: number;
  readonly created_by?: string;
  readonly last_updated_by?: string;
  /** Present in the answers that just set them (create, add/remove experiments). */
  readonly experiment_ids?: readonly string[];
}

/** Where a record came from (`source_data` is free-form). */
export interface DatasetRecordSource {
  readonly source_type: DatasetRecordSourceType;
  readonly source_data?: Readonly<Record<string, unknown>>;
}

export const DATASET_RECORD_SOURCE_TYPES = ['SOURCE_TYPE_UNSPECIFIED', 'TRACE', 'HUMAN', 'DOCUMENT', 'CODE'] as const;
export type DatasetRecordSourceType = (typeof DATASET_RECORD_SOURCE_TYPES)[number];

/** One record of an evaluation dataset, as listed inside `records` (a JSON array in a string). */
export interface DatasetRecord {
  readonly dataset_record_id: string;
  readonly dataset_id: string;
  readonly inputs: Readonly<Record<string, unknown>>;
  readonly outputs: Readonly<Record<string, unknown>>;
  readonly expectations: Readonly<Record<string, unknown>>;
  readonly tags: Readonly<Record<string, string>>;
  readonly source?: DatasetRecordSource;
  readonly source_type?: DatasetRecordSourceType;
  readonly created_time: number;
  readonly last_update_time: number;
  readonly created_by?: string;
  readonly last_updated_by?: string;
}

/**
 * One version of a registered scorer. `experiment_id` is a JSON number here (as MLflow answers
 * list, versions and get); `serialized_scorer` is stored and returned as sent.
 */
export interface ScorerVersion {
  readonly experiment_id: number;
  readonly scorer_name: string;
  readonly scorer_version: number;
  readonly serialized_scorer: string;
  readonly creation_time: number;
  readonly scorer_id: string;
}
