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

/** What `portcullis serve --host/--port/--data-dir` (or PORTCULLIS_HOST/_PORT/_DATA_DIR) puts over the file. */
export interface ConfigOverrides {
  host?: string;
  port?: number;
  dataDir?: string;
}

/**
 * Reads and validates the config file (with `overrides` applied before the cross-key rules, so a sandbox
 * still refuses a non-loopback --host), including each connector block against its connector's schema;
 * only the connector types the file names are loaded (`loadRegistry`).
 */
export async function loadConfig(
  path: string,
  loadRegistry: (types: ConnectorType[]) => Promise<ConnectorRegistry>,
  overrides: ConfigOverrides = {},
): Promise<{ config: Config; text: string; registry: ConnectorRegistry }> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new ConfigError(path, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code})` }]);
  }
  const parsed = parseConfig(text, path);
  const config: Config = {
    ...parsed,
    listen: { host: overrides.host ?? parsed.listen.host, port: overrides.port ?? parsed.listen.port },
    dataDir: overrides.dataDir ?? parsed.dataDir,
  };
  const registry = await loadRegistry(config.connectors.map((c) => c.type));
  // A value given on the command line has no line in the file.
  const lineOf = yamlLineLocator(text);
  const overridden = (p: (string | number)[]) =>
    (p[0] === 'listen' && overrides[p[1] as 'host' | 'port'] !== undefined) || (p[0] === 'dataDir' && overrides.dataDir !== undefined);
  checkConfigRules(config, path, registry, (p) => (overridden(p) ? undefined : lineOf(p)));
  return { config, text, registry };
}

