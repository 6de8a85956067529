/**
 * What the Worker's fetch handler and each target's Durable Object both build from the bindings: the
 * config (PORTCULLIS_CONFIG), secrets (Worker secrets and vars), D1, the connectors (the same factories
 * as Node, loaded by connectors/index.ts), and the playbooks and Cedar policies bundled at build time,
 * checked by the same functions as on Node (src/playbooks/load.ts, src/policy/approval.ts).
 */
import { loadConnectorRegistry } from '../../connectors/index.ts';
import { ConfigError, parseConfig } from '../config/parse.ts';
import { checkConfigRules } from '../config/rules.ts';
import type { Config } from '../config/schema.ts';
import type { SecretSource } from '../config/secret.ts';
import { buildConnectors } from '../connectors/build.ts';
import type { Connector } from '../connectors/types.ts';
import { ClientRegistry } from '../http/clients.ts';
import { createConsoleLogger } from '../log/console.ts';
import { checkPlaybookCapabilities } from '../playbooks/capabilities.ts';
import type { TargetCatalog } from '../playbooks/load.ts';
import type { Playbook } from '../playbooks/schema.ts';
import type { ApprovalPolicy } from '../services.ts';
import { type Clock, type Logger, systemClock } from '../platform.ts';
import { D1Driver, type D1Like } from '../store/d1/index.ts';
import { SqlStore } from '../store/sql/store.ts';
import { loadBundledPlaybooks } from './files.ts';

/** Where the config comes from, as named in refusals and logs. */
export const CONFIG_SOURCE = 'PORTCULLIS_CONFIG (Worker binding)';

/** A Durable Object namespace binding, as far as this Worker uses it (kept local: src/ needs no Workers types). */
export interface DurableObjectNamespaceLike {
  idFromName(name: string): unknown;
  get(id: unknown): { fetch(url: string, init?: RequestInit): Promise<Response> };
}

/** The bindings this Worker reads (wrangler.toml). Secrets referenced as `{ env: NAME }` are bindings too. */
export interface WorkerEnv {
  DB: D1Like;
  PORTCULLIS_CONFIG?: string;
  /** One Durable Object per target (TargetReconciler); required when the config lists connectors. */
  TARGETS?: DurableObjectNamespaceLike;
  [binding: string]: unknown;
}

export interface WorkerCore {
  config: Config;
  log: Logger;
  clock: Clock;
  secrets: SecretSource;
  clients: ClientRegistry;
  driver: D1Driver;
  store: SqlStore;
  connectors: Map<string, Connector>;
  catalog: TargetCatalog;
  playbooks: Map<string, Playbook>;
  policy?: ApprovalPolicy;
}

/** Builds the parts for one isolate. Config problems surface as ConfigError (deterministic for a deployment). */
export async function buildWorkerCore(env: WorkerEnv): Promise<WorkerCore> {
  if (typeof env.PORTCULLIS_CONFIG !== 'string' || env.PORTCULLIS_CONFIG.trim() === '') {
    throw new ConfigError(CONFIG_SOURCE, [
      { path: '', message: 'the binding is missing or empty; set [vars] PORTCULLIS_CONFIG to the YAML config' },
    ]);
  }
  if (!env.DB || typeof env.DB.prepare !== 'function') {
    throw new ConfigError(CONFIG_SOURCE, [
      { path: '', message: 'the D1 binding DB is missing; declare [[d1_databases]] binding = "DB" in wrangler.toml' },
    ]);
  }
  const config = parseConfig(env.PORTCULLIS_CONFIG, CONFIG_SOURCE);
  // The connector types the config names, each checked against its own schema, as Node's loadConfig does.
  const registry = await loadConnectorRegistry(config.connectors.map((c) => c.type));
  checkConfigRules(config, CONFIG_SOURCE, registry);
  if (config.connectors.length && !env.TARGETS) {
    throw new ConfigError(CONFIG_SOURCE, [
      { path: 'connectors', message: 'the Durable Object binding TARGETS (class TargetReconciler) is missing; declare it in wrangler.toml' },
    ]);
  }
  const log = createConsoleLogger({ level: config.log.level });
  const secrets: SecretSource = { env: (name: string) => (typeof env[name] === 'string' ? (env[name] as string) : undefined) };
  let clients: ClientRegistry;
  try {
    clients = await ClientRegistry.build(config.clients, secrets);
  } catch (error) {
    throw new ConfigError(CONFIG_SOURCE, [{ path: 'clients', message: (error as Error).message }]);
  }
  const clock = systemClock;
  const driver = new D1Driver(env.DB);
  const store = new SqlStore(driver, () => clock.now());
  let built: ReturnType<typeof buildConnectors>;
  try {
    built = buildConnectors(config, registry, { clock, log, secrets });
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(CONFIG_SOURCE, [{ path: 'connectors', message: (error as Error).message }]);
  }
  const { connectors, catalog } = built;
  // Without connectors the Worker serves the edge only (signed calls, audit, notifications): there is
  // nothing for the playbooks to aim at, so they are not loaded (Node would refuse to start instead).
  const { playbooks, policy } = config.connectors.length ? loadBundledPlaybooks(config, catalog) : { playbooks: new Map<string, Playbook>() };
  checkPlaybookCapabilities(playbooks, connectors, config.playbooksDir);
  return { config, log, clock, secrets, clients, driver, store, connectors, catalog, playbooks, ...(policy ? { policy } : {}) };
}
