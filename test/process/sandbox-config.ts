/** The repo's own sandbox config (portcullis.config.yaml), as the process tests run it. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { REPO_ROOT } from '../support/process.ts';

export const SANDBOX_CONFIG = readFileSync(join(REPO_ROOT, 'portcullis.config.yaml'), 'utf8');
export const DEMO_SECRET =
  (parse(SANDBOX_CONFIG) as { clients: { secrets: { sandboxValue?: string }[] }[] }).clients[0]?.secrets[0]?.sandboxValue ?? '';
export const DEMO_TOKEN = 'demo-read-token-for-the-sandbox-only';

/**
 * The connectors the shipped block-ip playbook names (each has one target, `edge`, in the sandbox), read
 * from playbooks/block-ip.yaml so tests follow the playbook rather than a count of their own.
 */
export const BLOCK_IP_CONNECTORS: string[] = (
  parse(readFileSync(join(REPO_ROOT, 'playbooks', 'block-ip.yaml'), 'utf8')) as { targets: { connector: string }[] }
).targets.map((t) => t.connector);

/** The shipped sandbox config with only its data directory and port changed (other edits are the caller's). */
export function sandboxConfig(dataDir: string, port: number): string {
  const text = SANDBOX_CONFIG.replace(/^dataDir: .*$/m, `dataDir: ${JSON.stringify(dataDir)}`).replace(
    /^listen: \{ host: 127\.0\.0\.1, port: 8787 \}$/m,
    `listen: { host: 127.0.0.1, port: ${port} }`,
  );
  if (!text.includes(`port: ${port}`) || !text.includes(dataDir)) throw new Error('portcullis.config.yaml changed shape: update sandboxConfig()');
  return text;
}
