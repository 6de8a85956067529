import type { ConnectorRegistry } from '../connectors/registry.ts';
import { checkPlacementChains } from './chains.ts';
import { ConfigError, formatPath } from './parse.ts';

/** SHA-256 of the sandbox's published read token "demo-read-token-for-the-sandbox-only". */
export const SANDBOX_DEMO_TOKEN_SHA256 = '48746505eb279a807b44d1454b7ef8c31b901d820a6d39743aa248f2b3bc0797';
/** SHA-256 of the sandbox approver's published read token "approver-read-token-for-the-sandbox-only". */
export const SANDBOX_APPROVER_TOKEN_SHA256 = '5fc3e7bb82bb9b76ecba73c16545182b85393a893c7fcb5e3678fd1d165e6bbc';
const PUBLISHED_TOKENS = new Set([SANDBOX_DEMO_TOKEN_SHA256, SANDBOX_APPROVER_TOKEN_SHA256]);

const withLine = (line: number | undefined) => (line === undefined ? {} : { line });
import type { Config } from './schema.ts';

/**
 * Rules that span keys: the sandbox demo secret, connector blocks, unique ids. `lineOf` (from
 * yamlLineLocator) adds the line of each problem when the YAML text is at hand.
 */
export function checkConfigRules(
  config: Config,
  file: string,
  registry?: ConnectorRegistry,
  lineOf: (path: (string | number)[]) => number | undefined = () => undefined,
): void {
  const problems: { path: string; line?: number; message: string }[] = [];
  const add = (path: (string | number)[], message: string) =>
    problems.push({ path: formatPath(path), message, ...withLine(lineOf(path)) });
  const inline = config.clients.flatMap((c, i) => (c.secrets.some((s) => 'sandboxValue' in s) ? [i] : []));
  const real = config.connectors.filter((c) => !c.simulator);
  for (const i of inline) {
    if (!config.sandbox) {
      add(['clients', i, 'secrets'], 'an inline sandboxValue secret is only allowed with sandbox: true; use { env: NAME } or { file: PATH }');
    } else if (real.length) {
      add(
        ['clients', i, 'secrets'],
        `the sandbox demo secret cannot be configured alongside real connectors (${real.map((c) => c.id).join(', ')}); use { env: NAME } or { file: PATH }`,
      );
    }
  }
  // The sandbox's published read token (its SHA-256 is in the example config) is as public as its secret.
  config.clients.forEach((c, i) => {
    c.tokens.forEach((t, k) => {
      if ('sha256' in t && PUBLISHED_TOKENS.has(t.sha256) && (!config.sandbox || real.length)) {
        add(['clients', i, 'tokens', k], 'this is the published sandbox demo token; configure your own token ({ env: NAME } or the sha256 of a secret one)');
      }
    });
  });
  if (config.sandbox && !['127.0.0.1', '::1', 'localhost'].includes(config.listen.host)) {
    add(['listen', 'host'], 'a sandbox config (public demo secret) only listens on loopback: 127.0.0.1, ::1 or localhost');
  }
  // The sandbox identity provider accepts its test accounts without a password: never next to real clouds.
  if (config.console?.oidc.issuer === 'sandbox' && (!config.sandbox || real.length)) {
    add(['console', 'oidc', 'issuer'], 'the sandbox identity provider is only for a sandbox config with simulated connectors; name your identity provider\'s issuer URL');
  }
  const seen = new Set<string>();
  config.connectors.forEach((block, i) => {
    if (seen.has(block.id)) add(['connectors', i, 'id'], `duplicate connector id ${block.id}`);
    seen.add(block.id);
    const { id: _id, type, simulator: _sim, ...rest } = block;
    const result = registry?.[type]?.configSchema.safeParse(rest);
    if (result && !result.success) {
      for (const issue of result.error.issues) add(['connectors', i, ...(issue.path as (string | number)[])], issue.message);
    }
  });
  checkPlacementChains(config, add);
  // identities (portcullis validate --app) name tiers; a typo would silently leave a workload unmapped.
  config.identities.forEach((entry, i) => {
    if (!config.tiers[entry.tier]) add(['identities', i, 'tier'], `unknown tier "${entry.tier}" (known tiers: ${Object.keys(config.tiers).join(', ') || 'none'})`);
  });
  if (problems.length) throw new ConfigError(file, problems);
}
