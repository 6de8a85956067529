import { relative } from 'node:path';
import type { CiSummary } from './items.ts';

const ICON = { approve: '✅ approve', needs_approval: '🟡 needs approval', deny: '⛔ deny', invalid: '❌ invalid', warning: '⚠️', note: 'ℹ️' } as const;

/** Table cells: pipes and newlines would break the row. */
const cell = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');

/** A pull-request comment: the overall result, one row per decision or problem, then the findings. */
export function toMarkdown(summary: CiSummary, root: string): string {
  const where = (file: string, line?: number) => `\`${relative(root, file) || file}${line ? `:${line}` : ''}\``;
  const decisions = summary.items.filter((i) => i.outcome !== 'warning' && i.outcome !== 'note');
  const findings = summary.items.filter((i) => i.outcome === 'warning' || i.outcome === 'note');
  const lines = [
    `### portcullis validate: ${summary.outcome.replace('_', ' ')} (exit ${summary.exitCode})`,
    '',
    `${decisions.filter((d) => d.outcome === 'approve').length} auto-approved, ${decisions.filter((d) => d.outcome === 'needs_approval').length} need approval, ${decisions.filter((d) => d.outcome === 'deny').length} denied, ${decisions.filter((d) => d.outcome === 'invalid').length} invalid.`,
    '',
    '| Decision | Rule | Source | Why |',
    '| --- | --- | --- | --- |',
    ...decisions.map((d) => `| ${ICON[d.outcome]} | ${cell(d.title)} | ${where(d.file, d.line)} | ${cell([d.message, ...d.details].join('\n'))} |`),
  ];
  if (findings.length) {
    lines.push('', '<details><summary>Findings</summary>', '');
    for (const f of findings) lines.push(`- ${ICON[f.outcome]} ${where(f.file, f.line)} ${cell(f.title)}: ${cell(f.message)}`);
    lines.push('', '</details>');
  }
  return `${lines.join('\n')}\n`;
}
