/**
 * The service under test: a copy of the sandbox config (portcullis.config.yaml) with its own temporary
 * data directory, a free loopback port, absolute playbook path and the chosen log level. The signing
 * client is the sandbox's demo client, read from that same file (its secret is never printed).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { z } from 'zod';
import { ROOT } from './processes.ts';
import type { SigningClient } from './signed-requests.ts';

const sandboxShape = z
  .object({
    listen: z.object({ host: z.string(), port: z.number() }).loose(),
    clients: z.array(z.object({ id: z.string(), secrets: z.array(z.object({ sandboxValue: z.string() }).loose()) }).loose()),
  })
  .loose();

export const SANDBOX_CONFIG = join(ROOT, 'portcullis.config.yaml');

export function sandboxClient(): SigningClient {
  const config = sandboxShape.parse(parse(readFileSync(SANDBOX_CONFIG, 'utf8')));
  const demo = config.clients.find((c) => c.id === 'demo');
  const secret = demo?.secrets[0]?.sandboxValue;
  if (!demo || !secret) throw new Error(`${SANDBOX_CONFIG} has no "demo" client with a sandboxValue secret`);
  return { id: demo.id, secret };
}

/** Writes `<dir>/portcullis.config.yaml` and returns its path; the data directory is `<dir>/data`. */
export function writeServiceConfig(dir: string, port: number, logLevel: string): string {
  const config = sandboxShape.parse(parse(readFileSync(SANDBOX_CONFIG, 'utf8')));
  const copy = {
    ...config,
    listen: { ...config.listen, host: '127.0.0.1', port },
    dataDir: join(dir, 'data'),
    playbooksDir: join(ROOT, 'playbooks'),
    log: { level: logLevel },
  };
  const path = join(dir, 'portcullis.config.yaml');
  writeFileSync(path, stringify(copy));
  return path;
}
