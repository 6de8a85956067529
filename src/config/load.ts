import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import { ConfigError, parseConfig } from './parse.ts';
import type { Config } from './schema.ts';
import type { SecretSource } from './secret.ts';

export const DEFAULT_CONFIG_PATH = 'portcullis.config.yaml';

/** The config path: --config, else PORTCULLIS_CONFIG, else ./portcullis.config.yaml. */
export function configPath(flag: string | undefined, env: NodeJS.ProcessEnv): string {
  return resolve(flag ?? env.PORTCULLIS_CONFIG ?? DEFAULT_CONFIG_PATH);
}

export const nodeSecretSource = (env: NodeJS.ProcessEnv): SecretSource => ({
  env: (name) => env[name],
  file: (path) => {
    try {
      return readFileSync(path, 'utf8');
    } catch {
      return undefined;
    }
  },
});

/** Reads and validates the config file, including each connector block against its connector's schema. */
export function loadConfig(path: string, registry: ConnectorRegistry): { config: Config; text: string } {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code})` }]);
  }
  const config = parseConfig(text, path);
  checkConfigRules(config, path, registry);
  return { config, text };
}

/** Rules that span keys: the sandbox demo secret, connector blocks, unique ids. */
export function checkConfigRules(config: Config, file: string, registry: ConnectorRegistry): void {
  const problems: { path: string; message: string }[] = [];
  const inline = config.clients.flatMap((c, i) =>
    c.secrets.some((s) => 'sandboxValue' in s) ? [`clients[${i}].secrets`] : [],
  );
  const real = config.connectors.filter((c) => !c.simulator);
  for (const path of inline) {
    if (!config.sandbox) {
      problems.push({ path, message: 'an inline sandboxValue secret is only allowed with sandbox: true; use { env: NAME } or { file: PATH }' });
    } else if (real.length) {
      problems.push({
        path,
        message: `the sandbox demo secret cannot be configured alongside real connectors (${real.map((c) => c.id).join(', ')}); use { env: NAME } or { file: PATH }`,
      });
    }
  }
  const seen = new Set<string>();
  config.connectors.forEach((block, i) => {
    if (seen.has(block.id)) problems.push({ path: `connectors[${i}].id`, message: `duplicate connector id ${block.id}` });
    seen.add(block.id);
    const { id: _id, type, simulator: _sim, ...rest } = block;
    const result = registry[type].configSchema.safeParse(rest);
    if (!result.success) {
      for (const issue of result.error.issues) {
        problems.push({ path: `connectors[${i}].${issue.path.join('.')}`, message: issue.message });
      }
    }
  });
  if (problems.length) throw new ConfigError(file, problems);
}
