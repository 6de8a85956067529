import { resolveSecret, type SecretSource } from '../config/secret.ts';
import type { CheckpointVerifier } from '../audit/checkpoint.ts';
import type { Clock, Logger } from '../platform.ts';
import type { SqlDriver } from '../store/sql/driver.ts';
import type { Store } from '../store/types.ts';
import type { NotificationsConfig } from './config.ts';
import { Notifier, Outbox, type Subscription } from './index.ts';
import { tryParseCidr } from '../net/cidr.ts';
import type { CapacityUse } from './capacity.ts';
import { DestinationRefused, type OutboundPolicy, type Resolve, checkDestination } from './ssrf.ts';
import type { HttpPost } from './transport.ts';

/** Refuses an allowNetworks entry that is not a CIDR, naming it. */
export function checkAllowNetworks(where: string, list: readonly string[]): void {
  for (const [i, cidr] of list.entries()) {
    if (!tryParseCidr(cidr, { hostBits: 'mask' }).ok) throw new DestinationRefused(`${where}.allowNetworks[${i}]: "${cidr}" is not a CIDR (expected e.g. 10.20.0.0/16)`);
  }
}

/**
 * Builds the notifier from config at start: every subscription URL is checked (https, public
 * addresses only, unless sandbox) and every secret resolved, or start-up stops naming the subscription.
 */
export async function buildNotifier(o: {
  config: NotificationsConfig;
  sandbox: boolean;
  secrets: SecretSource;
  store: Store;
  driver: SqlDriver;
  clock: Clock;
  log: Logger;
  resolve: Resolve;
  /** The runtime's transport for this policy (Node: guardedPost; Workers: fetchPost). */
  transport: (policy: OutboundPolicy) => HttpPost;
  capacity?: () => Promise<CapacityUse[]>;
  verifier?: () => CheckpointVerifier | undefined;
}): Promise<Notifier> {
  checkAllowNetworks('notifications', o.config.allowNetworks);
  const policy: OutboundPolicy = { sandbox: o.sandbox, resolve: o.resolve, allowNetworks: o.config.allowNetworks };
  const subscriptions: Subscription[] = [];
  const seen = new Set<string>();
  for (const [i, s] of o.config.subscriptions.entries()) {
    const where = `notifications.subscriptions[${i}] (${s.id})`;
    if (seen.has(s.id)) throw new DestinationRefused(`${where}: the id is used twice; ids must be unique`);
    seen.add(s.id);
    await checkDestination(where, s.url, policy);
    if ('sandboxValue' in s.secret && !o.sandbox) throw new DestinationRefused(`${where}: an inline sandboxValue secret needs sandbox: true; use { env: NAME } or { file: PATH }`);
    const secret = 'sandboxValue' in s.secret ? s.secret.sandboxValue : resolveSecret(s.secret, o.secrets);
    if (!/^whsec_[A-Za-z0-9+/]+=*$/.test(secret)) throw new DestinationRefused(`${where}: the secret must be whsec_ followed by base64`);
    subscriptions.push({ ...s, secret });
  }
  return new Notifier({
    store: o.store,
    outbox: new Outbox(o.driver),
    config: o.config,
    subscriptions,
    clock: o.clock,
    log: o.log,
    post: o.transport(policy),
    driver: o.driver,
    ...(o.capacity ? { capacity: o.capacity } : {}),
    ...(o.verifier ? { verifier: o.verifier } : {}),
  });
}
