/** Row types of the GenAI tables (migration 0005): evaluation datasets and scorers. */
import type { TrackingSchema } from '../schema.js';

export interface EvaluationDatasetsTable {
  dataset_id: string;
  name: string;
  digest: string;
  /** JSON, once records were added. */
  schema: string | null;
  /** JSON `{"num_records": n}`, once records were added. */
  profile: string | null;
  created_time: number;
  last_update_time: number;
  created_by: string | null;
  last_updated_by: string | null;
}

export interface EvaluationDatasetTagsTable {
  dataset_id: string;
  key: string;
  value: string;
}

export interface EvaluationDatasetExperimentsTable {
  dataset_id: string;
  experiment_id: number;
}

export interface EvaluationDatasetRecordsTable {
  dataset_record_id: string;
  dataset_id: string;
  input_hash: string;
  /** JSON objects. */
  inputs: string;
  outputs: string;
  expectations: string;
  tags: string;
  /** JSON `{"source_type": ..., "source_data": ...}`, or null. */
  source: string | null;
  created_time: number;
  last_update_time: number;
  created_by: string | null;
  last_updated_by: string | null;
}

export interface ScorersTable {
  scorer_id: string;
  experiment_id: number;
  scorer_name: string;
}

export interface ScorerVersionsTable {
  scorer_id: string;
  scorer_version: number;
  serialized_scorer: string;
  creation_time: number;
}

/** The GenAI part of the schema. */
export interface GenAiTables {
  evaluation_datasets: EvaluationDatasetsTable;
  evaluation_dataset_tags: EvaluationDatasetTagsTable;
  evaluation_dataset_experiments: EvaluationDatasetExperimentsTable;
  evaluation_dataset_records: EvaluationDatasetRecordsTable;
  scorers: ScorersTable;
  scorer_versions: ScorerVersionsTable;
}

/** What the GenAI stores query: their tables and the experiments they hang off. */
export type GenAiSchema = TrackingSchema & GenAiTables;
