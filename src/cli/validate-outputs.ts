import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { AppReport, CurrentRules } from '../apprepo/index.ts';
import type { CiItem, CiSummary } from '../apprepo/formats/items.ts';
import { configPath } from '../config/load.ts';
import { readLive, readRulesFile } from './analyze.ts';
import type { ValidateFlags, ValidateReport } from './validate-report.ts';

/** The whole validate report as CI items: lint problems, change requests, application rules and findings. */
export function ciSummary(r: ValidateReport): CiSummary {
  const items: CiItem[] = [];
  for (const p of [...r.playbooks.problems, ...r.policies.problems]) {
    items.push({ file: p.file, ...(p.line ? { line: p.line } : {}), title: p.path || 'file', outcome: 'invalid', ruleId: 'invalid-input', message: p.message, details: [] });
  }
  for (const q of r.requests) {
    if (q.problems) {
      for (const p of q.problems) items.push({ file: p.file, ...(p.line ? { line: p.line } : {}), title: `request ${p.path || ''}`.trim(), outcome: 'invalid', ruleId: 'invalid-input', message: p.message, details: [] });
      continue;
    }
    const decision = q.decision ?? 'needs_approval';
    items.push({ file: q.file, line: 1, title: 'change request', outcome: decision, ruleId: decision === 'needs_approval' ? 'needs-approval' : decision, message: decidedBy(q.policies ?? [], decision), details: q.reasons ?? [] });
  }
  if (r.app) items.push(...appItems(r.app));
  return { outcome: r.outcome, exitCode: r.exitCode, items };
}

function appItems(app: AppReport): CiItem[] {
  const items: CiItem[] = [];
  for (const p of app.problems) items.push({ file: p.file, ...(p.line ? { line: p.line } : {}), title: p.path || 'file', outcome: 'invalid', ruleId: 'invalid-input', message: p.message, details: [] });
  for (const f of app.files) {
    for (const n of f.notes.filter((x) => x.message.startsWith('not read:'))) {
      items.push({ file: f.file, ...(n.line ? { line: n.line } : {}), title: 'file', outcome: 'warning', ruleId: 'not-decided', message: n.message, details: [] });
    }
  }
  for (const d of app.decisions) {
    items.push({
      file: d.file,
      line: d.line,
      ...(d.column ? { column: d.column } : {}),
      title: d.name,
      outcome: d.decision,
      ruleId: d.decision === 'needs_approval' ? 'needs-approval' : d.decision,
      message: `${d.action} ${describeRuns(d)}: ${decidedBy(d.policies, d.decision)}`,
      details: d.reasons,
    });
    for (const f of d.notEnforceable) items.push({ file: d.file, line: f.line ?? d.line, title: d.name, outcome: 'warning', ruleId: 'not-enforceable', message: `not enforceable by a network firewall: ${f.message}`, details: [] });
    for (const f of d.unknown) items.push({ file: d.file, line: f.line ?? d.line, title: d.name, outcome: 'warning', ruleId: 'unknown-until-apply', message: f.message, details: [] });
    for (const c of d.current ?? []) items.push({ file: d.file, line: d.line, title: d.name, outcome: 'note', ruleId: 'current-rules', message: c.message, details: [] });
  }
  return items;
}

const decidedBy = (policies: { id: string; effect: string }[], decision: string): string =>
  policies.length ? `${decision.replace('_', ' ')} by ${policies.map((p) => `${p.effect} ${p.id}`).join(', ')}` : decision.replace('_', ' ');

function describeRuns(d: AppReport['decisions'][number]): string {
  if (!d.runs.length) return `${d.direction} (not stated as runs)`;
  return d.runs.map((r) => `${r.request.inputs.protocol}${r.request.inputs.port ? `/${r.request.inputs.port}` : ''} from ${r.request.inputs.from.join(', ')} to ${r.request.inputs.to}`).join('; ');
}

/** Text lines for the application's rules: decision, source location, deciding policy, reasons, findings. */
export function formatAppText(app: AppReport): string[] {
  const lines: string[] = [];
  for (const f of app.files) {
    lines.push(`app ${rel(f.file)}: ${f.kind ?? 'nothing read'} (${f.rules} rule${f.rules === 1 ? '' : 's'})`);
    for (const n of f.notes) lines.push(`  note${n.line ? ` (line ${n.line})` : ''}: ${n.message}`);
  }
  for (const p of app.problems) lines.push(`  ${rel(p.file)}${p.line ? `:${p.line}` : ''}${p.path ? ` ${p.path}` : ''}: INVALID: ${p.message}`);
  for (const d of app.decisions) {
    lines.push(`rule ${rel(d.file)}:${d.line}${d.column ? `:${d.column}` : ''} ${d.name}: ${d.decision}`);
    lines.push(`  ${d.action} ${describeRuns(d)}`);
    for (const p of d.policies) lines.push(`  decided by ${p.effect} ${p.id} (${rel(p.file)}:${p.line})`);
    for (const reason of d.reasons) lines.push(`  reason: ${reason}`);
    for (const f of d.notEnforceable) lines.push(`  not enforceable by a network firewall${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
    for (const f of d.unknown) lines.push(`  unknown until apply${f.line ? ` (line ${f.line})` : ''}: ${f.message}`);
    for (const c of d.current ?? []) lines.push(`  current rules: ${c.message}`);
  }
  if (app.comparedWith) lines.push(`compared with the current rules of ${app.comparedWith}`);
  return lines;
}

/** Paths relative to the working directory (where CI runs), as people read them. */
const rel = (file: string): string => {
  const r = relative(process.cwd(), file);
  return r && !r.startsWith('..') ? r : file;
};

export class CurrentRulesError extends Error {
  override name = 'CurrentRulesError';
}

/** --rules FILE or --connector ID --target T: the target's current rules, for the comparison. */
export async function readCurrentRules(values: ValidateFlags, env: NodeJS.ProcessEnv): Promise<CurrentRules | undefined> {
  if (values.rules) {
    try {
      const rules = readRulesFile(values.rules);
      // The evaluation order follows the cloud, which the placements name (nsg: Azure, firewall: GCP, wafv2: AWS WAF, sg/nacl: AWS).
      const placements = new Set(rules.map((r) => r.placement));
      const cloud = placements.has('nsg')
        ? 'azure-nsg'
        : placements.has('firewall')
          ? 'gcp-firewall'
          : placements.has('wafv2')
            ? 'aws-wafv2'
            : placements.size
              ? 'aws-ec2'
              : undefined;
      return { rules, label: values.rules, ...(cloud ? { cloud } : {}) };
    } catch (error) {
      throw new CurrentRulesError((error as Error).message);
    }
  }
  if (!values.connector || !values.target) return undefined;
  try {
    const { rules, options } = await readLive(values.connector, values.target, configPath(values.config, env), env);
    return { rules, cloud: options.cloud, label: `${values.connector}/${values.target}` };
  } catch (error) {
    if (error instanceof Error && error.constructor.name === 'AnalyzeInputError') throw new CurrentRulesError(error.message);
    throw error;
  }
}

let version: string | undefined;
export function packageVersion(): string {
  version ??= (JSON.parse(readFileSync(join(import.meta.dirname, '../../package.json'), 'utf8')) as { version: string }).version;
  return version;
}
