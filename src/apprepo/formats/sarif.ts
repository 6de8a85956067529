import { createHash } from 'node:crypto';
import { isAbsolute, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { CI_RULES, type CiRuleId, type CiSummary } from './items.ts';

const LEVEL = { approve: 'note', needs_approval: 'warning', deny: 'error', invalid: 'error', warning: 'warning', note: 'note' } as const;

/**
 * SARIF 2.1.0 (OASIS) for GitHub code scanning: one result per item, located in the source file
 * (relative to `root`, under %SRCROOT%) at its line. Checked against the official schema in a test.
 */
export function toSarif(summary: CiSummary, options: { root: string; version: string }): object {
  const ruleIds = Object.keys(CI_RULES) as CiRuleId[];
  return {
    $schema: 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'portcullis',
            version: options.version,
            rules: ruleIds.map((id) => ({
              id,
              name: CI_RULES[id].name,
              shortDescription: { text: CI_RULES[id].text },
              defaultConfiguration: { level: CI_RULES[id].level },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(options.root.endsWith(sep) ? options.root : `${options.root}${sep}`).href } },
        results: summary.items.map((item) => {
          const rel = relative(options.root, item.file);
          const inside = !rel.startsWith('..') && !isAbsolute(rel);
          return {
            ruleId: item.ruleId,
            ruleIndex: ruleIds.indexOf(item.ruleId),
            level: LEVEL[item.outcome],
            message: { text: [`${item.title}: ${item.message}`, ...item.details].join('\n') },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: inside ? { uri: rel.split(sep).join('/'), uriBaseId: '%SRCROOT%' } : { uri: pathToFileURL(item.file).href },
                  region: { startLine: item.line ?? 1, ...(item.column ? { startColumn: item.column } : {}) },
                },
              },
            ],
            partialFingerprints: {
              'portcullisItem/v1': createHash('sha256').update(`${inside ? rel : item.file}\n${item.title}\n${item.ruleId}`).digest('hex').slice(0, 32),
            },
          };
        }),
      },
    ],
  };
}
