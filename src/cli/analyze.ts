import { readFileSync } from 'node:fs';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { type AnalysisOptions, type AnalysisReport, type Severity, analyzeRules, normalizedRulesSchema } from '../analysis/index.ts';
import { SEVERITY_ORDER } from '../analysis/types.ts';
import { configPath, loadConfig, nodeSecretSource } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import { buildConnectors } from '../connectors/build.ts';
import type { NormalizedRule } from '../connectors/types.ts';
import { systemClock } from '../services.ts';
import { UsageError, defineCommand, oneOf } from './command.ts';

export const ANALYZE_USAGE = `portcullis analyze (--rules FILE | --connector ID --target T [--config FILE]) [--format text|json] [--fail-on SEVERITY]

  Rule hygiene of one target: duplicates, shadowed and redundant rules (also covered by several rules
  together), correlated rules, overly permissive rules, rules near a quota, expired owned rules, and
  adjacent CIDRs that could merge. Each finding has a severity and a suggested fix.
  --rules      a JSON file: an array of NormalizedRule (or { "rules": [...] })
  --connector  read the target's current rules live through a configured (non-simulated) connector
  --fail-on    exit 3 when a finding is at least this severe (critical, high, medium, low, info)
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
    },
  },
  async ({ values }, io) => {
  const failOn = oneOf('fail-on', values['fail-on'], SEVERITY_ORDER) as Severity | undefined;
  oneOf('format', values.format, ['text', 'json'] as const);
  const live = values.connector !== undefined || values.target !== undefined;
  if ((values.rules === undefined) === !live) throw new UsageError('give --rules FILE, or --connector ID with --target T');
  if (live && (!values.connector || !values.target)) throw new UsageError('--connector and --target go together');
  let rules: NormalizedRule[];
  let options: AnalysisOptions = {};
  try {
    if (values.rules) rules = readRulesFile(values.rules);
    else ({ rules, options } = await readLive(values.connector as string, values.target as string, configPath(values.config, io.env), io.env));
  } catch (error) {
    if (error instanceof ConfigError || error instanceof AnalyzeInputError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
  const report = analyzeRules(rules, options);
  io.out(values.format === 'json' ? JSON.stringify(report, null, 2) : formatReport(report));
  if (failOn && report.findings.some((f) => SEVERITY_ORDER.indexOf(f.severity) <= SEVERITY_ORDER.indexOf(failOn))) return 3;
  return 0;
  },
);

class AnalyzeInputError extends Error {}

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
  return { rules, options: { cloud: connector.type, limits } satisfies AnalysisOptions };
}

export function formatReport(report: AnalysisReport): string {
  const lines = [`${report.rules} rules, ${report.findings.length} findings`];
  for (const s of SEVERITY_ORDER) if (report.summary.bySeverity[s]) lines.push(`  ${s}: ${report.summary.bySeverity[s]}`);
  for (const f of report.findings) {
    lines.push(`[${f.severity}] ${f.kind}: ${f.message}`);
    lines.push(`    fix (${f.fix.action}): ${f.fix.detail}`);
  }
  return lines.join('\n');
}
