export { awsAttributor, namedAttributor } from './attribute.ts';
export { formatOfRules, type IngestOptions, type IngestResult, ingestFlowLogs } from './ingest.ts';
export { FlowLogRefused, type FlowFormat, type FlowRecord, type TargetScope } from './types.ts';
export { type Coverage, type IngestStats, type RuleUsage, UsageModel } from './usage.ts';
