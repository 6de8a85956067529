import { readFileSync } from 'node:fs';
import { resolveSecret, type SecretSource } from '../config/secret.ts';
import { DestinationRefused, type Resolve, checkDestination } from '../notify/ssrf.ts';
import type { Clock, Logger } from '../services.ts';
import type { SqlDriver } from '../store/sql/driver.ts';
import type { Store } from '../store/types.ts';
import type { SiemConfig } from './config.ts';
import { hecSink } from './hec.ts';
import { SiemExporter, type Sink } from './index.ts';
import { syslogSink } from './syslog.ts';

/** Builds the sinks at start: destinations checked (no SSRF outside the sandbox), secrets resolved. */
export async function buildSiemExporter(o: {
  config: SiemConfig;
  sandbox: boolean;
  secrets: SecretSource;
  store: Store;
  driver: SqlDriver;
  clock: Clock;
  log: Logger;
  resolve: Resolve;
  version: string;
}): Promise<SiemExporter> {
  const sinks: Sink[] = [];
  const seen = new Set<string>();
  for (const [i, s] of o.config.sinks.entries()) {
    const where = `siem.sinks[${i}] (${s.id})`;
    if (seen.has(s.id)) throw new DestinationRefused(`${where}: the id is used twice; ids must be unique`);
    seen.add(s.id);
    const ca = s.caFile ? readFileSync(s.caFile, 'utf8') : undefined;
    if (s.type === 'splunk-hec') {
      await checkDestination(where, s.url, { sandbox: o.sandbox, resolve: o.resolve });
      if ('sandboxValue' in s.token && !o.sandbox) throw new DestinationRefused(`${where}: an inline sandboxValue token needs sandbox: true; use { env: NAME } or { file: PATH }`);
      const token = 'sandboxValue' in s.token ? s.token.sandboxValue : resolveSecret(s.token, o.secrets);
      sinks.push(hecSink(s, token, { timeoutMs: o.config.timeoutMs, ...(ca ? { ca } : {}) }));
    } else {
      const url = `${s.tls ? 'tls' : 'tcp'}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
      await checkDestination(where, url, { sandbox: o.sandbox, resolve: o.resolve, schemes: ['tls:'] });
      sinks.push(syslogSink(s, { timeoutMs: o.config.timeoutMs, version: o.version, ...(ca ? { ca } : {}) }));
    }
  }
  return new SiemExporter({ store: o.store, driver: o.driver, sinks, config: o.config, clock: o.clock, log: o.log });
}
