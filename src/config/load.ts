import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { ConnectorRegistry } from '../connectors/registry.ts';
import type { ConnectorType } from '../connectors/types.ts';
import { ConfigError, parseConfig, yamlLineLocator } from './parse.ts';
import { checkConfigRules } from './rules.ts';
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

/**
 * Reads and validates the config file, including each connector block against its connector's schema;
 * only the connector types the file names are loaded (`loadRegistry`).
 */
export async function loadConfig(
  path: string,
  loadRegistry: (types: ConnectorType[]) => Promise<ConnectorRegistry>,
): Promise<{ config: Config; text: string; registry: ConnectorRegistry }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code})` }]);
  }
  const config = parseConfig(text, path);
  const registry = await loadRegistry(config.connectors.map((c) => c.type));
  checkConfigRules(config, path, registry, yamlLineLocator(text));
  return { config, text, registry };
}

