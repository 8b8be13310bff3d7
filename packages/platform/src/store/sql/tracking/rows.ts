/** Row <-> entity mapping shared by the SQL store's parts. */
import {
  type Experiment,
  type KeyValue,
  type LifecycleStage,
  type Metric,
  type RunInfo,
  type RunStatus,
  toWireDouble,
  type WireDouble,
} from '@keel/contract';
import type { ExperimentsTable, MetricsTable, RunsTable } from '../schema.js';

/** How a wire double is stored: a finite or infinite number, plus a NaN flag (NaN is stored as 0). */
export function storedValue(value: WireDouble): { value: number; is_nan: number } {
  if (value === 'NaN' || (typeof value === 'number' && Number.isNaN(value))) return { value: 0, is_nan: 1 };
  if (value === 'Infinity') return { value: Number.POSITIVE_INFINITY, is_nan: 0 };
  if (value === '-Infinity') return { value: Number.NEGATIVE_INFINITY, is_nan: 0 };
  return { value, is_nan: 0 };
}

/** The wire form of a stored value. Infinities stay infinite (MLflow clamps them to ±max double). */
export function wireValue(value: number, isNan: number): WireDouble {
  return isNan ? 'NaN' : toWireDouble(value);
}

export function toMetric(row: Pick<MetricsTable, 'key' | 'value' | 'is_nan' | 'timestamp' | 'step'>): Metric {
  return { key: row.key, value: wireValue(row.value, row.is_nan), timestamp: row.timestamp, step: row.step };
}

export function toRunInfo(row: RunsTable & { experiment_id: number | string }): RunInfo {
  return {
    run_uuid: row.run_uuid,
    experiment_id: String(row.experiment_id),
    run_name: row.name,
    user_id: row.user_id,
    status: row.status as RunStatus,
    start_time: row.start_time,
    ...(row.end_time === null ? {} : { end_time: row.end_time }),
    artifact_uri: row.artifact_uri,
    lifecycle_stage: row.lifecycle_stage as LifecycleStage,
    run_id: row.run_uuid,
  };
}

export function toExperiment(
  row: Omit<ExperimentsTable, 'experiment_id'> & { experiment_id: number },
  tags: readonly KeyValue[],
): Experiment {
  return {
    experiment_id: String(row.experiment_id),
    name: row.name,
    artifact_location: row.artifact_location,
    lifecycle_stage: row.lifecycle_stage as LifecycleStage,
    last_update_time: row.last_update_time,
    creation_time: row.creation_time,
    ...(tags.length > 0 ? { tags } : {}),
  };
}

/** Groups rows by a key, keeping the rows' order. */
export function groupBy<T, K>(rows: readonly T[], keyOf: (row: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const row of rows) {
    const key = keyOf(row);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  return groups;
}

/** Splits a list into chunks small enough for one statement's parameter limit. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Parses an experiment id as the integer it is stored as; undefined when it is not one. */
export function parseExperimentId(id: string): number | undefined {
  if (!/^\d{1,15}$/.test(id)) return undefined;
  return Number(id);
}
