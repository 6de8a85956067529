import { resolve } from 'node:path';
import type { TrafficInput } from '../analysis/types.ts';
import type { NormalizedRule } from '../connectors/types.ts';
import type { FlowLogsConfig } from './config.ts';
import { ingestFlowLogs } from './ingest.ts';

/** The observed traffic of a target's current rules, or undefined when no flow logs are configured for it. */
export type TrafficSource = (connector: string, target: string, rules: readonly NormalizedRule[]) => Promise<TrafficInput | undefined>;

/** Reads the configured flow logs of a target against the rules just listed (paths relative to `baseDir`, the working directory as for playbooksDir). */
export function configuredTraffic(config: FlowLogsConfig, baseDir: string): TrafficSource {
  return async (connector, target, rules) => {
    const entry = config.find((e) => e.connector === connector && e.target === target);
    if (!entry) return undefined;
    const files = entry.files.map((f) => resolve(baseDir, f));
    const ingest = await ingestFlowLogs(files, rules, { ...(entry.format ? { format: entry.format } : {}), ...(entry.scope ? { scope: entry.scope } : {}) });
    return { usage: ingest.usage, unevaluable: ingest.unevaluable, minCoverageDays: entry.minCoverageDays };
  };
}
