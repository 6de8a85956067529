import { resolve } from 'node:path';
import type { TrafficInput } from '../analysis/types.ts';
import type { Connector, LogObject, NormalizedRule } from '../connectors/types.ts';
import type { FlowLogsConfig } from './config.ts';
import { ingestFlowLogs } from './ingest.ts';

/** The observed traffic of a target's current rules, or undefined when no flow logs are configured for it. */
export type TrafficSource = (connector: string, target: string, rules: readonly NormalizedRule[]) => Promise<TrafficInput | undefined>;

/** Reads the configured flow logs of a target against the rules just listed (paths relative to `baseDir`, the working directory as for playbooksDir). */
export function configuredTraffic(config: FlowLogsConfig, baseDir: string, connectors: Map<string, Connector>): TrafficSource {
  return async (connector, target, rules) => {
    const entry = config.find((e) => e.connector === connector && e.target === target);
    if (!entry) return undefined;
    const inputs: (string | LogObject)[] = entry.files.map((f) => resolve(baseDir, f));
    for (const location of entry.objects) inputs.push(...(await listObjects(connectors.get(connector), location)));
    const ingest = await ingestFlowLogs(inputs, rules, { ...(entry.format ? { format: entry.format } : {}), ...(entry.scope ? { scope: entry.scope } : {}) });
    return { usage: ingest.usage, unevaluable: ingest.unevaluable, minCoverageDays: entry.minCoverageDays };
  };
}

/** Every object under a location (listed before reading, so a listing error refuses before anything is counted). */
export async function listObjects(connector: Connector | undefined, location: string): Promise<LogObject[]> {
  if (!connector?.listLogObjects) throw new Error(`connector ${connector?.id ?? '(none)'} cannot read flow logs from object storage (${location})`);
  const objects: LogObject[] = [];
  for await (const object of connector.listLogObjects(location)) objects.push(object);
  return objects;
}
