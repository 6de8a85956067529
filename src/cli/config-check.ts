import { parseArgs } from 'node:util';
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { configPath, loadConfig } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import type { Command } from './main.ts';

/** `portcullis config check`: exit 0 with a summary, or 1 naming the file, key path and what was expected. */
export const configCheck: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
  const path = configPath(values.config, io.env);
  try {
    const { config } = await loadConfig(path, loadConnectorRegistry);
    io.out(
      `${path}: ok (${config.clients.length} client(s), ${config.connectors.length} connector(s)${config.sandbox ? ', sandbox' : ''})`,
    );
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      return 1;
    }
    throw error;
  }
};
