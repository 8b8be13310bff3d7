/**
 * Wire entities as MLflow's GraphQL answers them. MLflow resolves fields straight from its
 * protobuf messages, so an unset field reads as protobuf's default (`""`, `"0"`, `false`, `[]`,
 * an empty sub-message) rather than null; int64 values are strings; a NaN metric is null (the
 * Float type cannot carry it) and an infinite one the largest double, as MLflow stores it.
 */
import type {
  DatasetSummary,
  Experiment,
  FileInfo,
  Metric,
  MetricWithRunId,
  ModelVersion,
  Run,
  WireDouble,
} from '@keel/contract';

/** What a run's lazy fields are resolved with (per-request caches, see `loaders.ts`). */
export interface RunLinks {
  experiment(experimentId: string): Promise<GqlObject>;
  modelVersions(runId: string): Promise<GqlObject[]>;
}

export type GqlObject = Record<string, unknown>;

const MAX_DOUBLE = 1.7976931348623157e308;

/** A metric value for the Float type: null for NaN, the largest double for infinities. */
export function graphqlFloat(value: WireDouble): number | null {
  if (value === 'NaN' || (typeof value === 'number' && Number.isNaN(value))) return null;
  if (value === 'Infinity' || value === Number.POSITIVE_INFINITY) return MAX_DOUBLE;
  if (value === '-Infinity' || value === Number.NEGATIVE_INFINITY) return -MAX_DOUBLE;
  return value as number;
}

const long = (value: number | undefined): string => String(value ?? 0);
const keyValues = (items: readonly { key: string; value: string }[] | undefined) =>
  (items ?? []).map((t) => ({ key: t.key, value: t.value }));

export function experimentObject(e: Experiment): GqlObject {
  return {
    experimentId: e.experiment_id,
    name: e.name,
    artifactLocation: e.artifact_location,
    lifecycleStage: e.lifecycle_stage,
    lastUpdateTime: long(e.last_update_time),
    creationTime: long(e.creation_time),
    tags: keyValues(e.tags),
  };
}

function metricObject(m: Metric): GqlObject {
  return {
    key: m.key,
    value: graphqlFloat(m.value),
    timestamp: long(m.timestamp),
    step: long(m.step),
    datasetName: m.dataset_name ?? '',
    datasetDigest: m.dataset_digest ?? '',
    modelId: m.model_id ?? '',
    runId: m.run_id ?? '',
  };
}

export function metricWithRunIdObject(m: MetricWithRunId): GqlObject {
  return {
    key: m.key,
    value: graphqlFloat(m.value),
    timestamp: long(m.timestamp),
    step: long(m.step),
    runId: m.run_id,
  };
}

/**
 * A run. `searched` runs carry no model outputs, as MLflow's run search does not load them (its
 * GraphQL search answers `modelOutputs: []` for every run; `mlflowGetRun` has them).
 */
export function runObject(run: Run, links: RunLinks, searched = false): GqlObject {
  const { info, data } = run;
  return {
    info: {
      runId: info.run_id,
      runUuid: info.run_uuid,
      runName: info.run_name ?? '',
      experimentId: info.experiment_id,
      userId: info.user_id ?? '',
      status: info.status,
      startTime: long(info.start_time),
      endTime: long(info.end_time),
      artifactUri: info.artifact_uri,
      lifecycleStage: info.lifecycle_stage,
    },
    data: {
      metrics: (data.metrics ?? []).map(metricObject),
      params: keyValues(data.params),
      tags: keyValues(data.tags),
    },
    inputs: {
      datasetInputs: (run.inputs?.dataset_inputs ?? []).map((input) => ({
        tags: keyValues(input.tags),
        dataset: {
          name: input.dataset.name,
          digest: input.dataset.digest,
          sourceType: input.dataset.source_type,
          source: input.dataset.source,
          schema: input.dataset.schema ?? '',
          profile: input.dataset.profile ?? '',
        },
      })),
      modelInputs: (run.inputs?.model_inputs ?? []).map((input) => ({ modelId: input.model_id })),
    },
    outputs: {
      modelOutputs: searched
        ? []
        : (run.outputs?.model_outputs ?? []).map((o) => ({ modelId: o.model_id, step: long(o.step) })),
    },
    // Lazy: resolved only when the query selects them, through the request's caches.
    experiment: () => links.experiment(info.experiment_id),
    modelVersions: () => links.modelVersions(info.run_id),
  };
}

export function modelVersionObject(v: ModelVersion): GqlObject {
  return {
    name: v.name,
    version: v.version,
    creationTimestamp: long(v.creation_timestamp),
    lastUpdatedTimestamp: long(v.last_updated_timestamp),
    userId: v.user_id ?? '',
    currentStage: v.current_stage,
    description: v.description ?? '',
    source: v.source,
    runId: v.run_id ?? '',
    status: v.status,
    statusMessage: v.status_message ?? '',
    tags: keyValues(v.tags),
    runLink: v.run_link ?? '',
    aliases: [...(v.aliases ?? [])],
  };
}

export function fileInfoObject(file: FileInfo): GqlObject {
  return { path: file.path, isDir: file.is_dir, fileSize: long(file.file_size) };
}

export function datasetSummaryObject(s: DatasetSummary): GqlObject {
  return { experimentId: s.experiment_id, name: s.name, digest: s.digest, context: s.context ?? '' };
}
