import { ConfigError } from '../config/parse.ts';
import type { Connector } from '../connectors/types.ts';
import type { Playbook, PlaybookAction } from './schema.ts';

/** The connector capability each action needs; blocks, unblocks and cleanups work everywhere. */
const NEEDS: Partial<Record<PlaybookAction, 'allows' | 'quarantine'>> = { allow: 'allows', revoke: 'allows', quarantine: 'quarantine', release: 'quarantine' };

/**
 * Refuses, at start, a playbook aimed at a connector that cannot do its action (an allow on a
 * blocks-only Cloudflare list), naming the playbook, the target and why, so no run ever fails for it.
 */
export function checkPlaybookCapabilities(playbooks: Map<string, Playbook>, connectors: Map<string, Connector>, where: string): void {
  const problems: { path: string; message: string }[] = [];
  for (const playbook of playbooks.values()) {
    if (playbook.action === 'adopt') {
      playbook.targets.forEach((t, i) => {
        const connector = connectors.get(t.connector);
        if (connector && !connector.adopt) {
          problems.push({ path: `${playbook.name}: targets[${i}]`, message: `connector "${t.connector}" (${connector.type}) cannot adopt rules; remove it from the playbook's targets` });
        }
      });
      continue;
    }
    const need = NEEDS[playbook.action];
    if (!need) continue;
    playbook.targets.forEach((t, i) => {
      const connector = connectors.get(t.connector);
      if (connector?.capabilities && !connector.capabilities[need]) {
        problems.push({
          path: `${playbook.name}: targets[${i}]`,
          message: `connector "${t.connector}" (${connector.type}) cannot ${need === 'allows' ? 'open access' : 'quarantine hosts'}, so it cannot be a target of a playbook whose action is ${playbook.action}; remove it from the playbook's targets`,
        });
      }
    });
  }
  if (problems.length) throw new ConfigError(where, problems);
}
