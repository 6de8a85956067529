import type { CiItem, CiSummary } from './items.ts';

/** XML text and attribute escaping (the five predefined entities; control characters dropped). */
const esc = (s: string): string =>
  s
    // biome-ignore lint/suspicious/noControlCharactersInRegex: XML 1.0 forbids these characters
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f]/g, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

/**
 * JUnit XML: one testsuite per file, one testcase per decided rule or problem. deny is a failure,
 * invalid input an error, needs approval is skipped (it waits for a person, the code is not wrong),
 * approve passes. Findings (not enforceable, unknown) go to the testcase's system-out.
 */
export function toJunit(summary: CiSummary): string {
  const byFile = new Map<string, CiItem[]>();
  for (const item of summary.items) byFile.set(item.file, [...(byFile.get(item.file) ?? []), item]);
  const suites: string[] = [];
  let total = 0;
  let failures = 0;
  let errors = 0;
  let skipped = 0;
  for (const [file, items] of byFile) {
    const cases = items.filter((i) => i.outcome !== 'warning' && i.outcome !== 'note');
    const findings = items.filter((i) => i.outcome === 'warning' || i.outcome === 'note');
    const f = cases.filter((i) => i.outcome === 'deny').length;
    const e = cases.filter((i) => i.outcome === 'invalid').length;
    const s = cases.filter((i) => i.outcome === 'needs_approval').length;
    total += cases.length;
    failures += f;
    errors += e;
    skipped += s;
    const body = cases.map((c) => {
      const notes = findings.filter((x) => x.title === c.title).map((x) => `${x.ruleId}: ${x.message}`);
      const text = esc([c.message, ...c.details].join('\n'));
      const inner =
        c.outcome === 'deny'
          ? `<failure type="deny" message="${esc(c.message)}">${text}</failure>`
          : c.outcome === 'invalid'
            ? `<error type="invalid" message="${esc(c.message)}">${text}</error>`
            : c.outcome === 'needs_approval'
              ? `<skipped message="${esc(`needs approval: ${c.message}`)}"/>`
              : '';
      const out = notes.length ? `<system-out>${esc(notes.join('\n'))}</system-out>` : '';
      return `    <testcase classname="${esc(file)}" name="${esc(`${c.title}${c.line ? ` (line ${c.line})` : ''}`)}" file="${esc(file)}"${c.line ? ` line="${c.line}"` : ''}>${inner}${out}</testcase>`;
    });
    // Findings not about one decided rule (a resource type nobody decides) go to the suite's system-out.
    const loose = findings.filter((x) => !cases.some((c) => c.title === x.title)).map((x) => `${x.ruleId}${x.line ? ` (line ${x.line})` : ''}: ${x.message}`);
    const suiteOut = loose.length ? `\n    <system-out>${esc(loose.join('\n'))}</system-out>` : '';
    suites.push(`  <testsuite name="${esc(file)}" tests="${cases.length}" failures="${f}" errors="${e}" skipped="${s}">\n${body.join('\n')}${suiteOut}\n  </testsuite>`);
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="portcullis validate" tests="${total}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${suites.join('\n')}\n</testsuites>\n`;
}
