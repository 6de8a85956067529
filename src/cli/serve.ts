import { parseArgs } from 'node:util';
import { configPath } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import { startNodeServer } from '../node.ts';
import type { Command } from './main.ts';

/** `portcullis serve`: runs until SIGINT/SIGTERM, then closes the listener and the store. */
export const serveCommand: Command = async (args, io) => {
  const { values } = parseArgs({ args, options: { config: { type: 'string' } } });
  try {
    const server = await startNodeServer({ configPath: configPath(values.config, io.env), env: io.env });
    const stop = async () => {
      await server.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    return 0;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.err(error.message);
      process.exit(1);
    }
    io.err(`portcullis could not start: ${(error as Error).message}`);
    process.exit(1);
  }
};
