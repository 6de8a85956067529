import { configPath } from '../config/load.ts';
import { ConfigError } from '../config/parse.ts';
import { startNodeServer } from '../node.ts';
import { UsageError, defineCommand } from './command.ts';

const USAGE = `portcullis serve [--config FILE] [--host HOST] [--port PORT] [--data-dir DIR]

  Runs the service until SIGINT/SIGTERM.
  --config    the config file (default: $PORTCULLIS_CONFIG, else ./portcullis.config.yaml)
  --host      listen address over the file's listen.host (env PORTCULLIS_HOST); a sandbox stays on loopback
  --port      listen port over the file's listen.port, 0 for any free port (env PORTCULLIS_PORT)
  --data-dir  the SQLite data directory over the file's dataDir (env PORTCULLIS_DATA_DIR)
  A flag wins over its environment variable, which wins over the file; a second sandbox instance is
  just: portcullis serve --port 8788 --data-dir ./data-2
  exit codes: 1 bad config or start failure, 2 usage
`;

function portOf(value: string | undefined, source: string): number | undefined {
  if (value === undefined || value === '') return undefined;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65535) throw new UsageError(`${source} must be a port number 0-65535, not "${value}"`);
  return Number(value);
}

/** `portcullis serve`: runs until SIGINT/SIGTERM, then closes the listener and the store. */
export const serveCommand = defineCommand(
  {
    name: 'serve',
    usage: USAGE,
    options: { config: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, 'data-dir': { type: 'string' } },
  },
  async ({ values }, io) => {
    const host = values.host ?? (io.env.PORTCULLIS_HOST || undefined);
    if (host === '') throw new UsageError('--host must not be empty');
    const port = values.port !== undefined ? portOf(values.port, '--port') : portOf(io.env.PORTCULLIS_PORT, 'PORTCULLIS_PORT');
    const dataDir = values['data-dir'] ?? (io.env.PORTCULLIS_DATA_DIR || undefined);
    try {
      const server = await startNodeServer({
        configPath: configPath(values.config, io.env),
        env: io.env,
        overrides: { ...(host === undefined ? {} : { host }), ...(port === undefined ? {} : { port }), ...(dataDir === undefined ? {} : { dataDir }) },
      });
      const stop = async () => {
        await server.close();
        process.exit(0);
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      return 0;
    } catch (error) {
      io.err(error instanceof ConfigError ? error.message : `portcullis could not start: ${(error as Error).message}`);
      return 1;
    }
  },
);
