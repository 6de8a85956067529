import { resolveSecret, type SecretSource } from '../config/secret.ts';
import { checkAllowNetworks } from '../notify/build.ts';
import { DestinationRefused, type OutboundPolicy, type Resolve, checkDestination } from '../notify/ssrf.ts';
import type { HttpPost } from '../notify/transport.ts';
import type { Clock, Logger } from '../platform.ts';
import type { SqlDriver } from '../store/sql/driver.ts';
import type { Store } from '../store/types.ts';
import type { SiemConfig, SyslogSinkConfig } from './config.ts';
import { hecSink } from './hec.ts';
import { SiemExporter, type Sink } from './index.ts';

/** What the runtime can do: Node has files (private CAs) and TCP/TLS sockets (syslog); Workers have neither here. */
export interface SiemRuntime {
  transport: (policy: OutboundPolicy, o: { ca?: string }) => HttpPost;
  /** Reads a caFile; absent where there are no files (the config is then refused). */
  readCa?: (path: string) => string;
  /** Opens syslog sinks; absent where the runtime has no TCP client here (the config is then refused). */
  syslog?: (config: SyslogSinkConfig, o: { timeoutMs: number; version: string; where: string; policy: OutboundPolicy; ca?: string }) => Sink;
  /** Names the runtime in refusals, e.g. "on Workers". */
  name: string;
}

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
  runtime: SiemRuntime;
}): Promise<SiemExporter> {
  checkAllowNetworks('siem', o.config.allowNetworks);
  const policy: OutboundPolicy = { sandbox: o.sandbox, resolve: o.resolve, allowNetworks: o.config.allowNetworks };
  const sinks: Sink[] = [];
  const seen = new Set<string>();
  for (const [i, s] of o.config.sinks.entries()) {
    const where = `siem.sinks[${i}] (${s.id})`;
    if (seen.has(s.id)) throw new DestinationRefused(`${where}: the id is used twice; ids must be unique`);
    seen.add(s.id);
    if (s.caFile && !o.runtime.readCa) throw new DestinationRefused(`${where}: caFile is not available ${o.runtime.name} (no file system); use a collector with a publicly trusted certificate`);
    const ca = s.caFile ? o.runtime.readCa?.(s.caFile) : undefined;
    if (s.type === 'splunk-hec') {
      await checkDestination(where, s.url, policy);
      if ('sandboxValue' in s.token && !o.sandbox) throw new DestinationRefused(`${where}: an inline sandboxValue token needs sandbox: true; use { env: NAME } or { file: PATH }`);
      const token = 'sandboxValue' in s.token ? s.token.sandboxValue : resolveSecret(s.token, o.secrets);
      sinks.push(hecSink(s, token, { timeoutMs: o.config.timeoutMs, where, post: o.runtime.transport(policy, ca ? { ca } : {}) }));
    } else {
      if (!o.runtime.syslog) {
        throw new DestinationRefused(`${where}: syslog sinks are not available ${o.runtime.name} in this version (no TCP/TLS client); use a splunk-hec sink, or run the syslog export on Node`);
      }
      const url = `${s.tls ? 'tls' : 'tcp'}://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
      await checkDestination(where, url, { ...policy, schemes: ['tls:'] });
      sinks.push(o.runtime.syslog(s, { timeoutMs: o.config.timeoutMs, version: o.version, where, policy, ...(ca ? { ca } : {}) }));
    }
  }
  return new SiemExporter({ store: o.store, driver: o.driver, sinks, config: o.config, clock: o.clock, log: o.log });
}
