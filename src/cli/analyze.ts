import { readFileSync } from 'node:fs';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { type AnalysisOptions, type AnalysisReport, type Severity, analyzeRules, normalizedRulesSchema } from '../analysis/index.ts';
import { formatEvidence, formatIngest } from '../analysis/traffic-format.ts';
import { SEVERITY_ORDER } from '../analysis/types.ts';
import { type FlowFormat, FlowLogRefused, type IngestResult, ingestFlowLogs, type TargetScope } from '../flowlogs/index.ts';
import { targetScopeSchema } from '../flowlogs/scope-schema.ts';
import { configPath, loadConfig, nodeSecretSource } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import { buildConnectors } from '../connectors/build.ts';
import type { Connector, LogObject, NormalizedRule } from '../connectors/types.ts';
import { listObjects } from '../flowlogs/server-source.ts';
import { systemClock } from '../platform.ts';
import { UsageError, defineCommand, oneOf } from './command.ts';

export const ANALYZE_USAGE = `portcullis analyze (--rules FILE | --connector ID --target T [--config FILE]) [--format text|json] [--fail-on SEVERITY]
                  [--flow-logs FILE|- ...] [--flow-format aws|azure|gcp] [--min-coverage-days N]

  Rule hygiene of one target: duplicates, shadowed and redundant rules (also covered by several rules
  together), correlated rules, overly permissive rules, rules near a quota, expired owned rules, and
  adjacent CIDRs that could merge. Each finding has a severity and a suggested fix.
  --rules      a JSON file: an array of NormalizedRule (or { "rules": [...] })
  --connector  read the target's current rules live through a configured (non-simulated) connector
  --fail-on    exit 3 when a finding is at least this severe (critical, high, medium, low, info)
  --flow-logs  flow logs of the target (repeatable; gzip or plain; "-" reads stdin; with --connector also
               s3://bucket/prefix, https://ACCOUNT.blob.core.windows.net/CONTAINER/prefix or gs://bucket/prefix,
               every object under the prefix, read with the connector's credentials): AWS VPC Flow Logs
               (v2 or a custom format with its header line), Azure VNet / NSG flow logs and the
               NetworkSecurityGroupRuleCounter log, GCP Firewall Rules Logging entries. Adds unused,
               narrowable, block and deny-hit findings with evidence. The rules file may carry
               "scope" (accountId, vpcId, localCidrs, subscriptionId, nsgName, project, network...):
               logs of another account/VPC/NSG/network are refused.
  --min-coverage-days  days of logs needed before "unused" verdicts (default 14)
  exit codes: 0 done, 1 bad input, 2 usage, 3 findings at or above --fail-on
`;

export const analyzeCommand = defineCommand(
  {
    name: 'analyze',
    usage: ANALYZE_USAGE,
    options: {
      rules: { type: 'string' },
      connector: { type: 'string' },
      target: { type: 'string' },
      config: { type: 'string' },
      format: { type: 'string', default: 'text' },
      'fail-on': { type: 'string' },
      'flow-logs': { type: 'string', multiple: true },
      'flow-format': { type: 'string' },
      'min-coverage-days': { type: 'string' },
    },
  },
  async ({ values }, io) => {
  const failOn = oneOf('fail-on', values['fail-on'], SEVERITY_ORDER) as Severity | undefined;
  oneOf('format', values.format, ['text', 'json'] as const);
  const live = values.connector !== undefined || values.target !== undefined;
  if ((values.rules === undefined) === !live) throw new UsageError('give --rules FILE, or --connector ID with --target T');
  if (live && (!values.connector || !values.target)) throw new UsageError('--connector and --target go together');
  const traffic = trafficArgs(values);
  if (traffic === 'usage') throw new UsageError('--flow-format and --min-coverage-days need --flow-logs; --flow-format is aws, azure or gcp; --min-coverage-days a whole number of days >= 1');
  let rules: NormalizedRule[];
  let options: AnalysisOptions = {};
  let connector: Connector | undefined;
  let ingest: IngestResult | undefined;
  try {
    let scope: TargetScope | undefined;
    if (values.rules) ({ rules, scope } = readTargetFile(values.rules));
    else ({ rules, options, connector } = await readLive(values.connector as string, values.target as string, configPath(values.config, io.env), io.env));
    if (traffic) {
      ingest = await ingestFlowLogs(await logInputs(traffic.files, connector), rules, { ...(traffic.format ? { format: traffic.format } : {}), ...(scope ? { scope } : {}) });
      options = { ...options, traffic: { usage: ingest.usage, unevaluable: ingest.unevaluable, minCoverageDays: traffic.minDays } };
    }
  } catch (error) {
    if (error instanceof ConfigError || error instanceof AnalyzeInputError || error instanceof FlowLogRefused || isFileError(error)) {
      io.err((error as Error).message);
      return 1;
    }
    throw error;
  }
  const report = analyzeRules(rules, options);
  if (values.format === 'json') io.out(JSON.stringify(ingest ? { ...report, flowLogs: { format: ingest.format, ...ingest.usage.stats, coverage: ingest.usage.coverage() } } : report, null, 2));
  else io.out(`${ingest ? `${formatIngest(ingest.usage.stats)}\n` : ''}${formatReport(report)}`);
  if (failOn && report.findings.some((f) => SEVERITY_ORDER.indexOf(f.severity) <= SEVERITY_ORDER.indexOf(failOn))) return 3;
  return 0;
  },
);

class AnalyzeInputError extends Error {}

const OBJECT_LOCATION = /^(s3|gs):\/\/|^https:\/\/[a-z0-9]+\.blob\.core\.windows\.net\//;

/** --flow-logs values: files as they are; object-storage locations listed through the live connector. */
async function logInputs(values: string[], connector: Connector | undefined): Promise<(string | LogObject)[]> {
  const inputs: (string | LogObject)[] = [];
  for (const value of values) {
    if (!OBJECT_LOCATION.test(value)) inputs.push(value);
    else if (!connector) throw new AnalyzeInputError(`--flow-logs ${value}: an object-storage location is read with a connector's credentials; give --connector and --target`);
    else {
      const fail = (error: unknown) => new AnalyzeInputError(`--flow-logs ${value}: ${error instanceof Error ? error.message : String(error)}`);
      const objects = await listObjects(connector, value).catch((error) => Promise.reject(fail(error)));
      inputs.push(...objects.map((o) => ({ name: o.name, open: () => o.open().catch((error) => Promise.reject(fail(error))) })));
    }
  }
  return inputs;
}

const isFileError = (e: unknown) => e instanceof Error && /^(ENOENT|EACCES|EISDIR)/.test((e as NodeJS.ErrnoException).code ?? '') || (e instanceof Error && /gzip/.test(e.message));

function trafficArgs(values: { 'flow-logs'?: string[]; 'flow-format'?: string; 'min-coverage-days'?: string }) {
  const files = values['flow-logs'];
  if (!files?.length) return values['flow-format'] || values['min-coverage-days'] ? 'usage' : undefined;
  const format = values['flow-format'];
  if (format !== undefined && !['aws', 'azure', 'gcp'].includes(format)) return 'usage';
  const minDays = values['min-coverage-days'] === undefined ? 14 : Number(values['min-coverage-days']);
  if (!Number.isInteger(minDays) || minDays < 1) return 'usage';
  return { files, format: format as FlowFormat | undefined, minDays };
}

/** A rules file, and the target's scope when it carries one (`{ "rules": [...], "scope": {...} }`). */
export function readTargetFile(file: string): { rules: NormalizedRule[]; scope?: TargetScope } {
  const rules = readRulesFile(file);
  const json = JSON.parse(readFileSync(file, 'utf8')) as { scope?: unknown };
  if (Array.isArray(json) || json.scope === undefined) return { rules };
  const scope = targetScopeSchema.safeParse(json.scope);
  if (!scope.success) throw new AnalyzeInputError(`${file}: scope: ${scope.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { rules, scope: scope.data };
}

export function readRulesFile(file: string): NormalizedRule[] {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new AnalyzeInputError(`${file}: not readable JSON (${(error as Error).message})`);
  }
  const parsed = normalizedRulesSchema.safeParse(json);
  if (!parsed.success) {
    const lines = parsed.error.issues.slice(0, 20).map((i) => `  - ${i.path.map(String).join('.') || '(root)'}: ${i.message}`);
    throw new AnalyzeInputError(`${file}: not a list of rules\n${lines.join('\n')}`);
  }
  return parsed.data;
}

export async function readLive(connectorId: string, targetId: string, file: string, env: NodeJS.ProcessEnv) {
  const { config, registry } = await loadConfig(file, loadConnectorRegistry);
  const block = config.connectors.find((c) => c.id === connectorId);
  if (!block) throw new AnalyzeInputError(`${file}: no connector "${connectorId}" (have: ${config.connectors.map((c) => c.id).join(', ') || 'none'})`);
  if (block.simulator) {
    throw new AnalyzeInputError(`connector "${connectorId}" is simulated: its simulator lives inside \`portcullis serve\`; use GET /v1/connectors/${connectorId}/analysis there`);
  }
  const quiet = { info() {}, warn() {}, error() {} };
  const { connectors } = buildConnectors(config, registry, { clock: systemClock, log: quiet, secrets: nodeSecretSource(env) });
  const connector = connectors.get(connectorId);
  if (!connector?.targets().includes(targetId)) {
    throw new AnalyzeInputError(`connector "${connectorId}" has no target "${targetId}" (have: ${connector?.targets().join(', ')})`);
  }
  const rules = await connector.list(targetId);
  const limits: AnalysisOptions['limits'] = {};
  for (const placement of new Set(rules.map((r) => r.placement))) limits[placement] = connector.limits(targetId, placement);
  return { rules, options: { cloud: connector.type, limits } satisfies AnalysisOptions, connector };
}

export function formatReport(report: AnalysisReport): string {
  const lines = [`${report.rules} rules, ${report.findings.length} findings`];
  for (const s of SEVERITY_ORDER) if (report.summary.bySeverity[s]) lines.push(`  ${s}: ${report.summary.bySeverity[s]}`);
  for (const f of report.findings) {
    lines.push(`[${f.severity}] ${f.kind}: ${f.message}`);
    if (f.evidence) lines.push(`    evidence: ${formatEvidence(f.evidence)}`);
    lines.push(`    fix (${f.fix.action}): ${f.fix.detail}`);
  }
  return lines.join('\n');
}
