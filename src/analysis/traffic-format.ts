import type { IngestStats } from '../flowlogs/usage.ts';
import type { TrafficEvidence } from './types.ts';

/** One line of evidence under a traffic finding in the text report. */
export function formatEvidence(e: TrafficEvidence): string {
  const c = e.coverage;
  const window = c.from ? `${c.from.slice(0, 10)}..${c.to?.slice(0, 10)}` : 'no logs';
  const parts = [`hits ${e.hits}`, `bytes ${e.bytes}`];
  if (e.firstSeen) parts.push(`first ${e.firstSeen}`, `last ${e.lastSeen}`);
  if (e.ambiguousRecords) parts.push(`${e.ambiguousRecords} records also matched other rules (counted for each)`);
  if (e.topRemotes?.length) parts.push(`remotes ${e.topRemotes.slice(0, 3).map((r) => `${r.prefix}×${r.records}`).join(' ')}${(e.distinctRemotes ?? 0) > 3 ? ` (+${(e.distinctRemotes ?? 0) - 3})` : ''}`);
  if (e.topPorts?.length) parts.push(`ports ${e.topPorts.slice(0, 5).map((p) => `${p.port}×${p.records}`).join(' ')}`);
  parts.push(`coverage ${c.days}d ${window}${c.gapDays ? `, ${c.gapDays}d missing` : ''} (min ${c.minDays}d)`);
  return parts.join('; ');
}

/** The ingestion summary printed before the findings. */
export function formatIngest(stats: IngestStats): string {
  const u = stats.unattributed;
  const lines = [
    `flow logs: ${stats.files} file(s), ${stats.records} records counted, ${stats.duplicates} duplicate records and ${stats.duplicateFiles.length} duplicate file(s) skipped, ${stats.malformed} malformed skipped, ${stats.skipped} SKIPDATA`,
    `  not attributed: ${u.direction_unknown} direction unknown, ${u.no_matching_rule} no matching rule, ${u.default_rule} default rule, ${u.unlisted_rule} unlisted rule; ${stats.ambiguous} ambiguous (several security-group rules); ${stats.mismatched} where the log's action differs from the rules' verdict`,
  ];
  for (const m of stats.malformedSamples) lines.push(`  malformed: ${m.file} ${m.at}: ${m.reason}`);
  for (const f of stats.duplicateFiles) lines.push(`  duplicate delivery skipped: ${f}`);
  return lines.join('\n');
}
