import { loadConnectorRegistry } from '../../connectors/index.ts';
import { configPath, loadConfig } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import { defineCommand } from './command.ts';

/** `portcullis config check`: exit 0 with a summary, or 1 naming the file, key path and what was expected. */
export const configCheck = defineCommand(
  {
    name: 'config check',
    usage: `portcullis config check [--config FILE]

  Validates a config file as \`serve\` would, without starting (default: $PORTCULLIS_CONFIG, else
  ./portcullis.config.yaml). Exit 0 with a summary, 1 naming the file, key path, line and what was expected.
`,
    options: { config: { type: 'string' } },
  },
  async ({ values }, io) => {
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
  },
);
