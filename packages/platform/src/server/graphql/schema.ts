/**
 * The GraphQL schema MLflow's UI queries (`mlflow/server/graphql` in MLflow 3.5): the same type
 * names, fields and arguments, so Apollo's `__typename`s and the UI's query texts work as sent.
 * int64 values travel as `LongString` (decimal strings, so JavaScript never rounds them).
 */
import { buildSchema, GraphQLError, type GraphQLScalarType, type GraphQLSchema, Kind, type ValueNode } from 'graphql';

const SDL = `
directive @component(name: String!) on QUERY | MUTATION

"LongString Scalar type to prevent truncation to max integer in JavaScript."
scalar LongString

enum MlflowRunStatus { RUNNING SCHEDULED FINISHED FAILED KILLED }
enum MlflowModelVersionStatus { PENDING_REGISTRATION FAILED_REGISTRATION READY }
enum MlflowViewType { ACTIVE_ONLY DELETED_ONLY ALL }

type ErrorDetail { field: String message: String }
type ApiError { code: String message: String helpUrl: String traceId: String errorDetails: [ErrorDetail] }

type MlflowExperimentTag { key: String value: String }
type MlflowExperiment {
  experimentId: String
  name: String
  artifactLocation: String
  lifecycleStage: String
  lastUpdateTime: LongString
  creationTime: LongString
  tags: [MlflowExperimentTag!]
}
type MlflowGetExperimentResponse { experiment: MlflowExperiment apiError: ApiError }

type MlflowRunInfo {
  runId: String
  runUuid: String
  runName: String
  experimentId: String
  userId: String
  status: MlflowRunStatus
  startTime: LongString
  endTime: LongString
  artifactUri: String
  lifecycleStage: String
}
type MlflowMetricExtension {
  key: String
  value: Float
  timestamp: LongString
  step: LongString
  datasetName: String
  datasetDigest: String
  modelId: String
  runId: String
}
type MlflowParam { key: String value: String }
type MlflowRunTag { key: String value: String }
type MlflowRunData { metrics: [MlflowMetricExtension!] params: [MlflowParam!] tags: [MlflowRunTag!] }
type MlflowDataset { name: String digest: String sourceType: String source: String schema: String profile: String }
type MlflowInputTag { key: String value: String }
type MlflowDatasetInput { tags: [MlflowInputTag!] dataset: MlflowDataset }
type MlflowModelInput { modelId: String }
type MlflowRunInputs { datasetInputs: [MlflowDatasetInput!] modelInputs: [MlflowModelInput!] }
type MlflowModelOutput { modelId: String step: LongString }
type MlflowRunOutputs { modelOutputs: [MlflowModelOutput!] }

type MlflowModelVersionTag { key: String value: String }
type MlflowModelVersion {
  name: String
  version: String
  creationTimestamp: LongString
  lastUpdatedTimestamp: LongString
  userId: String
  currentStage: String
  description: String
  source: String
  runId: String
  status: MlflowModelVersionStatus
  statusMessage: String
  tags: [MlflowModelVersionTag!]
  runLink: String
  aliases: [String]
}

type MlflowRunExtension {
  info: MlflowRunInfo
  data: MlflowRunData
  inputs: MlflowRunInputs
  outputs: MlflowRunOutputs
  experiment: MlflowExperiment
  modelVersions: [MlflowModelVersion!]
}
type MlflowGetRunResponse { run: MlflowRunExtension apiError: ApiError }
type MlflowSearchRunsResponse { runs: [MlflowRunExtension!] nextPageToken: String apiError: ApiError }

type MlflowMetricWithRunId { key: String value: Float timestamp: LongString step: LongString runId: String }
type MlflowGetMetricHistoryBulkIntervalResponse { metrics: [MlflowMetricWithRunId!] apiError: ApiError }

type MlflowFileInfo { path: String isDir: Boolean fileSize: LongString }
type MlflowListArtifactsResponse { rootUri: String files: [MlflowFileInfo!] nextPageToken: String apiError: ApiError }

type MlflowSearchModelVersionsResponse { modelVersions: [MlflowModelVersion!] nextPageToken: String apiError: ApiError }

type MlflowDatasetSummary { experimentId: String name: String digest: String context: String }
type MlflowSearchDatasetsResponse { datasetSummaries: [MlflowDatasetSummary!] apiError: ApiError }

type Test { "Echoes the input string" output: String }
type TestMutation { "Echoes the input string" output: String }

input MlflowGetExperimentInput { experimentId: String }
input MlflowGetRunInput { runId: String runUuid: String }
input MlflowSearchRunsInput {
  experimentIds: [String]
  filter: String
  runViewType: MlflowViewType
  maxResults: Int
  orderBy: [String]
  pageToken: String
}
input MlflowGetMetricHistoryBulkIntervalInput {
  runIds: [String]
  metricKey: String
  startStep: Int
  endStep: Int
  maxResults: Int
}
input MlflowListArtifactsInput { runId: String runUuid: String path: String pageToken: String }
input MlflowSearchModelVersionsInput { filter: String maxResults: LongString orderBy: [String] pageToken: String }
input MlflowSearchDatasetsInput { experimentIds: [String] }

type Query {
  mlflowGetExperiment(input: MlflowGetExperimentInput): MlflowGetExperimentResponse
  mlflowGetMetricHistoryBulkInterval(input: MlflowGetMetricHistoryBulkIntervalInput): MlflowGetMetricHistoryBulkIntervalResponse
  mlflowGetRun(input: MlflowGetRunInput): MlflowGetRunResponse
  mlflowListArtifacts(input: MlflowListArtifactsInput): MlflowListArtifactsResponse
  mlflowSearchModelVersions(input: MlflowSearchModelVersionsInput): MlflowSearchModelVersionsResponse
  mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
  "Simple echoing field"
  test(inputString: String): Test
}

type Mutation {
  mlflowSearchDatasets(input: MlflowSearchDatasetsInput): MlflowSearchDatasetsResponse
  mlflowSearchRuns(input: MlflowSearchRunsInput): MlflowSearchRunsResponse
  "Simple echoing field"
  testMutation(inputString: String): TestMutation
}
`;

/** An int64 in a GraphQL answer: its decimal string. Inputs may be a string of digits or an Int. */
function configureLongString(scalar: GraphQLScalarType): void {
  const parse = (value: unknown): string => {
    if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
    if (typeof value === 'string' && /^-?\d+$/.test(value.trim())) return value.trim();
    throw new GraphQLError(`LongString cannot represent ${JSON.stringify(value)}`);
  };
  scalar.serialize = (value: unknown) => (typeof value === 'string' ? value : String(value));
  scalar.parseValue = parse;
  scalar.parseLiteral = (node: ValueNode) => {
    if (node.kind === Kind.INT || node.kind === Kind.STRING) return parse(node.value);
    throw new GraphQLError('LongString must be a string of digits or an integer');
  };
}

let built: GraphQLSchema | undefined;

/** The schema, built once (field values come from the root value's resolvers). */
export function mlflowGraphqlSchema(): GraphQLSchema {
  if (built === undefined) {
    built = buildSchema(SDL);
    configureLongString(built.getType('LongString') as GraphQLScalarType);
  }
  return built;
}
