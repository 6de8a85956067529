import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../config/parse.ts';
import type { Connector } from '../connectors/types.ts';
import { checkPlaybookCapabilities } from './capabilities.ts';
import { loadPlaybooks } from './load.ts';

/** The repo's playbooks, with a blocks-only target added to the ones named. */
let dir: string;
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});
// Only what the check reads: the connector's id, type and capabilities (as the Cloudflare connector declares them).
const blocksOnly = { id: 'cf-edge', type: 'cloudflare', capabilities: { allows: false, quarantine: false } } as Connector;

function setup(withCloudflare: string[]) {
  dir = mkdtempSync(join(tmpdir(), 'portcullis-capabilities-'));
  cpSync('playbooks', dir, { recursive: true });
  for (const name of withCloudflare) {
    const file = join(dir, `${name}.yaml`);
    writeFileSync(file, readFileSync(file, 'utf8').replace(/^targets:\n/m, 'targets:\n  - { connector: cf-edge, target: "*" }\n'));
  }
  const catalog = new Map([
    ['aws-sandbox', ['edge']],
    ['azure-sandbox', ['edge']],
    ['gcp-sandbox', ['edge']],
    ['cloudflare-sandbox', ['edge']],
    ['cf-edge', ['zone-edge']],
  ]);
  const playbooks = loadPlaybooks(dir, catalog);
  const connectors = new Map<string, Connector>([['cf-edge', blocksOnly]]);
  return () => checkPlaybookCapabilities(playbooks, connectors, dir);
}

describe('playbooks against what their connectors can do', () => {
  it('lets block, unblock and cleanup playbooks aim at a blocks-only connector', () => {
    expect(setup(['block-ip', 'unblock-ip', 'cleanup-rules'])).not.toThrow();
  });

  it('refuses at start an allow, revoke, quarantine or release playbook aimed at it, naming each', () => {
    const check = setup(['allow-ingress', 'revoke-allow', 'quarantine-host', 'release-host']);
    let error: unknown;
    try {
      check();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems.map((p) => p.path).sort()).toEqual(['allow-ingress: targets[0]', 'quarantine-host: targets[0]', 'release-host: targets[0]', 'revoke-allow: targets[0]']);
    expect(problems.find((p) => p.path.startsWith('allow-ingress'))?.message).toBe(
      'connector "cf-edge" (cloudflare) cannot open access, so it cannot be a target of a playbook whose action is allow; remove it from the playbook\'s targets',
    );
  });
});
